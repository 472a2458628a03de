#!/usr/bin/env python3
"""Stripe's official Python library (`pip install stripe`) against Gatehouse's Stripe simulator.

Proof that the simulator speaks Stripe's wire format, not a private dialect: the library, pointed
at the simulator with `stripe.api_base`, creates a customer and a checkout session, the checkout
page is paid with a test card, the subscription is retrieved, updated and cancelled, Stripe's
errors arrive as the library's exceptions, and `stripe.Webhook.construct_event` accepts a
webhook the simulator signed and sent.

    scripts/stripe-python-check.py --gatehouse .build/debug/gatehouse

Needs DATABASE_URL (the server's role) and MIGRATION_DATABASE_URL (the owner) of a database it
may migrate, e.g. the throwaway cluster of scripts/test, which runs this script. Starts
`gatehouse stripe-sim` on a free port and a webhook endpoint of its own, and stops both.
Exits non-zero on the first failed check.
"""
import argparse
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import stripe

WEBHOOK_SECRET = "whsec_python_check"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Webhooks(http.server.BaseHTTPRequestHandler):
    """The webhook endpoint: keeps each delivery's raw body and Stripe-Signature header."""

    received = []
    lock = threading.Lock()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with Webhooks.lock:
            Webhooks.received.append((body, self.headers.get("Stripe-Signature")))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print(f"  ok: {what}")


def wait_for(what, condition, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def run_checks(api_base):
    stripe.api_key = "sk_test_python_check"
    stripe.api_base = api_base
    email = f"python-{uuid.uuid4().hex[:8]}@example.com"

    customer = stripe.Customer.create(email=email, name="Python Check", metadata={"tenant_id": "py-tenant"})
    check(customer.id.startswith("cus_") and customer.email == email, "Customer.create")
    check(customer.metadata["tenant_id"] == "py-tenant", "customer metadata round-trips")
    check(stripe.Customer.retrieve(customer.id).id == customer.id, "Customer.retrieve")

    session = stripe.checkout.Session.create(
        mode="subscription",
        line_items=[{"price": "price_pro_monthly", "quantity": 1}],
        customer=customer.id,
        client_reference_id="py-tenant",
        success_url="https://example.com/done?session={CHECKOUT_SESSION_ID}",
        cancel_url="https://example.com/billing",
        metadata={"plan_id": "pro"},
    )
    check(session.id.startswith("cs_test_") and session.status == "open" and session.url, "checkout.Session.create")

    # The checkout page, paid with Stripe's test card, as a browser would post its form.
    form = urllib.parse.urlencode({"card_number": "4242 4242 4242 4242", "name": "Py"}).encode()
    request = urllib.request.Request(session.url, data=form, method="POST")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(request)
        raise AssertionError("the checkout page did not redirect")
    except urllib.error.HTTPError as redirect:
        check(redirect.code == 303, "the paid checkout page redirects (303)")
        check(redirect.headers["Location"] == f"https://example.com/done?session={session.id}",
              "to success_url with the session id")

    session = stripe.checkout.Session.retrieve(session.id)
    check(session.status == "complete" and session.payment_status == "paid", "checkout.Session.retrieve: complete")
    subscription = stripe.Subscription.retrieve(session.subscription)
    item = subscription["items"]["data"][0]
    check(subscription.status == "active" and item["price"]["id"] == "price_pro_monthly", "Subscription.retrieve: active, pro monthly")
    check(item["current_period_end"] > item["current_period_start"], "the item carries its period")

    subscription = stripe.Subscription.modify(
        subscription.id, items=[{"id": item["id"], "price": "price_pro_yearly"}], proration_behavior="none")
    check(subscription["items"]["data"][0]["price"]["recurring"]["interval"] == "year", "Subscription.modify: switched to yearly")
    subscription = stripe.Subscription.modify(subscription.id, cancel_at_period_end=True)
    check(subscription.cancel_at_period_end is True, "Subscription.modify: cancel_at_period_end")

    events = stripe.Event.list(limit=20, types=["checkout.session.completed"])
    check(any(e.data.object.id == session.id for e in events.auto_paging_iter()), "Event.list finds checkout.session.completed")

    again = stripe.Customer.create(email=email, idempotency_key=f"py-{customer.id}")
    replay = stripe.Customer.create(email=email, idempotency_key=f"py-{customer.id}")
    check(again.id == replay.id, "an Idempotency-Key replays the first answer")
    try:
        stripe.Customer.create(email="other@example.com", idempotency_key=f"py-{customer.id}")
        raise AssertionError("a reused Idempotency-Key with other parameters was accepted")
    except stripe.IdempotencyError:
        check(True, "other parameters with the same key: IdempotencyError")

    try:
        stripe.Subscription.retrieve("sub_does_not_exist")
        raise AssertionError("a missing subscription was found")
    except stripe.InvalidRequestError as error:
        check(error.http_status == 404 and error.code == "resource_missing", "a missing object: InvalidRequestError 404")

    # A webhook the simulator signed and sent, accepted by Stripe's own verification.
    def completed_delivery():
        with Webhooks.lock:
            for body, signature in Webhooks.received:
                event = json.loads(body)
                if event["type"] == "checkout.session.completed" and event["data"]["object"]["id"] == session.id:
                    return body, signature
        return None

    body, signature = wait_for("the checkout.session.completed webhook", completed_delivery)
    event = stripe.Webhook.construct_event(body, signature, WEBHOOK_SECRET)
    check(event.type == "checkout.session.completed" and event.data.object.client_reference_id == "py-tenant",
          "Webhook.construct_event accepts the simulator's webhook")
    try:
        stripe.Webhook.construct_event(body.replace(b"py-tenant", b"xx-tenant"), signature, WEBHOOK_SECRET)
        raise AssertionError("a tampered webhook was accepted")
    except stripe.SignatureVerificationError:
        check(True, "a tampered webhook is refused")

    canceled = stripe.Subscription.cancel(subscription.id)
    check(canceled.status == "canceled", "Subscription.cancel (DELETE)")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gatehouse", required=True, help="the built gatehouse executable")
    args = parser.parse_args()
    environment = dict(os.environ)
    for name in ("DATABASE_URL", "MIGRATION_DATABASE_URL"):
        if not environment.get(name):
            sys.exit(f"stripe-python-check: set {name}")

    subprocess.run([args.gatehouse, "migrate"], env=environment, check=True, stdout=subprocess.DEVNULL)

    hooks = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Webhooks)
    threading.Thread(target=hooks.serve_forever, daemon=True).start()
    port = free_port()
    simulator = subprocess.Popen(
        [args.gatehouse, "stripe-sim", "--port", str(port),
         "--webhook-url", f"http://127.0.0.1:{hooks.server_address[1]}/webhook",
         "--webhook-secret", WEBHOOK_SECRET, "--webhook-retry-ms", "100"],
        env={**environment, "LOG_FORMAT": "text"}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    api_base = f"http://127.0.0.1:{port}/stripe-sim"
    try:
        def up():
            if simulator.poll() is not None:
                raise AssertionError("gatehouse stripe-sim exited")
            try:
                request = urllib.request.Request(api_base + "/v1/prices", headers={"Authorization": "Bearer sk_test_x"})
                return urllib.request.urlopen(request, timeout=2).status == 200
            except OSError:
                return False
        wait_for("gatehouse stripe-sim to answer", up)
        print(f"stripe {stripe.VERSION} against {api_base}")
        run_checks(api_base)
        print("stripe-python-check: all checks passed")
    except Exception:
        simulator.terminate()
        output = simulator.communicate(timeout=10)[0].decode(errors="replace")
        print("--- gatehouse stripe-sim output ---\n" + output[-4000:], file=sys.stderr)
        raise
    finally:
        if simulator.poll() is None:
            simulator.terminate()
            simulator.wait(timeout=10)
        hooks.shutdown()


if __name__ == "__main__":
    main()
