"""Adversarial suite, room `auth` (issue 12: items 2, 6, 7 and the sign-in parts of 8).

Every attempt is an attack on a real stack (redis-server, the three Junction binaries,
oidc-provider-mock as the OpenID Connect issuer, FastMCP's OAuth provider as an upstream)
and asserts two things: the refusal, and that another user's `execute` is still served.

- A. An OAuth access token (scope `mcp`) never reaches the management API, however the
  path is spelled; cookies and CSRF tokens are checked on the route that serves the
  request. Access tokens still work on /mcp and its legacy endpoints.
- B. Anonymous endpoints are throttled (per address and per account / client, in Redis),
  abandoned dynamic clients expire, the metadata-document cache is bounded, and a
  refresh already queued is not queued again.
- C. Redirect targets after sign-in are same-origin paths only.
- D. An upstream OAuth callback completes only in the session that started it.
- E. OIDC sign-in needs `email_verified` and links accounts by issuer + subject.

The stack and helpers live in auth_world.py; the stack trusts 127.0.0.1 as a reverse
proxy, so each throttling attempt comes from its own `X-Forwarded-For` address.
"""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.parse

import httpx
import pytest

from auth_world import (META, MODERN, PASSWORD, UNUSED_CLIENT_TTL, World, browser, bystander_served, csrf_of, db, execute, fresh_ip, make_person,
                        mallory_tokens, pkce, raw, redis_command, register_client, sign_in, wait_stopped, world)
from stack import DocServer

__all__ = ["world"]  # the module-scoped fixture, imported for pytest


# --------------------------------------------------------------------------- #
# A. access tokens never reach the management API
# --------------------------------------------------------------------------- #

MINT_FORMS = [
    "//api/v1/tokens", "///api/v1/tokens", "/api//v1/tokens", "/api/v1//tokens", "/api/v1/tokens/", "/api/v1/tokens//",
    "/./api/v1/tokens", "/api/./v1/tokens", "/api/v1/./tokens", "/api/v1/tokens/.", "/x/../api/v1/tokens", "/mcp/../api/v1/tokens",
    "/.%2e/api/v1/tokens", "/%2Fapi/v1/tokens", "/%2fapi/v1/tokens", "/api%2Fv1%2Ftokens", "/api%2fv1/tokens", "/%61pi/v1/tokens",
    "/API/v1/tokens", "/Api/V1/Tokens", "/api/v1/tokens.", "/api/v1/tokens;", "/api/v1/tokens;x=/mcp", "/api/v1/tokens%00",
    "/api/v1/tokens%20", "/api/v1/tokens?/mcp", "/api/v1/tokens#/mcp", "/api/v1/tokens\\", "ABSOLUTE",
]


@pytest.mark.parametrize("form", MINT_FORMS)
def test_a01_access_token_cannot_mint_personal_tokens_by_any_path_spelling(world: World, form: str) -> None:
    w = world
    target = f"{w.stack.base_url}/api/v1/tokens" if form == "ABSOLUTE" else form
    before = len(mallory_tokens(w))
    status, _, body = raw(w.stack, "POST", target, {"Authorization": f"Bearer {w.access_token}", "Content-Type": "application/json"},
                          b'{"name": "minted by an MCP client"}')
    # Either the router resolves this spelling to the tokens API, which refuses the access token
    # (401), or to nothing (404/400). Never a new personal token.
    assert status in (400, 401, 404), (form, status, body[:300])
    assert len(mallory_tokens(w)) == before, f"{form}: a token was minted"
    bystander_served(w)


ROUTE_KINDS = [
    ("GET", "/api/v1/me", None), ("GET", "/api/v1/tokens", None), ("DELETE", "/api/v1/tokens/{mine}", None),
    ("GET", "/api/v1/sources", None), ("POST", "/api/v1/sources", b'{"slug": "x", "type": "mcp", "baseUrl": "http://127.0.0.1:1/mcp"}'),
    ("GET", "/api/v1/sources/nope", None), ("PATCH", "/api/v1/sources/nope", b'{"name": "y"}'),
    ("DELETE", "/api/v1/sources/nope", None), ("POST", "/api/v1/sources/nope/refresh", None),
    ("POST", "/api/v1/sources/nope/oauth/start", None), ("GET", "/api/v1/executions", None), ("GET", "/api/v1/catalog", None),
    ("GET", "/api/v1/admin/users", None), ("POST", "/api/v1/admin/allowlist", b'{"domain": "evil.example"}'),
]


@pytest.mark.parametrize("method,path,body", ROUTE_KINDS, ids=[f"{m} {p}" for m, p, _ in ROUTE_KINDS])
@pytest.mark.parametrize("spelling", ["//", "/./", "/api//"])
def test_a02_every_management_route_refuses_access_tokens(world: World, method: str, path: str, body: bytes | None, spelling: str) -> None:
    w = world
    path = path.replace("{mine}", w.mallory_api_id)
    target = {"//": "/" + path, "/./": "/." + path, "/api//": path.replace("/api/", "/api//", 1)}[spelling]
    headers = {"Authorization": f"Bearer {w.access_token}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    status, fields, payload = raw(w.stack, method, target, headers, body or b"")
    if spelling == "/./":
        assert status in (401, 404), (target, status, payload[:200])   # the router does not resolve dot segments
    else:
        assert status == 401, (target, status, payload[:200])
        assert json.loads(payload)["error"]["code"] == "invalid_token", payload[:200]
    assert any(t["id"] == w.mallory_api_id and t["revokedAt"] is None for t in mallory_tokens(w)), "own token revoked through an access token"
    bystander_served(w)


def test_a03_access_token_still_works_on_mcp_and_its_legacy_endpoints(world: World) -> None:
    w = world
    r = execute(w.stack, w.access_token)
    assert r.status_code == 200 and r.json()["result"]["structuredContent"]["result"] == 42, r.text
    status, _, payload = raw(w.stack, "POST", "//mcp", {"Authorization": f"Bearer {w.access_token}", "Content-Type": "application/json",
                                                        "Accept": "application/json", "MCP-Protocol-Version": MODERN, "Mcp-Method": "tools/list"},
                             json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": META}}).encode())
    assert status == 200, payload[:300]
    with httpx.stream("GET", f"{w.stack.base_url}/sse", headers={"Authorization": f"Bearer {w.access_token}"}, timeout=30) as r:
        assert r.status_code == 200
        endpoint = next(l for l in r.iter_lines() if l.startswith("data:"))
        assert "/messages" in endpoint
    # The same token on the management API, spelled plainly: refused.
    assert httpx.get(f"{w.stack.base_url}/api/v1/me", headers={"Authorization": f"Bearer {w.access_token}"}).status_code == 401
    bystander_served(w)


def test_a04_cookie_needs_csrf_on_every_spelling_and_never_reaches_mcp(world: World) -> None:
    w = world
    cookie = w.mallory.cookies["junction_session"]
    before = len(mallory_tokens(w))
    for target in ("/api/v1/tokens", "//api/v1/tokens", "/api//v1/tokens/"):
        status, _, payload = raw(w.stack, "POST", target, {"Cookie": f"junction_session={cookie}", "Content-Type": "application/json"}, b"{}")
        assert status == 403 and b"csrf_failed" in payload, (target, status, payload[:200])
        # A CSRF token of another session does not fit this one.
        other = csrf_of(w.victor)
        status, _, _ = raw(w.stack, "POST", target, {"Cookie": f"junction_session={cookie}", "X-CSRF-Token": other,
                                                     "Content-Type": "application/json"}, b"{}")
        assert status == 403, target
    assert len(mallory_tokens(w)) == before
    # The session cookie is not a credential on /mcp at all (no CSRF surface there).
    for target in ("/mcp", "//mcp"):
        status, _, _ = raw(w.stack, "POST", target, {"Cookie": f"junction_session={cookie}", "Content-Type": "application/json",
                                                     "Accept": "application/json", "MCP-Protocol-Version": MODERN, "Mcp-Method": "tools/list"},
                           json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": META}}).encode())
        assert status == 401, target
    bystander_served(w)


def test_a05_a_cookie_never_rescues_a_refused_bearer_and_tokens_only_count_in_the_header(world: World) -> None:
    w = world
    cookie = w.mallory.cookies["junction_session"]
    csrf = csrf_of(w.mallory)
    before = len(mallory_tokens(w))
    attempts = [
        ("//api/v1/tokens", {"Authorization": f"Bearer {w.access_token}", "Cookie": f"junction_session={cookie}", "X-CSRF-Token": csrf}),
        ("/api/v1/tokens?access_token=" + w.access_token, {}),
        ("/api/v1/tokens", {"Cookie": f"junction_session={w.access_token}"}),
        ("/api/v1/tokens", {"Authorization": f"bearer  {w.access_token}"}),
        ("/api/v1/tokens", {"Authorization": f"Basic {w.access_token}"}),
    ]
    for target, headers in attempts:
        status, _, payload = raw(w.stack, "POST", target, {**headers, "Content-Type": "application/json"}, b'{"name": "x"}')
        assert status == 401, (target, headers, status, payload[:200])
    assert len(mallory_tokens(w)) == before
    bystander_served(w)


# --------------------------------------------------------------------------- #
# B. anonymous abuse is throttled
# --------------------------------------------------------------------------- #

def test_b01_password_guessing_from_one_address_is_throttled_before_any_hashing(world: World) -> None:
    w = world
    ip = fresh_ip()
    b = browser(w.stack, ip)
    timings = []
    for i in range(5):
        # A different (unknown) account each time: only the address's bucket fills up.
        t = time.monotonic()
        assert b.post("/login", data={"email": f"guess-{i}@example.com", "password": "guess"}).status_code == 401
        timings.append(time.monotonic() - t)
    t = time.monotonic()
    r = b.post("/login", data={"email": "mallory@example.com", "password": PASSWORD})
    refused_in = time.monotonic() - t
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1, r.text[:300]
    assert "Too many sign-in attempts" in r.text
    # No hash was computed: the refusal is much faster than a password check.
    assert refused_in < min(timings) / 2, (refused_in, timings)
    # Another address signs in at once.
    assert browser(w.stack).post("/login", data={"email": "mallory@example.com", "password": PASSWORD}).status_code == 303
    bystander_served(w)


def test_b02_failed_attempts_on_one_account_from_many_addresses_are_throttled(world: World) -> None:
    w = world
    make_person(w.stack, "target@example.com")
    for i in range(4):
        assert browser(w.stack).post("/login", data={"email": "target@example.com", "password": f"nope-{i}"}).status_code == 401
    r = browser(w.stack).post("/login", data={"email": "TARGET@example.com", "password": PASSWORD})
    assert r.status_code == 429 and "for this account" in r.text and r.headers["retry-after"], r.text[:300]
    # Successful sign-ins never count: other accounts, and the same address, are unaffected.
    assert browser(w.stack).post("/login", data={"email": "victor@example.com", "password": PASSWORD}).status_code == 303
    bystander_served(w)


def test_b03_setup_is_throttled_per_address(world: World) -> None:
    w = world
    b = browser(w.stack)
    codes = [b.post("/setup", data={"email": "late@example.com", "password": PASSWORD}).status_code for _ in range(6)]
    assert codes[:5] == [409] * 5 and codes[5] == 429, codes
    bystander_served(w)


def test_b04_dynamic_registration_flood_is_throttled_and_not_stored(world: World) -> None:
    w = world
    ip = fresh_ip()
    with db(w) as conn:
        before = conn.execute("SELECT COUNT(*) FROM oauth_clients WHERE kind = 'registered'").fetchone()[0]
    codes = [register_client(w.stack, ip=ip).status_code for _ in range(12)]
    assert codes[:5] == [201] * 5 and set(codes[5:]) == {429}, codes
    r = register_client(w.stack, ip=ip)
    assert r.status_code == 429 and r.json()["error"] == "rate_limited" and int(r.headers["retry-after"]) > 1, r.text
    with db(w) as conn:
        after = conn.execute("SELECT COUNT(*) FROM oauth_clients WHERE kind = 'registered'").fetchone()[0]
    assert after - before <= 5, (before, after)
    bystander_served(w)


def test_b05_token_endpoint_is_throttled_per_address(world: World) -> None:
    w = world
    ip = fresh_ip()
    codes = [httpx.post(f"{w.stack.base_url}/oauth/token", headers={"X-Forwarded-For": ip},
                        data={"grant_type": "refresh_token", "refresh_token": f"guess-{i}", "client_id": f"jcl_{i}"}).status_code
             for i in range(11)]
    assert codes[:10] == [400] * 10 and codes[10] == 429, codes
    bystander_served(w)


def test_b06_guessing_codes_for_one_client_is_throttled_from_any_address(world: World) -> None:
    w = world
    client_id = register_client(w.stack).json()["client_id"]
    for i in range(5):
        r = httpx.post(f"{w.stack.base_url}/oauth/token", headers={"X-Forwarded-For": fresh_ip()},
                       data={"grant_type": "authorization_code", "code": f"guess-{i}", "code_verifier": "v" * 43, "client_id": client_id})
        assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text
    r = httpx.post(f"{w.stack.base_url}/oauth/token", headers={"X-Forwarded-For": fresh_ip()},
                   data={"grant_type": "authorization_code", "code": "guess-x", "code_verifier": "v" * 43, "client_id": client_id})
    assert r.status_code == 429 and "for this client" in r.json()["error_description"] and r.headers["retry-after"], r.text
    bystander_served(w)


def test_b07_a_registered_client_that_never_completes_a_flow_expires_and_is_swept(world: World) -> None:
    w = world
    client_id = register_client(w.stack).json()["client_id"]
    time.sleep(UNUSED_CLIENT_TTL + 1)
    _, challenge = pkce()
    q = {"response_type": "code", "client_id": client_id, "redirect_uri": "http://127.0.0.1/cb", "code_challenge": challenge,
         "code_challenge_method": "S256", "resource": w.stack.mcp_url}
    r = w.mallory.get("/oauth/authorize?" + urllib.parse.urlencode(q))
    assert r.status_code == 400 and "expired" in r.text, r.text[:400]
    assert register_client(w.stack).status_code == 201   # each registration sweeps
    with db(w) as conn:
        assert conn.execute("SELECT COUNT(*) FROM oauth_clients WHERE id = ?", (client_id,)).fetchone()[0] == 0
    # A client that did complete a flow (the attacker's, above) does not expire.
    assert execute(w.stack, w.access_token).status_code == 200
    bystander_served(w)


def test_b08_the_client_metadata_document_cache_is_bounded(world: World) -> None:
    w = world
    docs = DocServer()
    try:
        ids = [docs.url(f"/client-{i}.json") for i in range(6)]
        for cid in ids:
            docs.docs[urllib.parse.urlsplit(cid).path] = json.dumps(
                {"client_id": cid, "client_name": "cimd", "redirect_uris": ["http://127.0.0.1/cb"], "token_endpoint_auth_method": "none"}).encode()
        _, challenge = pkce()
        for cid in ids:
            q = {"response_type": "code", "client_id": cid, "redirect_uri": "http://127.0.0.1/cb", "code_challenge": challenge,
                 "code_challenge_method": "S256", "resource": w.stack.mcp_url}
            r = httpx.get(f"{w.stack.base_url}/oauth/authorize?" + urllib.parse.urlencode(q), timeout=30)
            assert r.status_code == 303 and r.headers["location"].startswith("/login"), r.text[:300]
        with db(w) as conn:
            cached = [row[0] for row in conn.execute("SELECT id FROM oauth_clients WHERE kind = 'metadata'")]
        assert len(cached) <= 3 and ids[-1] in cached, cached
    finally:
        docs.close()
    bystander_served(w)


def test_b09_a_refresh_already_queued_is_not_queued_again(world: World) -> None:
    w = world
    spec = {"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
            "paths": {"/ping": {"get": {"operationId": "ping", "responses": {"200": {"description": "ok"}}}}}}
    docs = DocServer({"/spec.json": json.dumps(spec).encode()})
    api = httpx.Client(base_url=w.stack.base_url, headers={"Authorization": f"Bearer {w.mallory_api}"}, timeout=30)
    refresher = w.stack.procs["refresher"]
    try:
        r = api.post("/api/v1/sources", json={"slug": "dup", "type": "openapi", "specUrl": docs.url("/spec.json"), "baseUrl": docs.url("/")})
        assert r.status_code == 201, r.text
        owner = api.get("/api/v1/me").json()["id"]
        stream = f"junction:{{u:{owner}}}:refresh"
        # The first refresh is done, job acknowledged and all (acknowledged jobs leave the stream).
        deadline = time.monotonic() + 60
        while (api.get("/api/v1/sources/dup").json()["status"] not in ("ready", "error") or redis_command(w.stack, "XLEN", stream) != 0) \
                and time.monotonic() < deadline:
            time.sleep(0.2)
        os.kill(refresher.pid, signal.SIGSTOP)   # nobody takes jobs while we count them
        wait_stopped(refresher.pid)
        try:
            replies, seen = [], []
            for _ in range(15):
                replies.append(api.post("/api/v1/sources/dup/refresh"))
                seen.append(api.get("/api/v1/sources/dup").json())
            assert all(r.status_code == 202 for r in replies), [r.text for r in replies]
            assert [r.json()["alreadyQueued"] for r in replies] == [False] + [True] * 14, ([(x["status"], x["lastRefreshAt"]) for x in seen[:3]],
                                                                                         refresher.tail(6))
            assert "already queued" in replies[-1].json()["message"]
            assert redis_command(w.stack, "XLEN", stream) == 1
        finally:
            os.kill(refresher.pid, signal.SIGCONT)
        deadline = time.monotonic() + 60
        while api.get("/api/v1/sources/dup").json()["status"] != "ready" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert api.post("/api/v1/sources/dup/refresh").json()["alreadyQueued"] is False, "once taken, a refresh can be queued again"
    finally:
        api.close()
        docs.close()
    bystander_served(w)


# --------------------------------------------------------------------------- #
# C. redirect targets are same-origin paths
# --------------------------------------------------------------------------- #

EVIL_NEXT = ["/%09/evil.example", "//evil.example", "/\\evil.example", "\\/evil.example", "/%5Cevil.example", "/%5cevil.example",
             "http:evil.example", "https://evil.example/", "/%2F/evil.example", "/%0D%0ASet-Cookie:%20x=1", "/%00/evil.example",
             "%2F%2Fevil.example", " //evil.example", "javascript:alert(1)", "/%E2%80%8B/evil.example", "/.%2F%2Fevil.example",
             "/%2509/evil.example", "/%5C%5Cevil.example"]


@pytest.mark.parametrize("evil", EVIL_NEXT)
def test_c01_next_falls_back_to_root(world: World, evil: str) -> None:
    w = world
    # `evil` is written into the query as is (already URL-encoded where it shows %XX).
    r = w.mallory.get("/login?next=" + evil.replace(" ", "%20").replace("\\", "%5C"))
    assert r.status_code == 303 and r.headers["location"] == "/", (evil, r.headers.get("location"))
    bystander_served(w)


def test_c02_next_after_a_password_sign_in_is_parsed_too(world: World) -> None:
    w = world
    for evil, expected in [("/\t/evil.example", "/"), ("/\\evil.example", "/"), ("/sources?x=1", "/sources?x=1"),
                           ("/oauth/authorize?client_id=a&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb", None)]:
        r = browser(w.stack).post("/login", data={"email": "victor@example.com", "password": PASSWORD, "next": evil})
        assert r.status_code == 303 and r.headers["location"] == (expected or evil), (evil, r.headers.get("location"))
    bystander_served(w)


# --------------------------------------------------------------------------- #
# D. the upstream OAuth callback completes only where it started
# --------------------------------------------------------------------------- #

def upstream_stats(w: World) -> dict:
    return httpx.get(w.oauth_upstream + "/test/stats", timeout=10).json()


def oauth_source(w: World, slug: str) -> None:
    r = httpx.post(f"{w.stack.base_url}/api/v1/sources", headers={"Authorization": f"Bearer {w.mallory_api}"}, timeout=30,
                   json={"slug": slug, "type": "mcp", "name": slug, "baseUrl": w.oauth_upstream + "/mcp", "auth": {"type": "oauth"}})
    assert r.status_code == 201, r.text


def start_in_session(w: World, b: httpx.Client, slug: str) -> str:
    r = b.post(f"/api/v1/sources/{slug}/oauth/start", headers={"X-CSRF-Token": csrf_of(b)})
    assert r.status_code == 200, r.text
    r = httpx.get(r.json()["authorizationUrl"], follow_redirects=False, timeout=30)
    assert r.status_code in (302, 303, 307), r.text
    return r.headers["location"]


def source_status(w: World, slug: str) -> str:
    return httpx.get(f"{w.stack.base_url}/api/v1/sources/{slug}", headers={"Authorization": f"Bearer {w.mallory_api}"}).json()["status"]


def test_d01_a_session_started_callback_is_refused_anywhere_else(world: World) -> None:
    w = world
    oauth_source(w, "bound")
    callback = start_in_session(w, w.mallory, "bound")
    exchanges = upstream_stats(w)["codeExchanges"]
    other_session = sign_in(w.stack, "mallory@example.com")
    for label, client, headers, status in [
        ("anonymous (a victim who was sent the link)", httpx.Client(timeout=30), {}, 401),
        ("another account's session", w.victor, {}, 403),
        ("another session of the same account", other_session, {}, 403),
        ("the owner's API token instead of the session", httpx.Client(timeout=30), {"Authorization": f"Bearer {w.mallory_api}"}, 401),
    ]:
        r = client.get(callback, headers=headers)
        assert r.status_code == status and "Nothing was changed" in r.text, (label, r.status_code, r.text[:300])
        assert source_status(w, "bound") == "needs_sign_in", label
    assert upstream_stats(w)["codeExchanges"] == exchanges, "no code was exchanged for a refused callback"
    # The session that started it finishes it.
    r = w.mallory.get(callback)
    assert r.status_code == 200 and "Signed in to" in r.text, r.text[:300]
    bystander_served(w)


def test_d02_a_token_started_callback_needs_the_owner(world: World) -> None:
    w = world
    oauth_source(w, "tokenbound")
    r = httpx.post(f"{w.stack.base_url}/api/v1/sources/tokenbound/oauth/start", headers={"Authorization": f"Bearer {w.mallory_api}"})
    assert r.status_code == 200, r.text
    callback = httpx.get(r.json()["authorizationUrl"], follow_redirects=False, timeout=30).headers["location"]
    assert httpx.get(callback, timeout=30).status_code == 401
    assert w.victor.get(callback).status_code == 403
    assert httpx.get(callback, headers={"Authorization": f"Bearer {w.bystander}"}, timeout=30).status_code == 403
    assert source_status(w, "tokenbound") == "needs_sign_in"
    assert w.mallory.get(callback).status_code == 200
    bystander_served(w)


# --------------------------------------------------------------------------- #
# E. OIDC: verified email, accounts keyed by issuer + subject
# --------------------------------------------------------------------------- #

def set_claims(w: World, sub: str, claims: dict) -> None:
    r = httpx.put(f"{w.issuer.rstrip('/')}/users/{urllib.parse.quote(sub)}", json=claims, timeout=30)
    assert r.status_code == 204, r.text


def oidc_sign_in(w: World, sub: str) -> tuple[httpx.Response, httpx.Client]:
    b = browser(w.stack)
    r = b.get("/signin/oidc", params={"next": "/"})
    assert r.status_code == 303, r.text
    r = httpx.post(r.headers["location"], data={"sub": sub}, follow_redirects=False, timeout=30)
    assert r.status_code in (302, 303), r.text[:300]
    callback = urllib.parse.urlsplit(r.headers["location"])
    return b.get(callback.path + "?" + callback.query), b


def users_with(w: World, email: str) -> int:
    with db(w) as conn:
        return conn.execute("SELECT COUNT(*) FROM users WHERE email = ?", (email,)).fetchone()[0]


def test_e01_unverified_or_unstated_email_is_refused(world: World) -> None:
    w = world
    for sub, claims in [("unverified", {"email": "eve@allowed.example", "email_verified": False}),
                        ("unstated", {"email": "eve@allowed.example"}),
                        ("stringly", {"email": "eve@allowed.example", "email_verified": "no"})]:
        set_claims(w, sub, claims)
        r, b = oidc_sign_in(w, sub)
        assert r.status_code == 400 and "verified" in r.text, (sub, r.status_code, r.text[:300])
        assert "junction_session" not in b.cookies
    assert users_with(w, "eve@allowed.example") == 0
    bystander_served(w)


def test_e02_accounts_follow_issuer_and_subject_not_the_email(world: World) -> None:
    w = world
    set_claims(w, "ann-sub", {"email": "ann@allowed.example", "email_verified": True})
    r, b = oidc_sign_in(w, "ann-sub")
    assert r.status_code == 303, r.text[:300]
    ann_id = b.get("/api/v1/me").json()["id"]
    # The issuer now says another email for the same subject: still Ann's account.
    set_claims(w, "ann-sub", {"email": "ann.new@allowed.example", "email_verified": True})
    r, b = oidc_sign_in(w, "ann-sub")
    assert r.status_code == 303 and b.get("/api/v1/me").json()["id"] == ann_id
    assert users_with(w, "ann.new@allowed.example") == 0
    # Another subject of the same issuer asserting Ann's (verified) email does not get her account.
    set_claims(w, "impostor-sub", {"email": "ann@allowed.example", "email_verified": True})
    r, b = oidc_sign_in(w, "impostor-sub")
    assert r.status_code == 403 and "different identity" in r.text, r.text[:300]
    assert "junction_session" not in b.cookies
    bystander_served(w)


def test_e03_an_existing_password_account_is_linked_once(world: World) -> None:
    w = world
    make_person(w.stack, "pat@allowed.example")
    set_claims(w, "pat-sub", {"email": "pat@allowed.example", "email_verified": True})
    r, b = oidc_sign_in(w, "pat-sub")
    assert r.status_code == 303 and b.get("/api/v1/me").json()["email"] == "pat@allowed.example", r.text[:300]
    with db(w) as conn:
        rows = conn.execute("SELECT issuer, subject FROM user_identities WHERE userId = (SELECT id FROM users WHERE email = ?)",
                            ("pat@allowed.example",)).fetchall()
    assert rows == [(w.issuer, "pat-sub")], rows
    set_claims(w, "pat-other", {"email": "pat@allowed.example", "email_verified": True})
    r, _ = oidc_sign_in(w, "pat-other")
    assert r.status_code == 403, r.text[:300]
    bystander_served(w)
