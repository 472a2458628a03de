"""A customer's first hour, through a client generated from openapi.yaml by openapi-python-client.

signup → verify email (link from the mail file) → create a key → create a session with the key →
send a priced message → read the key's usage, and check every answer through the generated
models (which reject a body that breaks the contract). Run by scripts/client-check, which
generates the client package `gatehouse_client` into a temporary folder on PYTHONPATH.

Environment: GATEHOUSE_URL, GATEHOUSE_MAIL_DIR.
"""

import email
import glob
import os
import re
import secrets
import sys
import time
from email import policy

from gatehouse_client import AuthenticatedClient, Client
from gatehouse_client.api.api_keys import api_keys_create, api_keys_list, api_keys_usage
from gatehouse_client.api.auth import auth_signup, auth_verify_email
from gatehouse_client.api.messaging import messages_send, sessions_create, sessions_get
from gatehouse_client.models import (
    ApiKeyCreate, ApiKeyCreated, ApiKeyList, KeyUsage, Message, MessageSend, Scope, Session,
    SessionCreate, SignupRequest, TokenPair, User,
)
from gatehouse_client.models.verify_email_request import VerifyEmailRequest

base_url = os.environ["GATEHOUSE_URL"]
mail_dir = os.environ["GATEHOUSE_MAIL_DIR"]


def check(condition, what):
    if not condition:
        sys.exit(f"python client scenario: {what}")


def verification_token(address):
    """The token of the verification link mailed to `address` (waits for the mail worker)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for path in glob.glob(os.path.join(mail_dir, "*.eml")):
            with open(path, "rb") as handle:
                message = email.message_from_binary_file(handle, policy=policy.default)
            if address not in str(message["To"]):
                continue
            body = message.get_body(preferencelist=("plain", "html")).get_content()
            match = re.search(r"[?&]token=([A-Za-z0-9_\-]+)", body)
            if match:
                return match.group(1)
        time.sleep(0.2)
    sys.exit(f"python client scenario: no verification mail for {address} in {mail_dir}")


public = Client(base_url=base_url, raise_on_unexpected_status=True)
address = f"py-{secrets.token_hex(4)}@client.test"
pair = auth_signup.sync(client=public, body=SignupRequest(
    email=address, password="correct horse battery", full_name="Py Client", tenant_name="Py Co"))
check(isinstance(pair, TokenPair), f"signup answered {pair!r}")

owner = AuthenticatedClient(base_url=base_url, token=pair.access_token, raise_on_unexpected_status=True)
# Verified with the signed-up session's token: the account stays as it is (anonymously, the first
# verification is the address's owner claiming it from whoever signed up).
user = auth_verify_email.sync(client=owner, body=VerifyEmailRequest(token=verification_token(address)))
check(isinstance(user, User) and user.email_verified, f"verify-email answered {user!r}")
created = api_keys_create.sync(client=owner, body=ApiKeyCreate(
    name="python client", scopes=[Scope.SESSIONSMANAGE, Scope.SESSIONSREAD, Scope.MESSAGESSEND, Scope.USAGEREAD], rate_limit_rpm=100))
check(isinstance(created, ApiKeyCreated) and created.raw_key.startswith("gk_live_"), f"key create answered {created!r}")

listed = api_keys_list.sync(client=owner)
check(isinstance(listed, ApiKeyList) and [k.id for k in listed.items] == [created.id], f"key list answered {listed!r}")
check(listed.next_cursor is None, "a one-page list ends with next_cursor null")

key = AuthenticatedClient(base_url=base_url, token=created.raw_key, prefix="", auth_header_name="X-API-Key",
                          raise_on_unexpected_status=True)
session = sessions_create.sync(client=key, body=SessionCreate(name="py-session", phone_number="+15550001111"))
check(isinstance(session, Session) and session.state.value == "ready", f"session create answered {session!r}")

message = messages_send.sync(client=key, body=MessageSend(session_id=session.id, to="+15550002222", text="hello from python"))
check(isinstance(message, Message) and message.cost == "0.010000", f"send answered {message!r}")
check(sessions_get.sync(session.id, client=key).messages_sent == 1, "the session counts the message")

# The usage log is written off the request path: wait for the three calls made with the key.
deadline = time.monotonic() + 30
usage = None
while time.monotonic() < deadline:
    usage = api_keys_usage.sync(created.id, client=owner)
    check(isinstance(usage, KeyUsage), f"usage answered {usage!r}")
    if usage.total_calls >= 3:
        break
    time.sleep(0.2)
check(usage.total_calls == 3, f"three calls with the key, usage says {usage.total_calls}")
check(usage.total_cost == "0.010000", f"one priced message, usage cost {usage.total_cost}")
print("python client scenario: ok")
