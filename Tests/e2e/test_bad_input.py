"""Bad input of every kind gets a clear error, and the server keeps serving.

The last test of this file checks a normal execute still works after all the
others (pytest runs a file's tests in the order they are written).
"""

from __future__ import annotations

import anyio
import httpx
import pytest
from mcp import MCPError

from helpers import create_source, mcp_client, run_code, wait_source
from stack import Stack, mcp_headers, parse_mcp_body

pytestmark = pytest.mark.anyio


def assert_error_body(r: httpx.Response) -> dict:
    """The management API's error shape: {"error": {"code": "...", "message": "..."}}."""
    body = r.json()
    assert isinstance(body.get("error"), dict), f"not an error body: {r.text}"
    assert isinstance(body["error"].get("code"), str) and body["error"]["code"], r.text
    assert isinstance(body["error"].get("message"), str) and body["error"]["message"], r.text
    return body["error"]


def test_malformed_json_rpc_is_parse_error(stack: Stack) -> None:
    r = httpx.post(stack.mcp_url, content=b"{", headers=mcp_headers(stack.token), timeout=30)
    assert r.status_code in (200, 400), f"HTTP {r.status_code}: {r.text}"
    msg = parse_mcp_body(r)
    assert msg.get("jsonrpc") == "2.0", msg
    assert msg["error"]["code"] == -32700, msg
    assert msg.get("id") is None, msg


def test_not_json_rpc_is_rejected(stack: Stack) -> None:
    r = httpx.post(stack.mcp_url, json={"hello": "world"}, headers=mcp_headers(stack.token), timeout=30)
    assert r.status_code in (200, 400), f"HTTP {r.status_code}: {r.text}"
    msg = parse_mcp_body(r)
    assert msg["error"]["code"] in (-32600, -32700), msg


async def test_unknown_tool_is_an_error(stack: Stack) -> None:
    async with mcp_client(stack) as client:
        try:
            result = await client.call_tool("no_such_tool", {"code": "async () => 1"})
        except MCPError as e:
            assert e.code == -32602 or e.code < 0, e
            assert e.message
        else:
            assert result.is_error, f"unknown tool did not fail: {result}"
            assert result.content and result.content[0].text


async def test_code_that_throws_is_error_with_message(stack: Stack) -> None:
    async with mcp_client(stack) as client:
        result = await client.call_tool("execute", {"code": 'async () => { throw new Error("boom-4711"); }'})
        assert result.is_error is True, f"throwing code did not report isError: {result}"
        assert "boom-4711" in result.content[0].text, result.content[0].text

        result = await client.call_tool("execute", {"code": "this is not ( valid javascript"})
        assert result.is_error is True, f"a syntax error did not report isError: {result}"
        assert result.content and result.content[0].text


async def test_execute_without_code_argument_is_error(stack: Stack) -> None:
    async with mcp_client(stack) as client:
        try:
            result = await client.call_tool("execute", {})
        except MCPError as e:
            assert e.code < 0 and e.message
        else:
            assert result.is_error, f"execute without code did not fail: {result}"


async def test_runaway_code_is_stopped_by_the_time_limit(stack: Stack) -> None:
    # The e2e stack runs with JUNCTION_EXECUTE_TIMEOUT_MS=5000 (conftest.py).
    async with mcp_client(stack) as client:
        with anyio.fail_after(60):
            result = await client.call_tool("execute", {"code": "async () => { while (true) {} }"})
        assert result.is_error is True, f"an endless loop did not fail: {result}"
        assert result.content and result.content[0].text
        payload = await run_code(client, "execute", "async () => 7")
        assert payload["result"] == 7


async def test_sandbox_has_no_network_or_env(stack: Stack) -> None:
    code = """async () => {
      const out = {};
      try { const r = await fetch("%s/get?from=sandbox"); out.fetch = "status " + r.status; }
      catch (e) { out.fetch = "denied: " + e.name; }
      try { out.env = Object.keys(Deno.env.toObject()).length; } catch (e) { out.env = "denied: " + e.name; }
      try { await Deno.readTextFile("/etc/hostname"); out.read = "read"; } catch (e) { out.read = "denied: " + e.name; }
      return out;
    }""" % stack.httpbin_url
    async with mcp_client(stack) as client:
        payload = await run_code(client, "execute", code)
    out = payload["result"]
    assert str(out["fetch"]).startswith("denied"), f"the sandbox reached the network: {out}"
    assert str(out["env"]).startswith("denied"), f"the sandbox read the environment: {out}"
    assert str(out["read"]).startswith("denied"), f"the sandbox read a file: {out}"
    assert "from=sandbox" not in stack.procs["httpbin"].log_path.read_text()


def test_spec_url_404_sets_status_error(stack: Stack, api: httpx.Client) -> None:
    create_source(api, stack, "bad404", spec_path="/status/404")
    src = wait_source(api, "bad404")
    assert src["status"] == "error", src
    assert "404" in (src.get("lastError") or ""), f"lastError does not mention 404: {src}"


def test_spec_url_html_sets_status_error(stack: Stack, api: httpx.Client) -> None:
    create_source(api, stack, "badhtml", spec_path="/html")
    src = wait_source(api, "badhtml")
    assert src["status"] == "error", src
    assert src.get("lastError"), src


def test_refresh_unknown_source_is_404(api: httpx.Client) -> None:
    r = api.post("/api/v1/sources/nope/refresh")
    assert r.status_code == 404, f"HTTP {r.status_code}: {r.text}"
    assert_error_body(r)
    r = api.get("/api/v1/sources/nope")
    assert r.status_code == 404, f"HTTP {r.status_code}: {r.text}"
    assert_error_body(r)


def test_invalid_source_body_is_4xx(api: httpx.Client) -> None:
    r = api.post("/api/v1/sources", content=b"{", headers={"Content-Type": "application/json"})
    assert 400 <= r.status_code < 500, f"HTTP {r.status_code}: {r.text}"
    assert_error_body(r)
    r = api.post("/api/v1/sources", json={"slug": "x"})  # no type, no URLs
    assert 400 <= r.status_code < 500, f"HTTP {r.status_code}: {r.text}"
    assert_error_body(r)


@pytest.mark.parametrize("auth", [None, "Bearer not-a-real-token", "Basic dXNlcjpwYXNz"])
def test_missing_or_invalid_token_is_401(stack: Stack, auth: str | None) -> None:
    headers = {"Authorization": auth} if auth else {}
    r = httpx.get(f"{stack.base_url}/api/v1/sources", headers=headers, timeout=30)
    assert r.status_code == 401, f"GET /api/v1/sources with {auth!r}: HTTP {r.status_code}: {r.text}"
    init = {
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "e2e", "version": "0"}},
    }
    h = mcp_headers(None)
    h.update(headers)
    r = httpx.post(stack.mcp_url, json=init, headers=h, timeout=30)
    assert r.status_code == 401, f"POST /mcp with {auth!r}: HTTP {r.status_code}: {r.text}"


async def test_mcp_sdk_with_invalid_token_fails(stack: Stack) -> None:
    # The SDK reports the 401 as an error (an MCPError inside an ExceptionGroup in 2.3.0).
    with anyio.fail_after(60), pytest.raises(Exception):
        async with mcp_client(stack, token="wrong-token") as client:
            await client.list_tools()


async def test_zz_still_serves_normal_execute_after_bad_input(stack: Stack) -> None:
    dead = stack.check_alive()
    assert dead == [], f"processes exited: {dead}"
    async with mcp_client(stack) as client:
        payload = await run_code(client, "execute", "async () => { console.log('still here'); return 40 + 2; }")
        assert payload["result"] == 42
        assert any("still here" in str(line) for line in payload["logs"]), payload
