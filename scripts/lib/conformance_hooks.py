"""Schemathesis hooks for scripts/conformance: each operation gets the credential its `x-auth` asks for.

The fixture tenant is made once, on first use, through the API itself: an owner who signs up
(JWT) and an API key holding every scope with no rate or spend cap. `x-auth: user` operations
get the owner's access token; `principal` ones alternate between the token and the key (both
paths matter); `master` ones get the master key made by `gatehouse admin create-master-key`.
Logging out (even `scope: global`) must not end the fixture's sessions, so `POST /auth/logout`
gets a fresh session of a second account each time.
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import threading
import urllib.request

import schemathesis


def _serialize_ast_conversions() -> None:
    """CPython before 3.13 keeps the AST converter's recursion depth in interpreter-wide
    state (gh-106905), so two schemathesis workers describing a Hypothesis lambda at once
    fail with `SystemError: AST constructor recursion depth mismatch`. Serialize the two
    entry points that convert ASTs; the fuzzer spends almost no time in them."""
    import ast
    import builtins
    import sys

    if sys.version_info >= (3, 13):
        return
    lock = threading.RLock()
    original_parse, original_compile = ast.parse, builtins.compile

    def parse(*args, **kwargs):
        with lock:
            return original_parse(*args, **kwargs)

    def compile_(*args, **kwargs):
        with lock:
            return original_compile(*args, **kwargs)

    ast.parse = parse
    builtins.compile = compile_


_serialize_ast_conversions()

BASE_URL = os.environ["CONFORMANCE_BASE_URL"]
MASTER_KEY = os.environ["CONFORMANCE_MASTER_KEY"]
ALL_SCOPES = [
    "account:manage", "settings:read", "settings:manage", "usage:read", "usage:write",
    "billing:read", "billing:manage", "sessions:read", "sessions:manage", "messages:send",
    "keys:verify",
]


def _call(method: str, path: str, body: dict | None = None, headers: dict | None = None) -> dict:
    request = urllib.request.Request(
        BASE_URL + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
    return json.loads(text) if text else {}


class _Fixture:
    """The owner, their password, their access token and an all-scope key; made once."""

    _lock = threading.Lock()
    _made: "_Fixture | None" = None

    def __init__(self) -> None:
        self.email = f"owner-{secrets.token_hex(6)}@conformance.test"
        self.password = "conformance-" + secrets.token_hex(8)
        pair = _call("POST", "/api/v2/auth/signup", {
            "email": self.email, "password": self.password,
            "full_name": "Conformance Owner", "tenant_name": "Conformance",
        })
        self.access_token = pair["access_token"]
        key = _call("POST", "/api/v2/api-keys", {
            "name": "conformance", "scopes": ALL_SCOPES,
            "rate_limit_rpm": 0,
        }, {"Authorization": f"Bearer {self.access_token}"})
        self.api_key = key["raw_key"]
        self.logout_email = f"logout-{secrets.token_hex(6)}@conformance.test"
        _call("POST", "/api/v2/auth/signup", {
            "email": self.logout_email, "password": self.password,
            "full_name": "Conformance Logout", "tenant_name": "Conformance Logout",
        })

    @classmethod
    def get(cls) -> "_Fixture":
        with cls._lock:
            if cls._made is None:
                cls._made = _Fixture()
            return cls._made

    def fresh_logout_session_token(self) -> str:
        pair = _call("POST", "/api/v2/auth/login", {"email": self.logout_email, "password": self.password})
        return pair["access_token"]


_principal_turn = itertools.count()


def _x_auth(operation) -> str:
    return operation.definition.raw.get("x-auth", "master")


@schemathesis.auth(refresh_interval=None)
class GatehouseAuth:
    def get(self, case, context):
        fixture = _Fixture.get()
        kind = _x_auth(context.operation)
        if kind == "none":
            return {}
        if kind == "master":
            return {"X-API-Key": MASTER_KEY}
        if context.operation.definition.raw.get("operationId") == "authLogout":
            return {"Authorization": f"Bearer {fixture.fresh_logout_session_token()}"}
        if kind == "user" or next(_principal_turn) % 2 == 0:
            return {"Authorization": f"Bearer {fixture.access_token}"}
        return {"X-API-Key": fixture.api_key}

    def set(self, case, data, context):
        if case.headers is None:
            case.headers = {}
        case.headers.update(data)
