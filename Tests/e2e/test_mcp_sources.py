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
    s = Stack(workdir=tmp_path_factory.mktemp("junction-mcp"), with_httpbin=False, execute_timeout_ms=20000,
              extra_env={"JUNCTION_UPSTREAM_TIMEOUT_MS": "2000", "JUNCTION_UPSTREAM_MAX_BYTES": "1000000",
                         "JUNCTION_LOG_LEVEL": "info"})
    s.start()
    try:
        yield s
    finally:
        s.stop()


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
    assert r["doc"] == {"type": "resource", "uri": "file:///notes.txt", "mimeType": "text/plain", "text": "hello notes"}, r
    assert r["progress"] in ("done after 4 steps", {"result": "done after 4 steps"}), r

    # isError throws inside the sandbox with the upstream message
    ok, payload = await execute(mstack, """async () => {
        try { await codemode.fm_fail({message: "boom-17"}); return "no error"; }
        catch (e) { return "caught: " + e.message; }
    }""")
    assert ok, payload
    assert payload["result"].startswith("caught:") and "boom-17" in payload["result"], payload
