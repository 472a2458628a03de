#!/usr/bin/env python3
"""The console in a real browser: headless Chromium from Debian driven by Selenium.

Starts `gatehouse serve` on a free loopback port against DATABASE_URL (migrated first with
MIGRATION_DATABASE_URL), with mails written to a temporary folder, then walks through what a
new customer does: sign up, confirm the address from the mail, sign out and in, create a key
and read it once, call the API with it (one priced call), watch the calls, cost and spend bar
move on the key's page, change its rate limit, revoke it and see it refused; then open Billing,
upgrade to Pro, pay on the built-in Stripe simulator's checkout page and see Pro on the billing page.

Screenshots of every step go to .build/console-screenshots/; with --readme-images the keys list
and key detail are also written to docs/console-keys.png and docs/console-key-detail.png.

    DATABASE_URL=… MIGRATION_DATABASE_URL=… python3 Tests/Browser/console_browser_test.py \
        --binary .build/debug/gatehouse [--readme-images]
"""

import argparse
import base64
import email
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHOTS = os.path.join(ROOT, ".build", "console-screenshots")


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(method, url, key=None, body=None):
    """One API call with the raw key; returns (status, headers, parsed JSON or None)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if key:
        request.add_header("X-API-Key", key)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
            return response.status, response.headers, (json.loads(text) if text else None)
    except urllib.error.HTTPError as error:
        text = error.read()
        return error.code, error.headers, (json.loads(text) if text else None)


class Server:
    def __init__(self, binary):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.mail_dir = tempfile.mkdtemp(prefix="gatehouse-console-mail-")
        self.env = dict(os.environ)
        self.env.update({
            "HOST": "127.0.0.1", "PORT": str(self.port), "PUBLIC_URL": self.base,
            "KEY_PEPPER": secrets.token_hex(32),
            "JWT_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
            "MAIL_TRANSPORT": "file:" + self.mail_dir,
            "LOG_FORMAT": "text", "LOG_LEVEL": "warning",
            "USAGE_FLUSH_INTERVAL_MS": "100",
            "OPENAPI_SPEC": os.path.join(ROOT, "openapi.yaml"),
            "MIGRATIONS_DIR": os.path.join(ROOT, "sql", "migrations"),
        })
        subprocess.run([binary, "migrate"], env=self.env, check=True, cwd=ROOT)
        self.process = subprocess.Popen([binary, "serve"], env=self.env, cwd=ROOT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if http("GET", self.base + "/health/live")[0] == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                raise Failure(f"gatehouse serve exited with {self.process.returncode}")
            time.sleep(0.2)
        raise Failure("the server did not come up")

    def mail_link(self, to, subject_part, path):
        """The link to `path` in the newest mail to `to` whose subject contains `subject_part`."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for name in sorted(os.listdir(self.mail_dir), reverse=True):
                with open(os.path.join(self.mail_dir, name), "rb") as handle:
                    message = email.message_from_bytes(handle.read())
                if message["To"] != to or subject_part not in (message["Subject"] or ""):
                    continue
                body = message.get_payload(decode=True).decode()
                match = re.search(re.escape(self.base + path) + r"\?token=[A-Za-z0-9_\-]+", body)
                if match:
                    return match.group(0)
            time.sleep(0.2)
        raise Failure(f"no mail '{subject_part}' to {to}")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.mail_dir, ignore_errors=True)


class Walk:
    def __init__(self, server, readme_images):
        self.server = server
        self.readme_images = readme_images
        self.step = 0
        options = Options()
        options.binary_location = "/usr/bin/chromium"
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"):
            options.add_argument(flag)
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.wait = WebDriverWait(self.driver, 15)

    def open(self, path):
        self.driver.get(self.server.base + path)

    def shot(self, name, height=None, readme=None):
        self.step += 1
        if height:
            self.driver.set_window_size(1280, height)
        path = os.path.join(SHOTS, f"{self.step:02d}-{name}.png")
        self.driver.save_screenshot(path)
        print(f"[browser] step {self.step}: {name} -> {os.path.relpath(path, ROOT)}", flush=True)
        if readme and self.readme_images:
            os.makedirs(os.path.join(ROOT, "docs"), exist_ok=True)
            shutil.copyfile(path, os.path.join(ROOT, "docs", readme))
            print(f"[browser]   README image docs/{readme}", flush=True)
        if height:
            self.driver.set_window_size(1280, 900)

    def fill(self, field_id, value):
        element = self.driver.find_element(By.ID, field_id)
        element.clear()
        element.send_keys(value)

    def text(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    def click_text(self, text):
        """Clicks the link or button labelled `text` and waits for the next page."""
        page = self.driver.find_element(By.TAG_NAME, "html")
        self.driver.find_element(By.XPATH, f"//*[self::a or self::button][normalize-space()='{text}']").click()
        self.wait.until(self._replaced(page))

    @staticmethod
    def _replaced(page):
        """`EC.staleness_of`, except that chromedriver may report a node of the old document as
        "does not belong to the document" (an inspector error) instead of stale: that is the
        same answer, the page was replaced."""
        stale = EC.staleness_of(page)

        def predicate(driver):
            try:
                return stale(driver)
            except WebDriverException as error:
                return "does not belong to the document" in str(error)
        return predicate

    def run(self):
        email_address = f"owner-{secrets.token_hex(4)}@example.com"
        password = "correct horse battery staple"

        self.open("/")
        check(self.driver.current_url.endswith("/console/sign-in"), f"/ did not lead to sign-in: {self.driver.current_url}")
        self.shot("sign-in")

        self.click_text("Create an account")
        self.fill("full_name", "Ada Lovelace")
        self.fill("tenant_name", "Analytical Engines")
        self.fill("email", email_address)
        self.fill("password", password)
        self.click_text("Create the account")
        check("We sent a link to" in self.text(), "no welcome after sign-up: " + self.text())
        self.shot("signed-up")

        link = self.server.mail_link(email_address, "Confirm your email address", "/auth/verify-email")
        # Confirmed from the browser that signed up: the account stays as it is. (From a signed-out
        # browser, confirming would be the address's owner claiming it: password cleared.)
        self.driver.get(link)
        self.shot("verify-email-link")
        self.click_text("Confirm and sign in")
        check(self.driver.current_url.endswith("/console/keys"), "verifying did not sign in: " + self.driver.current_url)
        self.open("/console/account")
        check("email not verified" not in self.text(), "the address is still unverified")

        self.click_text("Sign out")
        check("You are signed out." in self.text(), "sign-out did not say so")
        self.fill("email", email_address)
        self.fill("password", password)
        self.click_text("Sign in")
        check("No keys yet." in self.text(), "the empty keys list does not say what to do")
        self.shot("keys-empty")

        self.click_text("Create your first key")
        self.fill("name", "ci-runner")
        for scope in ("sessions:manage", "messages:send", "settings:read"):
            self.driver.find_element(By.CSS_SELECTOR, f"input[name=scopes][value='{scope}']").click()
        self.fill("spend_limit", "0.05")
        self.shot("create-key-form", height=1300)
        self.click_text("Create the key")
        raw = self.driver.find_element(By.ID, "raw-key").get_attribute("value")
        check(raw.startswith("gk_live_") and len(raw) == 72, "no raw key shown: " + raw)
        check("it will not be shown again" in self.text(), "no warning beside the raw key")
        check(self.driver.find_element(By.CSS_SELECTOR, "[data-copy]").is_displayed(), "no copy button with scripts on")
        self.shot("key-created")
        self.click_text("I saved it: open the key")
        key_url = self.driver.current_url
        check("/console/keys/" in key_url, "not on the key page: " + key_url)
        check(raw not in self.driver.page_source, "the raw key is shown again")

        # A second key, so the list has more than one row.
        self.open("/console/keys/new")
        self.fill("name", "staging")
        self.driver.find_element(By.CSS_SELECTOR, "input[name=scopes][value='usage:read']").click()
        self.click_text("Create the key")

        # Use the first key: free calls, then a session and one priced message.
        api = self.server.base + "/api/v2"
        for _ in range(3):
            status, _, _ = http("GET", api + "/tenant/settings", key=raw)
            check(status == 200, f"settings with the key: {status}")
        status, _, session = http("POST", api + "/sessions", key=raw, body={"name": "campaign"})
        check(status == 201, f"session create: {status} {session}")
        status, headers, message = http("POST", api + "/messages", key=raw,
                                         body={"session_id": session["id"], "to": "+5511999999999", "text": "Hello from the console test"})
        check(status in (200, 201, 202), f"priced message: {status} {message}")
        check(message["cost"] == "0.010000", f"message cost {message}")

        # The calls reach the key's page (the usage log is written in batches).
        self.driver.get(key_url)
        deadline = time.monotonic() + 30
        while ("POST /api/v2/messages" not in self.driver.find_element(By.ID, "recent-calls").text
               or "5 calls" not in self.driver.find_element(By.CSS_SELECTOR, "[data-window=all]").text):
            check(time.monotonic() < deadline, "the calls never appeared on the key's page")
            time.sleep(0.5)
            self.driver.refresh()
        rows = self.driver.find_elements(By.CSS_SELECTOR, "#recent-calls tbody tr")
        check(len(rows) >= 5, f"expected 5 recent calls, saw {len(rows)}")
        check("POST /api/v2/messages" in rows[0].text, "newest call is not first: " + rows[0].text)
        all_time = self.driver.find_element(By.CSS_SELECTOR, "[data-window=all]").text
        check("Cost 0.01" in all_time, "the all-time card shows no cost: " + all_time)
        check("5 calls" in all_time, "the all-time card shows no calls: " + all_time)
        progress = float(self.driver.find_element(By.CSS_SELECTOR, "[data-progress]").get_attribute("data-progress"))
        check(progress == 20.0, f"spend bar at {progress} %, expected 20 % (0.01 of 0.05)")
        self.shot("key-detail", height=2300, readme="console-key-detail.png")

        # The recent-calls panel refreshes by itself with scripts on.
        http("GET", api + "/tenant/settings", key=raw)
        deadline = time.monotonic() + 20
        while len(self.driver.find_elements(By.CSS_SELECTOR, "#recent-calls tbody tr")) < 6:
            check(time.monotonic() < deadline, "the recent-calls panel did not refresh")
            time.sleep(0.5)

        self.open("/console/keys")
        check("ci-runner" in self.text() and "staging" in self.text(), "keys list incomplete")
        self.shot("keys-list", readme="console-keys.png")

        # The limits editor.
        self.driver.get(key_url)
        self.fill("rate_limit_rpm", "100")
        self.click_text("Save limits")
        check("Limits saved." in self.text(), "no confirmation of the limits")
        check(self.driver.find_element(By.ID, "rate_limit_rpm").get_attribute("value") == "100", "the editor does not show 100")
        status, headers, _ = http("GET", api + "/tenant/settings", key=raw)
        check(status == 200 and headers.get("X-RateLimit-Limit") == "100", f"the key's limit is not 100: {headers.get('X-RateLimit-Limit')}")
        self.shot("limits-saved")

        # Revoke, with confirmation; then the key is refused.
        self.click_text("Revoke…")
        check("Revoke “ci-runner”?" in self.text(), "no confirmation page")
        self.shot("revoke-confirm")
        self.click_text("Revoke the key")
        check("The key was revoked." in self.text(), "no revocation notice")
        self.shot("key-revoked")
        status, _, problem = http("GET", api + "/tenant/settings", key=raw)
        check(status == 401, f"the revoked key still works: {status} {problem}")

        # Billing: upgrade to Pro, pay on the simulator's checkout page, come back and see Pro.
        self.click_text("Billing")
        check(self.driver.current_url.endswith("/console/billing"), "not on the billing page: " + self.driver.current_url)
        check("Your plan: Free" in self.text(), "the billing page does not show the free plan: " + self.text())
        self.shot("billing-free", height=1500)
        self.click_text("Upgrade to Pro")
        check("/stripe-sim/checkout/" in self.driver.current_url, "Upgrade did not open the checkout page: " + self.driver.current_url)
        self.fill("name", "Ada Lovelace")
        self.fill("card_number", "4242 4242 4242 4242")
        self.fill("expiry", "12 / 34")
        self.fill("cvc", "123")
        self.shot("checkout")
        self.click_text("Subscribe")
        check("/console/billing?checkout=success" in self.driver.current_url, "paying did not come back: " + self.driver.current_url)
        check("Payment received." in self.text(), "no word about the payment: " + self.text())
        # The plan changes when the simulator's webhook arrives (in the background).
        deadline = time.monotonic() + 90
        while "Your plan: Pro" not in self.text():
            check(time.monotonic() < deadline, "the plan never became Pro on the billing page: " + self.text())
            time.sleep(1)
            self.open("/console/billing")
        check(self.driver.find_element(By.CSS_SELECTOR, "[data-plan]").get_attribute("data-plan") == "pro", "data-plan is not pro")
        check("Manage billing" in self.text(), "no Manage billing once paying")
        self.shot("billing-pro", height=1500)

        # Readable on a phone.
        self.driver.set_window_size(390, 844)
        self.open("/console/keys")
        self.step += 1
        self.driver.save_screenshot(os.path.join(SHOTS, f"{self.step:02d}-keys-phone.png"))
        print(f"[browser] step {self.step}: keys-phone", flush=True)

    def quit(self):
        self.driver.quit()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "debug", "gatehouse"))
    parser.add_argument("--readme-images", action="store_true", help="also write docs/console-keys.png and docs/console-key-detail.png")
    args = parser.parse_args()
    os.makedirs(SHOTS, exist_ok=True)
    server = Server(args.binary)
    walk = None
    try:
        walk = Walk(server, args.readme_images)
        walk.run()
    except Failure as failure:
        if walk:
            walk.driver.save_screenshot(os.path.join(SHOTS, "failure.png"))
        print(f"[browser] FAILED: {failure} (screenshot .build/console-screenshots/failure.png)", file=sys.stderr)
        return 1
    finally:
        if walk:
            walk.quit()
        server.stop()
    print("[browser] the console walk-through passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
