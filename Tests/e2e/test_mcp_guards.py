"""/mcp under abuse and in the long run: Origin (403), body limit (413), malformed
JSON-RPC, 2026-07-28 header/version checks, CORS preflight, the per-user rate limit
(429 + Retry-After), the concurrent-run cap, progress notifications on an SSE
response while `execute` runs, and a closed stream cancelling its run."""

from __future__ import annotations

import json
import sqlite3
import threading
import time

import anyio
import httpx
import pytest

from helpers import create_source, find_call_name, mcp_client, wait_source
from stack import Stack

pytestmark = pytest.mark.anyio

MODERN = "2026-07-28"
META = {"io.modelcontextprotocol/protocolVersion": MODERN, "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "e2e", "version": "1"}}


def modern_headers(token: str, method: str, name: str | None = None, version: str = MODERN) -> dict[str, str]:
    h = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
         "Accept": "application/json, text/event-stream", "MCP-Protocol-Version": version, "Mcp-Method": method}
    if name is not None:
        h["Mcp-Name"] = name
    return h


def rpc(method: str, params: dict | None = None, id: int = 1, meta: dict | None = META) -> dict:
    p = dict(params or {})
    if meta is not None:
        p["_meta"] = meta
    return {"jsonrpc": "2.0", "id": id, "method": method, "params": p}


# --------------------------------------------------------------------------- #
# 2026-07-28 request checks
# --------------------------------------------------------------------------- #

def test_modern_header_and_version_checks(stack: Stack) -> None:
    url, tok = stack.mcp_url, stack.token
    # tools/list carries resultType and cache hints.
    r = httpx.post(url, headers=modern_headers(tok, "tools/list"), json=rpc("tools/list"))
    assert r.status_code == 200, r.text
    res = r.json()["result"]
    assert res["resultType"] == "complete" and res["cacheScope"] in ("public", "private") and res["ttlMs"] > 0
    assert "Mcp-Session-Id" not in r.headers
    # server/discover lists the versions.
    r = httpx.post(url, headers=modern_headers(tok, "server/discover"), json=rpc("server/discover"))
    assert r.status_code == 200 and MODERN in r.json()["result"]["supportedVersions"]
    # Mcp-Method disagrees with the body.
    r = httpx.post(url, headers=modern_headers(tok, "tools/call", "execute"), json=rpc("tools/list"))
    assert r.status_code == 400 and r.json()["error"]["code"] == -32020, r.text
    # Mcp-Name missing / different / base64-encoded correctly.
    call = rpc("tools/call", {"name": "execute", "arguments": {"code": "async () => 1"}})
    r = httpx.post(url, headers=modern_headers(tok, "tools/call"), json=call)
    assert r.status_code == 400 and r.json()["error"]["code"] == -32020, r.text
    r = httpx.post(url, headers=modern_headers(tok, "tools/call", "search"), json=call)
    assert r.status_code == 400 and r.json()["error"]["code"] == -32020
    h = modern_headers(tok, "tools/call", "=?base64?ZXhlY3V0ZQ==?=")
    h["Accept"] = "application/json"
    r = httpx.post(url, headers=h, json=call, timeout=30)
    assert r.status_code == 200 and r.json()["result"]["structuredContent"]["result"] == 1, r.text
    # MCP-Protocol-Version header disagrees with _meta.
    r = httpx.post(url, headers=modern_headers(tok, "tools/list", version="2025-11-25"), json=rpc("tools/list"))
    assert r.status_code == 400 and r.json()["error"]["code"] == -32020
    # An unknown version: UnsupportedProtocolVersion naming what is supported.
    meta = dict(META, **{"io.modelcontextprotocol/protocolVersion": "2099-01-01"})
    r = httpx.post(url, headers=modern_headers(tok, "tools/list", version="2099-01-01"), json=rpc("tools/list", meta=meta))
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["code"] == -32022 and err["data"]["requested"] == "2099-01-01" and MODERN in err["data"]["supported"]
    # _meta missing on a modern request.
    r = httpx.post(url, headers=modern_headers(tok, "tools/list"), json=rpc("tools/list", meta=None))
    assert r.status_code == 400 and r.json()["error"]["code"] == -32602
    # Unknown method: 404 with -32601 (distinguishable from a legacy server's 404).
    r = httpx.post(url, headers=modern_headers(tok, "nope/nothing"), json=rpc("nope/nothing"))
    assert r.status_code == 404 and r.json()["error"]["code"] == -32601


def test_malformed_json_rpc_gets_the_right_error_code(stack: Stack) -> None:
    h = {"Authorization": f"Bearer {stack.token}", "Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    cases = [
        (b"{not json", -32700),
        (b"[]", -32600),
        (b'[{"jsonrpc":"2.0","id":1,"method":"ping"}]', -32600),
        (b'"hello"', -32600),
        (b'{"jsonrpc":"1.0","id":1,"method":"ping"}', -32600),
        (b'{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}', -32600),
        (b'{"jsonrpc":"2.0","id":1,"method":42}', -32600),
        (b'{"jsonrpc":"2.0","id":1}', -32600),
        (b'{"jsonrpc":"2.0","id":1,"method":"tools/list","params":[1,2]}', -32602),
    ]
    for body, code in cases:
        r = httpx.post(stack.mcp_url, headers=h, content=body)
        assert r.status_code == 400, (body, r.status_code, r.text)
        assert r.json()["error"]["code"] == code, (body, r.text)
    # The server keeps serving.
    r = httpx.post(stack.mcp_url, headers=modern_headers(stack.token, "ping"), json=rpc("ping"))
    assert r.status_code == 200 and r.json()["result"]["resultType"] == "complete"


def test_body_limit_413_without_reading_everything(stack: Stack) -> None:
    h = modern_headers(stack.token, "tools/list")
    big = b'{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"pad":"' + b"x" * (2 * 1024 * 1024) + b'"}}'
    r = httpx.post(stack.mcp_url, headers=h, content=big)
    assert r.status_code == 413 and r.json()["error"]["code"] == -32600, r.text[:300]

    # Chunked, no Content-Length: cut off at the limit, not read to the end.
    sent = {"bytes": 0}

    def endless():
        block = b"x" * 65536
        yield b'{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"pad":"'
        for _ in range(16 * 100):  # up to 100 MB
            sent["bytes"] += len(block)
            yield block

    try:
        r = httpx.post(stack.mcp_url, headers=h, content=endless(), timeout=30)
        assert r.status_code == 413, r.text[:300]
    except httpx.TransportError:
        pass  # the server may close the connection while we are still sending
    assert sent["bytes"] < 50 * 1024 * 1024, f"the server read {sent['bytes']} bytes of an oversized body"
    r = httpx.post(stack.mcp_url, headers=h, json=rpc("tools/list"))
    assert r.status_code == 200


def test_origin_is_validated(stack: Stack) -> None:
    evil = {"Origin": "https://evil.example"}
    h = modern_headers(stack.token, "tools/list") | evil
    r = httpx.post(stack.mcp_url, headers=h, json=rpc("tools/list"))
    assert r.status_code == 403 and "evil.example" in r.text
    r = httpx.get(f"{stack.base_url}/sse", headers={"Authorization": f"Bearer {stack.token}"} | evil)
    assert r.status_code == 403
    r = httpx.post(f"{stack.base_url}/messages?sessionId=x", headers=h, json=rpc("ping"))
    assert r.status_code == 403
    r = httpx.post(stack.mcp_url, headers=h | {"Origin": "null"}, json=rpc("tools/list"))
    assert r.status_code == 403
    # An allowed (loopback) origin is served, with CORS headers.
    ok = h | {"Origin": "http://localhost:5173"}
    r = httpx.post(stack.mcp_url, headers=ok, json=rpc("tools/list"))
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert "mcp-session-id" in r.headers["access-control-expose-headers"].lower()


def test_cors_preflight(stack: Stack) -> None:
    for path in ("/mcp", "/sse", "/messages"):
        r = httpx.options(f"{stack.base_url}{path}", headers={
            "Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, mcp-protocol-version, mcp-method, mcp-name, mcp-param-region, last-event-id",
        })
        assert r.status_code == 204, (path, r.status_code, r.text)
        assert r.headers["access-control-allow-origin"] == "http://localhost:3000"
        allowed = {h.strip().lower() for h in r.headers["access-control-allow-headers"].split(",")}
        for want in ("authorization", "content-type", "mcp-protocol-version", "mcp-method", "mcp-name", "mcp-session-id",
                     "last-event-id", "mcp-param-region"):
            assert want in allowed, (path, want, allowed)
        assert "POST" in r.headers["access-control-allow-methods"]
        assert "mcp-session-id" in r.headers["access-control-expose-headers"].lower()
    r = httpx.options(stack.mcp_url, headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert r.status_code == 403 and "access-control-allow-origin" not in r.headers


# --------------------------------------------------------------------------- #
# per-user limits (their own frontend instance and users)
# --------------------------------------------------------------------------- #

def test_rate_limit_429_with_retry_after(stack: Stack) -> None:
    url = stack.start_frontend("frontend-ratelimit", {"JUNCTION_RATE_LIMIT_PER_SECOND": "1", "JUNCTION_RATE_LIMIT_BURST": "3"})
    token = stack.admin_token("ratelimited@example.com")
    other = stack.admin_token("neighbour@example.com")
    h = modern_headers(token, "tools/list")
    codes = [httpx.post(f"{url}/mcp", headers=h, json=rpc("tools/list")).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and 429 in codes[3:], codes
    r = httpx.post(f"{url}/mcp", headers=h, json=rpc("tools/list"))
    assert r.status_code == 429
    retry = int(r.headers["retry-after"])
    assert 1 <= retry <= 2, r.headers
    assert "rate limit" in r.json()["error"]["message"]
    # Another user is not affected.
    assert httpx.post(f"{url}/mcp", headers=modern_headers(other, "tools/list"), json=rpc("tools/list")).status_code == 200
    time.sleep(retry + 0.1)
    assert httpx.post(f"{url}/mcp", headers=h, json=rpc("tools/list")).status_code == 200


@pytest.fixture(scope="module")
def stream_frontend(stack: Stack) -> str:
    # Keep-alives every 200 ms: a closed stream is noticed quickly.
    return stack.start_frontend("frontend-streams", {"JUNCTION_SSE_KEEPALIVE_MS": "200", "JUNCTION_MAX_RUNS_PER_USER": "1"})


@pytest.fixture(scope="module")
def slow_calls(stack: Stack) -> dict[str, str]:
    with stack.api() as api:
        create_source(api, stack, "slowhb")
        src = wait_source(api, "slowhb")
        assert src["status"] == "ready", src

    async def names() -> dict[str, str]:
        async with mcp_client(stack) as client:
            return {"delay": await find_call_name(client, "slowhb", "GET", "/delay/{delay}", "delay"),
                    "anything": await find_call_name(client, "slowhb", "GET", "/anything/{anything}", "anything")}

    return anyio.run(names)


def _sse_events(lines) -> list:
    """Yields (monotonic time, message) for each data line of an SSE response."""
    for line in lines:
        if line.startswith("data:"):
            yield time.monotonic(), json.loads(line[5:].strip())


async def test_progress_notifications_arrive_while_execute_runs(stack: Stack, stream_frontend: str, slow_calls) -> None:
    code = f"""async () => {{
        for (const d of [1, 1, 1]) await codemode.{slow_calls['delay']}({{ params: {{ delay: d }} }});
        return 'slept';
    }}"""
    body = rpc("tools/call", {"name": "execute", "arguments": {"code": code}},
               meta=dict(META, progressToken="tok-7"))
    events = []
    keepalives = 0
    start = time.monotonic()
    with httpx.stream("POST", f"{stream_frontend}/mcp", headers=modern_headers(stack.token, "tools/call", "execute"),
                      json=body, timeout=60) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["x-accel-buffering"] == "no"
        for line in r.iter_lines():
            if line.startswith(":"):
                keepalives += 1
            elif line.startswith("data:"):
                events.append((time.monotonic() - start, json.loads(line[5:].strip())))
    progress = [(t, m["params"]) for t, m in events if m.get("method") == "notifications/progress"]
    final = [(t, m) for t, m in events if "result" in m]
    assert len(final) == 1 and events[-1][1] is final[0][1], "the response must end the stream"
    assert final[0][1]["result"]["structuredContent"]["result"] == "slept"
    assert len(progress) >= 7, progress  # started + 3 x (calling, finished)
    assert all(p["progressToken"] == "tok-7" for _, p in progress)
    values = [p["progress"] for _, p in progress]
    assert values == sorted(values) and len(set(values)) == len(values), values
    assert any("calling" in p.get("message", "") for _, p in progress)
    # Progress came during the run, not all at the end.
    assert final[0][0] - progress[1][0] > 1.5, [(round(t, 2), p.get("message")) for t, p in progress]
    assert keepalives >= 5, keepalives


async def test_closing_the_stream_cancels_the_run(stack: Stack, stream_frontend: str, slow_calls) -> None:
    marker = f"never-{int(time.time() * 1000)}"
    code = f"""async () => {{
        await codemode.{slow_calls['delay']}({{ params: {{ delay: 3 }} }});
        await codemode.{slow_calls['anything']}({{ params: {{ anything: '{marker}' }} }});
        return 'finished';
    }}"""
    body = rpc("tools/call", {"name": "execute", "arguments": {"code": code}}, meta=dict(META, progressToken=1))
    with httpx.stream("POST", f"{stream_frontend}/mcp", headers=modern_headers(stack.token, "tools/call", "execute"),
                      json=body, timeout=60) as r:
        assert r.status_code == 200
        for line in r.iter_lines():
            if line.startswith("data:") and "calling" in line:
                break  # the delay call is in flight: hang up
    time.sleep(6)  # longer than the run would have taken
    db = sqlite3.connect(f"file:{stack.data_dir / 'junction.sqlite'}?mode=ro", uri=True)
    rows = db.execute("SELECT status, durationMs, error FROM executions WHERE code LIKE ?", (f"%{marker}%",)).fetchall()
    db.close()
    assert rows, "the run left no execution log"
    status, duration, error = rows[0]
    assert status == "cancelled", rows
    assert duration < 3000, rows
    assert marker not in stack.procs["httpbin"].log_path.read_text(errors="replace"), "the call after the delay happened"


async def test_concurrent_run_cap_gives_a_clear_error(stack: Stack, stream_frontend: str, slow_calls) -> None:
    token = stack.admin_token("capped@example.com")
    slow = rpc("tools/call", {"name": "execute", "arguments": {"code": "async () => { const t = Date.now(); while (Date.now() - t < 2500) {} return 1; }"}})
    result: dict = {}

    def first() -> None:
        r = httpx.post(f"{stream_frontend}/mcp", headers=modern_headers(token, "tools/call", "execute"), json=slow, timeout=60)
        result["first"] = r.text

    t = threading.Thread(target=first)
    t.start()
    time.sleep(0.8)
    h = modern_headers(token, "tools/call", "execute") | {"Accept": "application/json"}
    r = httpx.post(f"{stream_frontend}/mcp", headers=h,
                   json=rpc("tools/call", {"name": "execute", "arguments": {"code": "async () => 2"}}, id=2), timeout=60)
    t.join()
    res = r.json()["result"]
    assert res["isError"] is True
    err = res["structuredContent"]["error"]
    assert err["name"] == "too_many_runs" and "JUNCTION_MAX_RUNS_PER_USER" in err["message"], err
    assert '"result":1' in result["first"].replace(" ", ""), result["first"][:500]


async def test_notifications_cancelled_on_another_instance_cancels_a_session_run(stack: Stack, stream_frontend: str, slow_calls) -> None:
    h = {"Authorization": f"Bearer {stack.token}", "Content-Type": "application/json", "Accept": "application/json, text/event-stream",
         "MCP-Protocol-Version": "2025-11-25"}
    r = httpx.post(stack.mcp_url, headers=h, json={"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "e2e", "version": "1"}}})
    assert r.status_code == 200
    h["Mcp-Session-Id"] = r.headers["mcp-session-id"]
    h["Accept"] = "application/json"
    marker = f"cancelled-by-notification-{int(time.time() * 1000)}"
    code = f"""async () => {{
        await codemode.{slow_calls['delay']}({{ params: {{ delay: 3 }} }});
        await codemode.{slow_calls['anything']}({{ params: {{ anything: '{marker}' }} }});
        return 'finished';
    }}"""
    answer: dict = {}

    def call() -> None:
        resp = httpx.post(stack.mcp_url, headers=h, timeout=60, json={
            "jsonrpc": "2.0", "id": 77, "method": "tools/call", "params": {"name": "execute", "arguments": {"code": code}}})
        answer["body"] = resp.json()

    t = threading.Thread(target=call)
    started = time.monotonic()
    t.start()
    time.sleep(1.0)
    # The notification goes to the other instance: the run is found through Redis.
    r = httpx.post(f"{stream_frontend}/mcp", headers=h, json={
        "jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 77, "reason": "user pressed stop"}})
    assert r.status_code == 202
    t.join(30)
    elapsed = time.monotonic() - started
    result = answer["body"]["result"]
    assert result["isError"] is True and result["structuredContent"]["error"]["name"] == "Cancelled", result
    assert elapsed < 3.0, f"the run was not stopped early ({elapsed:.1f} s)"
    time.sleep(1)
    db = sqlite3.connect(f"file:{stack.data_dir / 'junction.sqlite'}?mode=ro", uri=True)
    rows = db.execute("SELECT status FROM executions WHERE code LIKE ?", (f"%{marker}%",)).fetchall()
    db.close()
    assert rows == [("cancelled",)], rows
    assert marker not in stack.procs["httpbin"].log_path.read_text(errors="replace")


def test_revoked_token_is_refused_at_once_on_mcp(stack: Stack) -> None:
    with stack.api() as api:
        r = api.post("/api/v1/tokens", json={"name": "short-lived"})
        assert r.status_code == 201, r.text
        token, token_id = r.json()["token"], r.json()["id"]
        h = modern_headers(token, "tools/list")
        for _ in range(3):
            assert httpx.post(stack.mcp_url, headers=h, json=rpc("tools/list")).status_code == 200
        assert api.delete(f"/api/v1/tokens/{token_id}").status_code == 204
    # The token was just used (so the frontend holds its lookup), yet the very next request is refused.
    assert httpx.post(stack.mcp_url, headers=h, json=rpc("tools/list")).status_code == 401
    time.sleep(1.1)
    assert httpx.post(stack.mcp_url, headers=h, json=rpc("tools/list")).status_code == 401


# --------------------------------------------------------------------------- #
# 2025-11-25 sessions
# --------------------------------------------------------------------------- #

def test_sessions_are_their_owners_and_end_with_delete(stack: Stack, stream_frontend: str) -> None:
    """A session works on any instance for its owner only; another user's token, a
    made-up id and a deleted session get 404 -- for tools/call too, whose session is
    checked by the script that queues the run, so nothing runs."""
    other = stack.admin_token("session-other@example.com")

    def headers(token: str, session: str | None) -> dict[str, str]:
        h = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
             "Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-11-25"}
        if session:
            h["Mcp-Session-Id"] = session
        return h

    r = httpx.post(stack.mcp_url, headers=headers(stack.token, None), json={"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "e2e", "version": "1"}}})
    assert r.status_code == 200, r.text
    sid = r.headers["mcp-session-id"]
    marker = f"session-run-{int(time.time() * 1000)}"
    call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "execute", "arguments": {"code": f"async () => '{marker}'"}}}
    listing = {"jsonrpc": "2.0", "id": 3, "method": "tools/list"}
    for base in (stack.base_url, stream_frontend):
        r = httpx.post(f"{base}/mcp", headers=headers(stack.token, sid), json=listing)
        assert r.status_code == 200, r.text
        r = httpx.post(f"{base}/mcp", headers=headers(stack.token, sid), json=call, timeout=60)
        assert r.status_code == 200 and marker in r.text, r.text
    for token, session in ((other, sid), (stack.token, "mcps_made-up"), (stack.token, "x" * 300)):
        for body in (listing, call):
            r = httpx.post(stack.mcp_url, headers=headers(token, session), json=body, timeout=60)
            assert r.status_code == 404, (session[:20], body["method"], r.status_code, r.text)
            assert r.json()["error"]["message"] == "Session not found"
    with stack.api(other) as api:
        assert api.get("/api/v1/executions").json()["executions"] == [], "a refused session ran code"
    r = httpx.delete(f"{stream_frontend}/mcp", headers=headers(other, sid))
    assert r.status_code == 404, "another user cannot end the session"
    r = httpx.delete(f"{stream_frontend}/mcp", headers=headers(stack.token, sid))
    assert r.status_code == 204
    for body in (listing, call):
        r = httpx.post(stack.mcp_url, headers=headers(stack.token, sid), json=body, timeout=60)
        assert r.status_code == 404, r.text
