"""Junction's OAuth 2.1 authorization server, driven by real clients.

The full flow runs through the official Python SDK's `OAuthClientProvider` (mcp 2.x):
discovery from the 401, RFC 9728/8414 metadata, dynamic registration or a Client ID
Metadata Document, PKCE, consent by a signed-in person, the token exchange, then
tools/list and execute through /mcp with the issued token. The abuse tests speak
plain HTTP to the same endpoints and check each refusal's OAuth error code.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import json
import re
import secrets
import sqlite3
import time
import urllib.parse
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.auth import oauth2 as sdk_oauth2
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

from helpers import tool_payload
from stack import DocServer, Stack

PASSWORD = "correct horse battery staple"


# --------------------------------------------------------------------------- #
# helpers
# --------------------------------------------------------------------------- #

def make_person(stack: Stack, email: str) -> str:
    """Creates a built-in account through the admin API (idempotent)."""
    with stack.api() as api:
        r = api.post("/api/v1/admin/users", json={"email": email, "password": PASSWORD})
        assert r.status_code in (201, 409), r.text
    return email


def sign_in(stack: Stack, email: str) -> httpx.Client:
    """A browser-like client signed in through the /login form."""
    browser = httpx.Client(base_url=stack.base_url, timeout=30, follow_redirects=False)
    r = browser.post("/login", data={"email": email, "password": PASSWORD, "next": "/"})
    assert r.status_code == 303, f"login: HTTP {r.status_code}: {r.text[:300]}"
    assert "junction_session" in browser.cookies, "no session cookie after sign-in"
    set_cookie = r.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie, set_cookie
    return browser


def hidden_fields(page: str) -> dict[str, str]:
    return {html.unescape(m.group(1)): html.unescape(m.group(2))
            for m in re.finditer(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page)}


def approve(browser: httpx.Client, authorize_url: str) -> httpx.Response:
    """GETs the authorization URL (no redirects followed); approves the consent screen if shown.
    Returns the final redirect to the client."""
    r = browser.get(authorize_url)
    if r.status_code == 200:
        assert "Allow access?" in r.text, r.text[:500]
        fields = hidden_fields(r.text)
        fields["decision"] = "approve"
        r = browser.post("/oauth/authorize", data=fields)
    assert r.status_code == 303, f"authorize: HTTP {r.status_code}: {r.text[:500]}"
    return r


def query_of(location: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


class MemoryStorage:
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def register(stack: Stack, redirect_uris: list[str], name: str = "abuse test client") -> dict[str, Any]:
    r = httpx.post(f"{stack.base_url}/oauth/register", json={
        "client_name": name, "redirect_uris": redirect_uris, "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"], "token_endpoint_auth_method": "none"}, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()


def authorize_url(stack: Stack, client_id: str, redirect_uri: str, challenge: str, **extra: str) -> str:
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
              "code_challenge": challenge, "code_challenge_method": "S256", "state": "st-" + secrets.token_hex(4),
              "resource": stack.mcp_url, "scope": "mcp", **extra}
    return "/oauth/authorize?" + urllib.parse.urlencode(params)


def get_code(stack: Stack, browser: httpx.Client, client_id: str, redirect_uri: str, challenge: str) -> str:
    r = approve(browser, authorize_url(stack, client_id, redirect_uri, challenge))
    q = query_of(r.headers["location"])
    assert "code" in q, r.headers["location"]
    return q["code"]


def token_request(stack: Stack, **form: str) -> httpx.Response:
    return httpx.post(f"{stack.base_url}/oauth/token", data=form, timeout=30)


def issue(stack: Stack, browser: httpx.Client, client_id: str, redirect_uri: str) -> dict[str, Any]:
    verifier, challenge = pkce()
    code = get_code(stack, browser, client_id, redirect_uri, challenge)
    r = token_request(stack, grant_type="authorization_code", code=code, redirect_uri=redirect_uri,
                      client_id=client_id, code_verifier=verifier, resource=stack.mcp_url)
    assert r.status_code == 200, r.text
    return r.json()


def mcp_status(stack: Stack, token: str) -> int:
    r = httpx.post(stack.mcp_url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json, text/event-stream",
                                           "Content-Type": "application/json", "MCP-Protocol-Version": "2025-11-25"},
                   json={"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                       "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}},
                   timeout=30)
    return r.status_code


def refused_on_mcp(stack: Stack, token: str) -> bool:
    """True when /mcp refuses `token` with 401 at once (although its lookup is cached) and keeps refusing."""
    return mcp_status(stack, token) == 401 and mcp_status(stack, token) == 401


def db(stack: Stack) -> sqlite3.Connection:
    return sqlite3.connect(stack.data_dir / "junction.sqlite", timeout=10)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@pytest.fixture(scope="module")
def person(stack: Stack) -> str:
    return make_person(stack, "oauth-person@example.com")


# --------------------------------------------------------------------------- #
# metadata and the 401 challenge
# --------------------------------------------------------------------------- #

def test_metadata_documents_and_401_challenge(stack: Stack) -> None:
    for path in ("/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"):
        prm = httpx.get(stack.base_url + path, timeout=30).json()
        assert prm["resource"] == stack.mcp_url
        assert prm["authorization_servers"] == [stack.base_url]
    for path in ("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"):
        asm = httpx.get(stack.base_url + path, timeout=30).json()
        assert asm["issuer"] == stack.base_url
        assert asm["code_challenge_methods_supported"] == ["S256"]
        assert asm["client_id_metadata_document_supported"] is True
        assert asm["authorization_response_iss_parameter_supported"] is True
        assert asm["registration_endpoint"] == stack.base_url + "/oauth/register"
    r = httpx.post(stack.mcp_url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, timeout=30)
    assert r.status_code == 401
    challenge = r.headers["www-authenticate"]
    assert f'resource_metadata="{stack.base_url}/.well-known/oauth-protected-resource/mcp"' in challenge, challenge
    assert 'scope="mcp"' in challenge, challenge


# --------------------------------------------------------------------------- #
# the full flow with the SDK's OAuthClientProvider
# --------------------------------------------------------------------------- #

async def sdk_flow(stack: Stack, browser: httpx.Client, client_metadata_url: str | None) -> MemoryStorage:
    storage = MemoryStorage()
    captured: dict[str, str] = {}

    async def redirect_handler(url: str) -> None:
        parsed = urllib.parse.urlsplit(url)
        assert f"{parsed.scheme}://{parsed.netloc}" == stack.base_url
        r = approve(browser, parsed.path + "?" + parsed.query)
        captured.update(query_of(r.headers["location"]))

    async def callback_handler() -> AuthorizationCodeResult:
        assert "code" in captured, captured
        return AuthorizationCodeResult(code=captured["code"], state=captured.get("state"), iss=captured.get("iss"))

    metadata = OAuthClientMetadata(client_name="SDK e2e client", redirect_uris=["http://127.0.0.1:33418/callback"],
                                   grant_types=["authorization_code", "refresh_token"], response_types=["code"],
                                   token_endpoint_auth_method="none", scope="mcp")
    provider = OAuthClientProvider(server_url=stack.mcp_url, client_metadata=metadata, storage=storage,
                                   redirect_handler=redirect_handler, callback_handler=callback_handler,
                                   client_metadata_url=client_metadata_url)
    async with httpx2.AsyncClient(auth=provider, timeout=httpx2.Timeout(30, read=120)) as http:
        async with Client(streamable_http_client(stack.mcp_url, http_client=http), mode="legacy", read_timeout_seconds=120) as client:
            tools = await client.list_tools()
            assert sorted(t.name for t in tools.tools) == ["execute", "search"]
            result = await client.call_tool("execute", {"code": "async () => 6 * 7"})
            assert not result.is_error, result
            assert tool_payload(result)["result"] == 42
    assert storage.tokens is not None and storage.tokens.access_token.startswith("jat_")
    assert "code" in captured and captured.get("iss") == stack.base_url
    return storage


@pytest.mark.anyio
async def test_sdk_flow_with_dynamic_registration(stack: Stack, person: str) -> None:
    with contextlib.closing(sign_in(stack, person)) as browser:
        storage = await sdk_flow(stack, browser, client_metadata_url=None)
    assert storage.client_info is not None and storage.client_info.client_id.startswith("jcl_")
    # RFC 7592: the registration can be read back with its registration access token.
    info = register(stack, ["http://127.0.0.1/cb"], name="read-back client")
    assert info["registration_client_uri"] == f"{stack.base_url}/oauth/register/{info['client_id']}"
    r = httpx.get(info["registration_client_uri"], headers={"Authorization": f"Bearer {info['registration_access_token']}"}, timeout=30)
    assert r.status_code == 200 and r.json()["client_id"] == info["client_id"], r.text
    r = httpx.get(info["registration_client_uri"], headers={"Authorization": "Bearer wrong"}, timeout=30)
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"
    # The stored tokens are hashes: the plaintext is nowhere in the database.
    with db(stack) as conn:
        rows = conn.execute("SELECT tokenHash FROM oauth_tokens").fetchall()
    assert (token_hash(storage.tokens.access_token),) in rows
    assert all(storage.tokens.access_token not in r[0] for r in rows)


@pytest.mark.anyio
async def test_sdk_flow_with_client_metadata_document(stack: Stack, person: str, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = DocServer()
    try:
        url = docs.url("/oauth/client.json")
        docs.docs["/oauth/client.json"] = json.dumps({
            "client_id": url, "client_name": "CIMD e2e client", "redirect_uris": ["http://127.0.0.1:33418/callback"],
            "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
            "token_endpoint_auth_method": "none"}).encode()
        # The SDK insists on https client ids; tests have only a loopback http document server
        # (Junction accepts it because the test stack sets JUNCTION_ALLOW_LOOPBACK_HTTP=1).
        original = sdk_oauth2.is_valid_client_metadata_url
        monkeypatch.setattr(sdk_oauth2, "is_valid_client_metadata_url",
                            lambda u: original(u) or (u or "").startswith("http://127.0.0.1:"))
        with contextlib.closing(sign_in(stack, person)) as browser:
            storage = await sdk_flow(stack, browser, client_metadata_url=url)
        assert storage.client_info is not None and storage.client_info.client_id == url
    finally:
        docs.close()


# --------------------------------------------------------------------------- #
# redirect URIs
# --------------------------------------------------------------------------- #

def test_loopback_redirect_uri_matches_any_port_and_consent_is_remembered(stack: Stack, person: str) -> None:
    client = register(stack, ["http://127.0.0.1/cb", "http://localhost/cb"])
    _, challenge = pkce()
    with contextlib.closing(sign_in(stack, person)) as browser:
        for uri in ("http://127.0.0.1:54321/cb", "http://localhost:4711/cb"):
            r = approve(browser, authorize_url(stack, client["client_id"], uri, challenge))
            assert r.headers["location"].startswith(uri + "?"), r.headers["location"]
        # Consent was remembered: the next request redirects at once...
        r = browser.get(authorize_url(stack, client["client_id"], "http://127.0.0.1:1234/cb", challenge))
        assert r.status_code == 303 and "code=" in r.headers["location"]
        # ...unless prompt=consent forces the screen.
        r = browser.get(authorize_url(stack, client["client_id"], "http://127.0.0.1:1234/cb", challenge, prompt="consent"))
        assert r.status_code == 200 and "Allow access?" in r.text and "CIMD" not in r.text
        # A different path is not the registered URI.
        r = browser.get(authorize_url(stack, client["client_id"], "http://127.0.0.1:1234/other", challenge))
        assert r.status_code == 400 and "location" not in r.headers


def test_open_redirect_attempt_is_refused_on_a_page(stack: Stack, person: str) -> None:
    client = register(stack, ["https://app.example.com/callback"])
    _, challenge = pkce()
    with contextlib.closing(sign_in(stack, person)) as browser:
        for evil in ("https://evil.example/callback", "https://app.example.com.evil.example/callback",
                     "https://app.example.com/callback/../../evil", "javascript:alert(1)"):
            r = browser.get(authorize_url(stack, client["client_id"], evil, challenge))
            assert r.status_code == 400, (evil, r.status_code)
            assert "location" not in r.headers, evil
            assert "not registered" in r.text
    # Registration refuses unsafe redirect URIs outright.
    for bad in (["http://app.example.com/cb"], ["javascript:alert(1)"], ["https://a.example/cb#frag"], []):
        r = httpx.post(f"{stack.base_url}/oauth/register", json={"redirect_uris": bad}, timeout=30)
        assert r.status_code == 400 and r.json()["error"] == "invalid_redirect_uri", (bad, r.text)


def test_unknown_client_and_denied_consent(stack: Stack, person: str) -> None:
    _, challenge = pkce()
    with contextlib.closing(sign_in(stack, person)) as browser:
        r = browser.get(authorize_url(stack, "jcl_nope", "https://app.example.com/callback", challenge))
        assert r.status_code == 400 and "location" not in r.headers and "invalid_client" in r.text
        client = register(stack, ["https://deny.example/cb"])
        r = browser.get(authorize_url(stack, client["client_id"], "https://deny.example/cb", challenge))
        fields = hidden_fields(r.text)
        fields["decision"] = "deny"
        r = browser.post("/oauth/authorize", data=fields)
        q = query_of(r.headers["location"])
        assert q["error"] == "access_denied" and q["iss"] == stack.base_url and q["state"] == fields["state"]
        # Without the session's CSRF token the consent POST is refused.
        fields["decision"] = "approve"
        fields["csrf"] = "forged"
        r = browser.post("/oauth/authorize", data=fields)
        assert r.status_code == 403
    # A consent or login form posted from another site is refused (browsers send Origin).
    r = httpx.post(f"{stack.base_url}/login", data={"email": person, "password": PASSWORD}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    # Not signed in: sent to the login page with the request as `next`.
    r = httpx.get(stack.base_url + authorize_url(stack, client["client_id"], "https://deny.example/cb", challenge), timeout=30)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=%2Foauth%2Fauthorize")


def test_private_address_client_metadata_url_is_refused(stack: Stack, person: str) -> None:
    _, challenge = pkce()
    with contextlib.closing(sign_in(stack, person)) as browser:
        for client_id in ("https://10.1.2.3/oauth/client.json", "https://169.254.169.254/latest/meta-data/client.json",
                          "https://192.168.0.1/client.json"):
            r = browser.get(authorize_url(stack, client_id, "https://app.example.com/cb", challenge))
            assert r.status_code == 400, (client_id, r.status_code)
            assert "location" not in r.headers
            assert "invalid_client" in r.text and "address" in r.text, r.text[:400]


def test_client_metadata_document_must_name_itself(stack: Stack, person: str) -> None:
    docs = DocServer()
    try:
        url = docs.url("/bad.json")
        docs.docs["/bad.json"] = json.dumps({"client_id": "https://other.example/client.json",
                                             "redirect_uris": ["https://app.example.com/cb"]}).encode()
        _, challenge = pkce()
        with contextlib.closing(sign_in(stack, person)) as browser:
            r = browser.get(authorize_url(stack, url, "https://app.example.com/cb", challenge))
        assert r.status_code == 400 and "client_id in the metadata document must equal its URL" in r.text
    finally:
        docs.close()


# --------------------------------------------------------------------------- #
# codes and tokens
# --------------------------------------------------------------------------- #

REDIRECT = "https://abuse.example/cb"


@pytest.fixture(scope="module")
def abuse_client(stack: Stack) -> str:
    return register(stack, [REDIRECT])["client_id"]


def test_pkce_verifier_mismatch_and_missing_challenge(stack: Stack, person: str, abuse_client: str) -> None:
    _, challenge = pkce()
    other_verifier, _ = pkce()
    with contextlib.closing(sign_in(stack, person)) as browser:
        code = get_code(stack, browser, abuse_client, REDIRECT, challenge)
        r = token_request(stack, grant_type="authorization_code", code=code, redirect_uri=REDIRECT,
                          client_id=abuse_client, code_verifier=other_verifier)
        assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text
        # PKCE is mandatory, and only S256.
        params = {"response_type": "code", "client_id": abuse_client, "redirect_uri": REDIRECT, "state": "s"}
        r = browser.get("/oauth/authorize?" + urllib.parse.urlencode(params))
        assert r.status_code == 303 and query_of(r.headers["location"])["error"] == "invalid_request"
        r = browser.get("/oauth/authorize?" + urllib.parse.urlencode({**params, "code_challenge": challenge, "code_challenge_method": "plain"}))
        assert query_of(r.headers["location"])["error"] == "invalid_request"


def test_code_replay_revokes_the_tokens_issued_from_it(stack: Stack, person: str, abuse_client: str) -> None:
    verifier, challenge = pkce()
    with contextlib.closing(sign_in(stack, person)) as browser:
        code = get_code(stack, browser, abuse_client, REDIRECT, challenge)
    form = dict(grant_type="authorization_code", code=code, redirect_uri=REDIRECT, client_id=abuse_client, code_verifier=verifier)
    first = token_request(stack, **form)
    assert first.status_code == 200, first.text
    access = first.json()["access_token"]
    assert mcp_status(stack, access) == 200
    again = token_request(stack, **form)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant", again.text
    assert refused_on_mcp(stack, access), "tokens from a replayed code must be revoked"
    refresh = token_request(stack, grant_type="refresh_token", refresh_token=first.json()["refresh_token"], client_id=abuse_client)
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant"


def test_code_is_short_lived(stack: Stack, person: str, abuse_client: str) -> None:
    verifier, challenge = pkce()
    with contextlib.closing(sign_in(stack, person)) as browser:
        code = get_code(stack, browser, abuse_client, REDIRECT, challenge)
    with db(stack) as conn:
        (expires,) = conn.execute("SELECT expiresAt FROM oauth_codes WHERE codeHash = ?", (token_hash(code),)).fetchone()
        conn.execute("UPDATE oauth_codes SET expiresAt = '2000-01-01 00:00:00.000' WHERE codeHash = ?", (token_hash(code),))
    r = token_request(stack, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, client_id=abuse_client, code_verifier=verifier)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant" and "expired" in r.json()["error_description"]


def test_refresh_rotation_and_reuse_revokes_the_family(stack: Stack, person: str, abuse_client: str) -> None:
    with contextlib.closing(sign_in(stack, person)) as browser:
        tokens = issue(stack, browser, abuse_client, REDIRECT)
    r1 = token_request(stack, grant_type="refresh_token", refresh_token=tokens["refresh_token"], client_id=abuse_client)
    assert r1.status_code == 200, r1.text
    rotated = r1.json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert mcp_status(stack, rotated["access_token"]) == 200
    assert refused_on_mcp(stack, tokens["access_token"]), \
        "the access token of a rotated grant retires"
    reuse = token_request(stack, grant_type="refresh_token", refresh_token=tokens["refresh_token"], client_id=abuse_client)
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    assert refused_on_mcp(stack, rotated["access_token"]), \
        "reuse must revoke the whole family"
    r2 = token_request(stack, grant_type="refresh_token", refresh_token=rotated["refresh_token"], client_id=abuse_client)
    assert r2.status_code == 400 and r2.json()["error"] == "invalid_grant"


def test_revocation(stack: Stack, person: str, abuse_client: str) -> None:
    with contextlib.closing(sign_in(stack, person)) as browser:
        tokens = issue(stack, browser, abuse_client, REDIRECT)
    assert mcp_status(stack, tokens["access_token"]) == 200
    # Scope `mcp` is for /mcp only: the management API (which could mint personal tokens) refuses it.
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert httpx.get(f"{stack.base_url}/api/v1/me", headers=bearer, timeout=30).status_code == 401
    assert httpx.post(f"{stack.base_url}/api/v1/tokens", headers=bearer, json={"name": "x"}, timeout=30).status_code == 401
    r = httpx.post(f"{stack.base_url}/oauth/revoke", data={"token": tokens["access_token"], "client_id": abuse_client}, timeout=30)
    assert r.status_code == 200
    assert refused_on_mcp(stack, tokens["access_token"])
    # Revoking the refresh token ends the grant.
    r = httpx.post(f"{stack.base_url}/oauth/revoke", data={"token": tokens["refresh_token"], "client_id": abuse_client}, timeout=30)
    assert r.status_code == 200
    r = token_request(stack, grant_type="refresh_token", refresh_token=tokens["refresh_token"], client_id=abuse_client)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    # Unknown tokens are answered 200 (RFC 7009 §2.2); a missing token is invalid_request.
    assert httpx.post(f"{stack.base_url}/oauth/revoke", data={"token": "nope", "client_id": abuse_client}, timeout=30).status_code == 200
    r = httpx.post(f"{stack.base_url}/oauth/revoke", data={"client_id": abuse_client}, timeout=30)
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    r = token_request(stack, grant_type="password", client_id=abuse_client)
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"


def test_expired_and_wrong_audience_tokens_are_refused(stack: Stack, person: str, abuse_client: str) -> None:
    with contextlib.closing(sign_in(stack, person)) as browser:
        expired = issue(stack, browser, abuse_client, REDIRECT)
        foreign = issue(stack, browser, abuse_client, REDIRECT)
        # A token for another resource is not even issued...
        _, challenge = pkce()
        r = browser.get(authorize_url(stack, abuse_client, REDIRECT, challenge) .replace(
            urllib.parse.quote(stack.mcp_url, safe=""), urllib.parse.quote("https://other.example/mcp", safe="")))
        assert r.status_code == 303 and query_of(r.headers["location"])["error"] == "invalid_target"
    assert mcp_status(stack, expired["access_token"]) == 200 and mcp_status(stack, foreign["access_token"]) == 200
    with db(stack) as conn:
        conn.execute("UPDATE oauth_tokens SET expiresAt = '2000-01-01 00:00:00.000' WHERE tokenHash = ?", (token_hash(expired["access_token"]),))
        # ...and one whose stored audience is another resource is refused on the very next request.
        conn.execute("UPDATE oauth_tokens SET resource = 'https://other.example/mcp' WHERE tokenHash = ?", (token_hash(foreign["access_token"]),))
    assert refused_on_mcp(stack, expired["access_token"])
    r = httpx.post(stack.mcp_url, headers={"Authorization": f"Bearer {expired['access_token']}"},
                   json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, timeout=30)
    assert r.status_code == 401 and 'error="invalid_token"' in r.headers["www-authenticate"]
    assert refused_on_mcp(stack, foreign["access_token"])


def test_disabled_user_is_cut_off_at_once(stack: Stack) -> None:
    email = make_person(stack, "to-disable@example.com")
    client = register(stack, [REDIRECT])["client_id"]
    browser = sign_in(stack, email)
    tokens = issue(stack, browser, client, REDIRECT)
    personal = browser.post("/api/v1/tokens", json={"name": "laptop"},
                            headers={"X-CSRF-Token": "wrong"})
    assert personal.status_code == 403, "cookie-authenticated POST without the CSRF token must be refused"
    csrf = hidden_fields(browser.get("/logout").text)["csrf"]
    personal = browser.post("/api/v1/tokens", json={"name": "laptop"}, headers={"X-CSRF-Token": csrf})
    assert personal.status_code == 201, personal.text
    personal_token = personal.json()["token"]
    with stack.api() as api:
        users = api.get("/api/v1/admin/users").json()["users"]
        uid = next(u["id"] for u in users if u["email"] == email)
    assert mcp_status(stack, tokens["access_token"]) == 200
    assert browser.get("/api/v1/me").status_code == 200
    with stack.api() as api:
        assert api.patch(f"/api/v1/admin/users/{uid}", json={"disabled": True}).json()["disabled"] is True
    assert browser.get("/api/v1/me").status_code == 401, "the session stops at once"
    assert httpx.get(f"{stack.base_url}/api/v1/me", headers={"Authorization": f"Bearer {personal_token}"}).status_code == 401, \
        "personal tokens stop at once"
    assert refused_on_mcp(stack, tokens["access_token"])
    r = token_request(stack, grant_type="refresh_token", refresh_token=tokens["refresh_token"], client_id=client)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    r = browser.post("/login", data={"email": email, "password": PASSWORD})
    assert r.status_code == 403
    browser.close()
