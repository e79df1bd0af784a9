"""MCP sources end to end: register remote MCP servers, call their tools through `execute`.

A stack of its own (short per-call timeout, 1 MB response cap) and real upstreams:
FastMCP over Streamable HTTP and over SSE, the official SDK's MCPServer, FastMCP with
a static bearer token, and mcp-proxy in front of mcp-server-time and mcp-server-git
(mcp 1.x, initialize handshake and legacy SSE).
"""

import json
import re
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from helpers import mcp_client, wait_source
from stack import Stack, free_port, venv_exe

pytestmark = pytest.mark.anyio

FIXTURE = str(Path(__file__).parent / "mcp_fixture_server.py")
TOKEN = "fixture-static-token-7f3a"


@pytest.fixture(scope="module")
def mstack(tmp_path_factory: pytest.TempPathFactory):
    with Stack(workdir=tmp_path_factory.mktemp("junction-mcp"), with_httpbin=False, execute_timeout_ms=20000,
               extra_env={"JUNCTION_UPSTREAM_TIMEOUT_MS": "2000", "JUNCTION_UPSTREAM_MAX_BYTES": "1000000",
                          "JUNCTION_LOG_LEVEL": "info"}) as s:
        yield s


@pytest.fixture(scope="module")
def mapi(mstack: Stack):
    with mstack.api() as client:
        yield client


def fixture_server(stack: Stack, name: str, *extra: str, transport: str = "http") -> str:
    """Start the FastMCP fixture; return its base URL (http://127.0.0.1:N)."""
    port = free_port()
    stack.start_upstream(name, [venv_exe("fastmcp", "python"), FIXTURE, "--transport", transport, "--port", str(port), *extra], port)
    return f"http://127.0.0.1:{port}"


def register(api: httpx.Client, slug: str, url: str, auth: dict | None = None, status: str = "ready") -> dict:
    r = api.post("/api/v1/sources", json={"slug": slug, "type": "mcp", "name": slug, "baseUrl": url,
                                          "auth": auth or {"type": "none"}})
    assert r.status_code == 201, r.text
    src = wait_source(api, slug, timeout=60)
    assert src["status"] == status, f"source {slug}: {src}"
    return src


async def execute(stack: Stack, code: str) -> tuple[bool, dict]:
    async with mcp_client(stack) as client:
        result = await client.call_tool("execute", {"code": code})
        payload = result.structured_content or json.loads(result.content[0].text)
        return (not result.is_error), payload


def worker_log(stack: Stack) -> str:
    return stack.procs["worker"].log_path.read_text(errors="replace")


async def test_fastmcp_streamable_http_results_are_mapped(mstack: Stack, mapi) -> None:
    base = fixture_server(mstack, "fastmcp-http")
    src = register(mapi, "fm", base + "/mcp")
    assert src["entryCount"] == 17, src

    # search shows the tool and its annotations in the declaration
    async with mcp_client(mstack) as client:
        result = await client.call_tool("search", {"code": 'async () => await codemode.describe("fm_add")'})
        described = result.structured_content["result"]
        assert "@readOnly" in described["declaration"] and "@idempotent" in described["declaration"], described
        assert described["kind"] == "tool"

    ok, payload = await execute(mstack, """async () => ({
        add: await codemode.fm_add({a: 2, b: 40}),
        echo: await codemode.fm_echo({text: "hi there"}),
        jsonText: await codemode.fm_json_text({}),
        weather: await codemode.fm_weather({city: "Oslo"}),
        pixel: await codemode.fm_pixel(),
        doc: await codemode.fm_doc({}),
        progress: await codemode.fm_slow_progress({steps: 4}),
    })""")
    assert ok, payload
    r = payload["result"]
    assert r["add"] in (42, {"result": 42}), r
    assert r["echo"] in ("hi there", {"result": "hi there"}), r
    assert r["jsonText"] in ({"kind": "json-text", "items": [1, 2, 3]}, {"result": json.dumps({"kind": "json-text", "items": [1, 2, 3]})}), r
    assert r["weather"] == {"city": "Oslo", "tempC": 21.5}, r
    assert r["pixel"][0] == "a pixel" and r["pixel"][1]["type"] == "image" and r["pixel"][1]["mimeType"] == "image/png", r
    # Issue 13: a returned resource handle becomes an EmbeddedResource block; the JSON says where.
    assert {k: r["doc"].get(k) for k in ("type", "uri", "mimeType", "bytes", "attached")} == {
        "type": "resource", "uri": "file:///notes.txt", "mimeType": "text/plain", "bytes": 11,
        "attached": "content block 1 after this JSON text"}, r
    assert r["progress"] in ("done after 4 steps", {"result": "done after 4 steps"}), r

    # isError throws inside the sandbox with the upstream message
    ok, payload = await execute(mstack, """async () => {
        try { await codemode.fm_fail({message: "boom-17"}); return "no error"; }
        catch (e) { return "caught: " + e.message; }
    }""")
    assert ok, payload
    assert payload["result"].startswith("caught:") and "boom-17" in payload["result"], payload


async def test_session_reuse_no_handshake_after_first(mstack: Stack, mapi) -> None:
    base = fixture_server(mstack, "fastmcp-reuse")
    register(mapi, "fr", base + "/mcp")
    before = httpx.get(base + "/stats").json()
    for _ in range(2):  # two runs, ten calls each
        ok, payload = await execute(mstack, """async () => {
            let s = 0; for (let i = 0; i < 10; i++) { const r = await codemode.fr_add({a: i, b: 1}); s += r.result ?? r; } return s; }""")
        assert ok and payload["result"] == 55, payload
    after = httpx.get(base + "/stats").json()
    assert after["tools/call"] - before["tools/call"] == 20, after
    # 2026-07-28 is stateless and remembered from the refresh: no handshake at all in the worker.
    assert after["initialize"] == before["initialize"] and after["server/discover"] == before["server/discover"], (before, after)


async def test_sdk_mcpserver_streamable_http(mstack: Stack, mapi) -> None:
    port = free_port()
    mstack.start_upstream("sdk-http", [venv_exe("fastmcp", "python"), FIXTURE, "--sdk", "--transport", "http", "--port", str(port)], port)
    src = register(mapi, "sdk", f"http://127.0.0.1:{port}/mcp")
    assert src["entryCount"] == 17, src
    ok, payload = await execute(mstack, """async () => [await codemode.sdk_add({a: 1, b: 2}), await codemode.sdk_weather({city: "Rome"})]""")
    assert ok, payload
    assert payload["result"][1] == {"city": "Rome", "tempC": 21.5}, payload


async def test_fastmcp_over_legacy_sse_is_detected(mstack: Stack, mapi) -> None:
    base = fixture_server(mstack, "fastmcp-sse", transport="sse")
    register(mapi, "fsse", base + "/sse")
    ok, payload = await execute(mstack, """async () => [await codemode.fsse_echo({text: "over sse"}),
        await codemode.fsse_weather({city: "Lima"}), await codemode.fsse_slow_progress({steps: 3})]""")
    assert ok, payload
    r = payload["result"]
    assert r[0] in ("over sse", {"result": "over sse"}) and r[1] == {"city": "Lima", "tempC": 21.5}, r
    # the next run reuses the stream: one session opened for fsse in the worker log
    ok, payload = await execute(mstack, """async () => await codemode.fsse_add({a: 5, b: 5})""")
    assert ok, payload
    opened = [l for l in worker_log(mstack).splitlines() if "MCP session opened" in l and "fsse" in l]
    assert len(opened) == 1, opened


async def test_mcp_proxy_time_and_git_legacy_servers(mstack: Stack, mapi, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "README").write_text("hello\n")
    subprocess.run(["git", "-C", str(repo), "add", "README"], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "first commit"], check=True)
    port = free_port()
    mstack.start_upstream("mcp-proxy", [
        venv_exe("mcp1", "mcp-proxy"), "--host", "127.0.0.1", "--port", str(port),
        "--named-server", "time", f"{venv_exe('mcp1', 'mcp-server-time')} --local-timezone UTC",
        "--named-server", "git", f"{venv_exe('mcp1', 'mcp-server-git')} --repository {repo}",
    ], port)
    base = f"http://127.0.0.1:{port}"
    register(mapi, "tm", base + "/servers/time/mcp")          # Streamable HTTP, initialize handshake
    src = register(mapi, "git", base + "/servers/git/sse")     # legacy HTTP+SSE
    assert src["entryCount"] >= 10, src
    # Tool names that already start with the slug are not prefixed again (git_log, not git_git_log).
    ok, payload = await execute(mstack, f"""async () => ({{
        now: await codemode.tm_get_current_time({{timezone: "UTC"}}),
        conv: await codemode.tm_convert_time({{source_timezone: "UTC", time: "12:00", target_timezone: "Asia/Tokyo"}}),
        log: await codemode.git_log({{repo_path: {json.dumps(str(repo))}, max_count: 5}}),
        status: await codemode.git_status({{repo_path: {json.dumps(str(repo))}}}),
    }})""")
    assert ok, payload
    r = payload["result"]
    assert r["now"]["timezone"] == "UTC", r
    assert r["conv"]["target"]["timezone"] == "Asia/Tokyo", r
    assert "first commit" in json.dumps(r["log"]), r
    assert "branch" in json.dumps(r["status"]).lower(), r
    # a second run reuses both sessions
    ok, payload = await execute(mstack, 'async () => await codemode.tm_get_current_time({timezone: "UTC"})')
    assert ok, payload
    log = worker_log(mstack).splitlines()
    assert len([l for l in log if "MCP session opened" in l and "source=tm" in l]) == 1
    assert len([l for l in log if "MCP session opened" in l and "source=git" in l]) == 1


async def test_static_bearer_token(mstack: Stack, mapi) -> None:
    base = fixture_server(mstack, "fastmcp-bearer", "--token", TOKEN)
    denied = register(mapi, "nobearer", base + "/mcp", status="error")
    assert "credentials" in (denied["lastError"] or ""), denied
    register(mapi, "bearer", base + "/mcp", auth={"type": "bearer", "secret": TOKEN})
    register(mapi, "hdr", base + "/mcp", auth={"type": "header", "headerName": "Authorization", "secret": f"Bearer {TOKEN}"})
    ok, payload = await execute(mstack, "async () => [await codemode.bearer_add({a: 1, b: 1}), await codemode.hdr_add({a: 2, b: 2})]")
    assert ok, payload
    assert TOKEN not in json.dumps(payload)
    assert TOKEN not in mapi.get("/api/v1/sources").text


# --------------------------------------------------------------------------- #
# a hand-written upstream that misbehaves on purpose
# --------------------------------------------------------------------------- #

def start_bad_server() -> tuple[str, "object"]:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    tools = [{"name": n, "inputSchema": {"type": "object"}} for n in ("garbage", "drop", "ok")]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):  # quiet
            pass

        def _json(self, obj, status=200):
            body = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            msg = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            rid, method = msg.get("id"), msg.get("method")
            if method == "server/discover":
                return self._json({"jsonrpc": "2.0", "id": rid, "result": {"resultType": "complete", "supportedVersions": ["2026-07-28"],
                                   "capabilities": {"tools": {}}, "ttlMs": 0, "cacheScope": "public"}})
            if method == "tools/list":
                return self._json({"jsonrpc": "2.0", "id": rid, "result": {"resultType": "complete", "tools": tools}})
            name = msg["params"]["name"]
            if name == "garbage":
                body = b"<html>this is not json{"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            elif name == "drop":
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                note = {"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progressToken": 1, "progress": 1}}
                self.wfile.write(f"event: message\ndata: {json.dumps(note)}\n\n".encode())
                self.wfile.write(b'event: message\ndata: {"jsonrpc": "2.0", "id": ')
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
            else:
                self._json({"jsonrpc": "2.0", "id": rid, "result": {"resultType": "complete", "content": [{"type": "text", "text": "fine"}]}})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/mcp", server


async def test_misbehaving_upstreams_fail_clearly_and_worker_stays_healthy(mstack: Stack, mapi) -> None:
    url, server = start_bad_server()
    try:
        register(mapi, "bad", url)
        base = fixture_server(mstack, "fastmcp-limits")
        register(mapi, "lim", base + "/mcp")
        ok, payload = await execute(mstack, """async () => {
            const out = {};
            for (const [k, f] of [["garbage", () => codemode.bad_garbage({})], ["drop", () => codemode.bad_drop({})],
                                  ["hang", () => codemode.lim_hang({seconds: 30})], ["huge", () => codemode.lim_huge({megabytes: 10})]]) {
                const t = Date.now();
                try { await f(); out[k] = "no error"; } catch (e) { out[k] = e.message; }
                out[k + "Ms"] = Date.now() - t;
            }
            out.after = await codemode.bad_ok({});
            return out;
        }""")
        assert ok, payload
        r = payload["result"]
        assert "not JSON" in r["garbage"], r
        assert "ended the stream" in r["drop"] or "closed" in r["drop"], r
        assert "did not answer" in r["hang"] and r["hangMs"] < 5000, r
        assert "larger than the limit" in r["huge"], r
        assert r["after"] == "fine", r
        # the worker is alive and still serves the healthy upstream
        assert "worker" not in mstack.check_alive()
        ok, payload = await execute(mstack, "async () => await codemode.lim_add({a: 20, b: 22})")
        assert ok and payload["result"] in (42, {"result": 42}), payload
    finally:
        server.shutdown()
