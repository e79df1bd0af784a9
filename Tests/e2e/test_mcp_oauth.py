"""OAuth-protected MCP sources end to end, against FastMCP's InMemoryOAuthProvider.

Junction discovers the authorization server from the 401 (RFC 9728 then RFC 8414),
registers itself dynamically (RFC 7591; FastMCP does not offer Client ID Metadata
Documents), sends the user to /authorize with PKCE S256, `resource` and `state`, and
finishes at /upstream-oauth/callback. The provider approves at once, so the test reads
the code from the `Location` of /authorize and opens Junction's callback itself, as the
browser would — as the account that started the flow (these flows start with the owner's
API token, so the callback carries it; an anonymous callback is refused). Then: the catalog is listed with the token, `execute` calls tools, tokens
are refreshed on a 401 (once, even with concurrent calls: refresh tokens rotate) and by
the refresher ahead of expiry, and a refused refresh leaves the source needing sign-in.
"""

import asyncio
import json
import time
import urllib.parse
from pathlib import Path

import httpx
import pytest

from helpers import mcp_client, metric_value, scrape_metrics, wait_source
from stack import Stack, free_port, venv_exe

pytestmark = pytest.mark.anyio

SERVER = str(Path(__file__).parent / "mcp_oauth_server.py")


@pytest.fixture(scope="module")
def ostack(tmp_path_factory: pytest.TempPathFactory):
    with Stack(workdir=tmp_path_factory.mktemp("junction-oauth"), with_httpbin=False, execute_timeout_ms=20000, metrics=True,
               extra_env={"JUNCTION_UPSTREAM_TIMEOUT_MS": "5000", "JUNCTION_REFRESH_TICK_MS": "500",
                          "JUNCTION_OAUTH_REFRESH_LEAD_MS": "4000", "JUNCTION_REFRESH_INTERVAL_MS": "5000"}) as s:
        yield s


@pytest.fixture(scope="module")
def oapi(ostack: Stack):
    with ostack.api() as client:
        yield client


def oauth_server(stack: Stack, name: str, token_seconds: int = 3600) -> str:
    port = free_port()
    stack.start_upstream(name, [venv_exe("fastmcp", "python"), SERVER, "--port", str(port),
                                "--token-seconds", str(token_seconds)], port)
    return f"http://127.0.0.1:{port}"


def stats(base: str) -> dict:
    return httpx.get(base + "/test/stats", timeout=10).json()


def register(api: httpx.Client, slug: str, url: str) -> dict:
    r = api.post("/api/v1/sources", json={"slug": slug, "type": "mcp", "name": slug, "baseUrl": url, "auth": {"type": "oauth"}})
    assert r.status_code == 201, r.text
    src = r.json()
    assert src["auth"]["type"] == "oauth" and src["auth"]["hasSecret"] is False, src
    assert src["status"] == "needs_sign_in", src
    return src


def start(api: httpx.Client, slug: str, body: dict | None = None) -> str:
    r = api.post(f"/api/v1/sources/{slug}/oauth/start", json=body) if body is not None else api.post(f"/api/v1/sources/{slug}/oauth/start")
    assert r.status_code == 200, r.text
    return r.json()["authorizationUrl"]


def authorize(authorization_url: str) -> str:
    """What the browser does at the upstream: the provider approves at once and redirects
    to Junction's callback; return that callback URL (not followed)."""
    r = httpx.get(authorization_url, follow_redirects=False, timeout=10)
    assert r.status_code in (302, 303, 307), f"{r.status_code}: {r.text}"
    return r.headers["location"]


def query(url: str) -> dict:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def owner(stack: Stack) -> dict:
    """What identifies the account that started a flow with its API token."""
    return {"Authorization": f"Bearer {stack.token}"}


def sign_in(stack: Stack, api: httpx.Client, slug: str) -> httpx.Response:
    callback = authorize(start(api, slug))
    assert callback.startswith(stack.base_url + "/upstream-oauth/callback?"), callback
    return httpx.get(callback, headers=owner(stack), timeout=30)


def wait_entries(api: httpx.Client, slug: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        src = api.get(f"/api/v1/sources/{slug}").json()
        if src["status"] == "ready" and src["entryCount"] > 0:
            return src
        if src["status"] in ("error", "needs_sign_in"):
            raise AssertionError(f"source {slug}: {src}")
        time.sleep(0.25)
    raise AssertionError(f"source {slug} has no catalog after {timeout} s: {api.get(f'/api/v1/sources/{slug}').json()}")


async def execute(stack: Stack, code: str) -> tuple[bool, dict]:
    async with mcp_client(stack) as client:
        result = await client.call_tool("execute", {"code": code})
        payload = result.structured_content or json.loads(result.content[0].text)
        return (not result.is_error), payload


async def test_oauth_source_full_flow_refresh_on_401_and_needs_sign_in(ostack: Stack, oapi) -> None:
    base = oauth_server(ostack, "oauth-upstream")
    src = register(oapi, "oa", base + "/mcp")
    # Before sign-in the source says what to do.
    assert "needs sign-in" in src["lastError"] and "/api/v1/sources/oa/oauth/start" in src["lastError"], src

    # start: the authorization URL carries PKCE S256, resource, state and Junction's redirect URI.
    url = start(oapi, "oa")
    q = query(url)
    assert url.startswith(base + "/authorize?"), url
    assert q["response_type"] == "code" and q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43, q
    assert q["resource"] == base + "/mcp", q
    assert q["redirect_uri"] == ostack.base_url + "/upstream-oauth/callback", q
    assert len(q["state"]) >= 43 and "prompt" not in q, q
    assert stats(base)["registrations"] == 1, "registered by RFC 7591"

    callback = authorize(url)
    page = httpx.get(callback, headers=owner(ostack), timeout=30)
    assert page.status_code == 200, page.text
    assert "Signed in" in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp, csp
    assert '<script src="/upstream-oauth/callback.js"' in page.text and "<script>" not in page.text
    assert page.headers.get("referrer-policy") == "no-referrer"
    js = httpx.get(ostack.base_url + "/upstream-oauth/callback.js")
    assert js.status_code == 200 and "postMessage(message, window.location.origin)" in js.text and 'location.replace("/sources")' in js.text

    # The same state again is refused (single use), and nothing is lost.
    replay = httpx.get(callback, headers=owner(ostack), timeout=30)
    assert replay.status_code == 400 and "already used" in replay.text, replay.text

    # The catalog is listed with the token; execute calls tools through the pipeline.
    src = wait_entries(oapi, "oa")
    assert src["entryCount"] == 2 and src["lastError"] is None, src
    ok, payload = await execute(ostack, "async () => ({sum: await codemode.oa_add({a: 40, b: 2}), me: await codemode.oa_whoami({})})")
    assert ok, payload
    assert payload["result"]["sum"] in (42, {"result": 42}), payload
    assert payload["result"]["me"]["clientId"], payload
    assert stats(base)["refreshes"] == 0

    # The provider forgets the access token: the next calls get 401, Junction refreshes
    # once under its lock (the refresh token rotates, a second use would be refused) and
    # every concurrent call succeeds.
    httpx.post(base + "/test/expire-access")
    # The refresher re-lists at the same time (another process, same 401, same lock).
    assert oapi.post("/api/v1/sources/oa/refresh").status_code == 202
    ok, payload = await execute(ostack, """async () => {
        const r = await Promise.all([1, 2, 3, 4, 5].map(i => codemode.oa_add({a: i, b: 100})));
        return r.map(x => x.result ?? x); }""")
    assert ok, payload
    assert payload["result"] == [101, 102, 103, 104, 105], payload
    assert stats(base)["refreshes"] == 1, stats(base)
    ok, payload = await execute(ostack, "async () => await codemode.oa_add({a: 1, b: 1})")
    assert ok and payload["result"] in (2, {"result": 2}), payload
    assert stats(base)["refreshes"] == 1
    # One refresh in all, by the worker or the refresher (junction_upstream_token_refreshes_total).
    def token_refreshes(outcome: str) -> float:
        return sum(metric_value(scrape_metrics(ostack, p), "junction_upstream_token_refreshes_total", outcome=outcome)
                   for p in ("worker", "refresher"))
    assert token_refreshes("ok") == 1
    worker = scrape_metrics(ostack, "worker")
    assert metric_value(worker, "junction_upstream_calls_total", source_type="mcp", outcome="ok") >= 8

    # The refresh token is revoked: the source needs sign-in, and execute says so clearly.
    httpx.post(base + "/test/revoke-refresh")
    ok, payload = await execute(ostack, """async () => {
        try { await codemode.oa_add({a: 1, b: 1}); return "no error"; } catch (e) { return e.message; } }""")
    assert ok, payload
    message = payload["result"]
    assert "needs sign-in again" in message and "/api/v1/sources/oa/oauth/start" in message, message
    src = oapi.get("/api/v1/sources/oa").json()
    assert src["status"] == "needs_sign_in" and "needs sign-in again" in (src["lastError"] or ""), src
    assert src["entryCount"] == 2, "the catalog is kept"
    assert token_refreshes("refused") >= 1, "the refused refresh is counted"

    # Re-authorisation with forced consent works again, without registering again.
    url = start(oapi, "oa", {"forceConsent": True})
    assert query(url).get("prompt") == "consent", url
    page = httpx.get(authorize(url), headers=owner(ostack), timeout=30)
    assert page.status_code == 200, page.text
    assert stats(base)["registrations"] == 1
    deadline = time.monotonic() + 30
    while oapi.get("/api/v1/sources/oa").json()["status"] != "ready" and time.monotonic() < deadline:
        time.sleep(0.2)
    ok, payload = await execute(ostack, "async () => await codemode.oa_add({a: 20, b: 3})")
    assert ok and payload["result"] in (23, {"result": 23}), payload


async def test_callback_refuses_other_user_wrong_iss_and_denied_consent(ostack: Stack, oapi) -> None:
    base = oauth_server(ostack, "oauth-upstream-2")
    register(oapi, "ob", base + "/mcp")

    # A state started by this user, opened by another signed-in user: refused, not used up.
    other = ostack.admin_token(email="someone-else@example.com")
    callback = authorize(start(oapi, "ob"))
    r = httpx.get(callback, headers={"Authorization": f"Bearer {other}"}, timeout=30)
    assert r.status_code == 403 and "another account" in r.text, r.text
    assert oapi.get("/api/v1/sources/ob").json()["status"] == "needs_sign_in"
    # Another user cannot even start a sign-in for this user's source.
    with ostack.api(other) as other_api:
        assert other_api.post("/api/v1/sources/ob/oauth/start").status_code == 404
    # The rightful user (identified by their token) can still finish it.
    r = httpx.get(callback, headers={"Authorization": f"Bearer {ostack.token}"}, timeout=30)
    assert r.status_code == 200, r.text
    wait_entries(oapi, "ob")

    # A wrong `iss` (RFC 9207 mix-up defence) is refused and changes nothing.
    before = stats(base)["codeExchanges"]
    callback = authorize(start(oapi, "ob"))
    r = httpx.get(callback + "&iss=" + urllib.parse.quote("https://evil.example/"), headers=owner(ostack), timeout=30)
    assert r.status_code == 400 and "issuer" in r.text, r.text
    assert stats(base)["codeExchanges"] == before, "the code was not exchanged"
    assert oapi.get("/api/v1/sources/ob").json()["status"] == "ready"

    # The right iss is accepted.
    callback = authorize(start(oapi, "ob"))
    r = httpx.get(callback + "&iss=" + urllib.parse.quote(base + "/"), headers=owner(ostack), timeout=30)
    assert r.status_code == 200, r.text

    # Denied consent: a clear page, the source keeps working.
    q = query(start(oapi, "ob"))
    r = httpx.get(ostack.base_url + "/upstream-oauth/callback?" + urllib.parse.urlencode(
        {"state": q["state"], "error": "access_denied", "error_description": "the user said no"}), headers=owner(ostack), timeout=30)
    assert r.status_code == 400 and "access_denied" in r.text and "the user said no" in r.text, r.text
    # Unknown state and a bad code.
    r = httpx.get(ostack.base_url + "/upstream-oauth/callback?state=made-up&code=x", timeout=30)
    assert r.status_code == 400 and "unknown" in r.text
    q = query(start(oapi, "ob"))
    r = httpx.get(ostack.base_url + "/upstream-oauth/callback?" + urllib.parse.urlencode({"state": q["state"], "code": "not-a-code"}), headers=owner(ostack), timeout=30)
    assert r.status_code == 502 and "token exchange failed" in r.text, r.text
    wait_source(oapi, "ob", until=("ready",))
    ok, payload = await execute(ostack, "async () => await codemode.ob_add({a: 2, b: 2})")
    assert ok and payload["result"] in (4, {"result": 4}), payload

    # Bad requests to start.
    assert oapi.post("/api/v1/sources/nope/oauth/start").status_code == 404
    r = oapi.post("/api/v1/sources", json={"slug": "oc", "type": "openapi", "specUrl": base + "/x", "auth": {"type": "oauth"}})
    assert r.status_code == 400 and "only supported for mcp" in r.text, r.text
    r = oapi.post("/api/v1/sources/ob/oauth/start", content=b"[1]", headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text


async def test_refresher_refreshes_tokens_ahead_of_expiry_and_relists_on_schedule(ostack: Stack, oapi) -> None:
    # Tokens live 7 s; the refresher refreshes 4 s ahead of expiry without any call.
    base = oauth_server(ostack, "oauth-upstream-short", token_seconds=7)
    register(oapi, "od", base + "/mcp")
    page = sign_in(ostack, oapi, "od")
    assert page.status_code == 200, page.text
    first = wait_entries(oapi, "od")
    deadline = time.monotonic() + 20
    while stats(base)["refreshes"] < 2 and time.monotonic() < deadline:
        time.sleep(0.3)
    assert stats(base)["refreshes"] >= 2, f"no scheduled refresh: {stats(base)}"
    # Each scheduled refresh happened once, not once per process or tick: 7 s tokens
    # refreshed 4 s early give one refresh every ~3 s.
    time.sleep(3)
    n = stats(base)["refreshes"]
    elapsed = time.monotonic() - (deadline - 20)
    assert n <= elapsed / 2.5 + 2, f"{n} refreshes in {elapsed:.1f} s"
    ok, payload = await execute(ostack, "async () => await codemode.od_add({a: 5, b: 6})")
    assert ok and payload["result"] in (11, {"result": 11}), payload
    # Catalogs are re-listed every JUNCTION_REFRESH_INTERVAL_MS (5 s here) with no request.
    deadline = time.monotonic() + 30
    later = first
    while later["lastRefreshAt"] == first["lastRefreshAt"] and time.monotonic() < deadline:
        time.sleep(0.5)
        later = oapi.get("/api/v1/sources/od").json()
    assert later["lastRefreshAt"] != first["lastRefreshAt"], later
    assert later["entryCount"] == 2


def test_client_metadata_document(ostack: Stack) -> None:
    r = httpx.get(ostack.base_url + "/upstream-oauth/client-metadata.json")
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["client_id"] == ostack.base_url + "/upstream-oauth/client-metadata.json"
    assert doc["redirect_uris"] == [ostack.base_url + "/upstream-oauth/callback"]
    assert doc["token_endpoint_auth_method"] == "none" and "refresh_token" in doc["grant_types"]


class _CIMDStub:
    """A minimal authorization server + protected resource that advertises Client ID
    Metadata Documents and the RFC 9207 `iss` parameter (FastMCP's provider offers
    neither). Used only for the registration branch: it fetches the client_id URL like a
    real server would, and records the token requests."""

    def __init__(self, junction_base: str) -> None:
        import http.server
        import threading
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.token_requests: list[dict] = []
        self.fetched_documents: list[dict] = []
        self.registrations = 0
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):  # quiet
                pass

            def _json(self, status: int, body: dict, headers: dict | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                path, _, qs = self.path.partition("?")
                if path == "/.well-known/oauth-protected-resource/mcp":
                    return self._json(200, {"resource": stub.base + "/mcp", "authorization_servers": [stub.base + "/as"],
                                            "scopes_supported": ["tools"]})
                if path == "/.well-known/oauth-authorization-server/as":
                    return self._json(200, {"issuer": stub.base + "/as", "authorization_endpoint": stub.base + "/as/authorize",
                                            "token_endpoint": stub.base + "/as/token", "registration_endpoint": stub.base + "/as/register",
                                            "code_challenge_methods_supported": ["S256"], "client_id_metadata_document_supported": True,
                                            "authorization_response_iss_parameter_supported": True})
                if path == "/as/authorize":
                    q = dict(urllib.parse.parse_qsl(qs))
                    doc = httpx.get(q["client_id"], timeout=10).json()  # resolve the client like a CIMD server
                    stub.fetched_documents.append(doc)
                    assert q["redirect_uri"] in doc["redirect_uris"]
                    loc = q["redirect_uri"] + "?" + urllib.parse.urlencode({"code": "cimd-code", "state": q["state"], "iss": stub.base + "/as"})
                    self.send_response(302)
                    self.send_header("Location", loc)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                if self.path == "/mcp":
                    return self._json(401, {"error": "unauthorized"}, {
                        "WWW-Authenticate": f'Bearer resource_metadata="{stub.base}/.well-known/oauth-protected-resource/mcp", scope="tools"'})
                if self.path == "/as/register":
                    stub.registrations += 1
                    return self._json(201, {"client_id": "should-not-be-used"})
                if self.path == "/as/token":
                    form = dict(urllib.parse.parse_qsl(body))
                    stub.token_requests.append(form)
                    return self._json(200, {"access_token": "cimd-access", "token_type": "Bearer", "expires_in": 3600,
                                            "refresh_token": "cimd-refresh"})
                self._json(404, {"error": "not_found"})

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_client_id_metadata_document_registration_and_required_iss(ostack: Stack, oapi) -> None:
    stub = _CIMDStub(ostack.base_url)
    try:
        register(oapi, "oe", stub.base + "/mcp")
        url = start(oapi, "oe")
        q = query(url)
        metadata_url = ostack.base_url + "/upstream-oauth/client-metadata.json"
        assert q["client_id"] == metadata_url and q["scope"] == "tools" and q["resource"] == stub.base + "/mcp", q
        assert stub.registrations == 0, "no dynamic registration when CIMD is offered"

        # The server promised `iss`: a response without it is refused before any token request.
        r = httpx.get(ostack.base_url + "/upstream-oauth/callback?" + urllib.parse.urlencode({"state": q["state"], "code": "cimd-code"}), headers=owner(ostack), timeout=30)
        assert r.status_code == 400 and "iss" in r.text, r.text
        assert stub.token_requests == []

        callback = authorize(start(oapi, "oe"))
        assert stub.fetched_documents and stub.fetched_documents[-1]["client_id"] == metadata_url
        page = httpx.get(callback, headers=owner(ostack), timeout=30)
        assert page.status_code == 200 and "Signed in" in page.text, page.text
        # The refresh queued by the sign-in may already have sent a refresh_token request
        # (the stub answers 401 to every MCP call), so find the code exchange itself.
        exchanges = [f for f in stub.token_requests if f.get("grant_type") == "authorization_code"]
        assert len(exchanges) == 1, stub.token_requests
        form = exchanges[0]
        assert form["client_id"] == metadata_url, form
        assert form["resource"] == stub.base + "/mcp" and len(form["code_verifier"]) == 43, form
        assert "client_secret" not in form
    finally:
        stub.stop()
