"""/mcp with real clients of both protocol generations, across two frontend instances.

- the MCP SDK 2.x in `auto` mode (negotiates 2026-07-28: server/discover, per-request
  _meta, no session) and in `legacy` mode (initialize + Mcp-Session-Id, 2025-11-25);
- the MCP SDK 1.x (streamablehttp_client, and the deprecated HTTP+SSE sse_client);
- the fastmcp CLI (`fastmcp list` / `fastmcp call`);
- statelessness: a second frontend instance against the same redis/db, and one client's
  requests alternating between the two (for legacy SSE: the stream on instance 1, every
  POST /messages on instance 2).
"""

from __future__ import annotations

import itertools
import json
import subprocess
import textwrap

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from helpers import tool_payload
from stack import Stack, venv_exe

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def second_frontend(stack: Stack) -> str:
    return stack.start_frontend("frontend-2")


class Alternating(httpx2.AsyncBaseTransport):
    """Sends each request to the next instance in turn (rewrites the port)."""

    def __init__(self, ports: list[int]) -> None:
        self.inner = httpx2.AsyncHTTPTransport()
        self.ports = itertools.cycle(ports)
        self.seen: list[tuple[int, str, str]] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        port = next(self.ports)
        request.url = request.url.copy_with(port=port)
        self.seen.append((port, request.method, request.headers.get("mcp-method", "")))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


async def _exercise(client: Client) -> dict:
    tools = await client.list_tools()
    assert sorted(t.name for t in tools.tools) == ["execute", "search"]
    result = await client.call_tool("execute", {"code": "async () => ({ sum: 20 + 22, hello: 'world' })"})
    assert not result.is_error, result.content[0].text
    return tool_payload(result)


async def test_sdk2_auto_mode_negotiates_2026_07_28(stack: Stack) -> None:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {stack.token}"}, timeout=httpx2.Timeout(30, read=60))
    async with http:
        async with Client(streamable_http_client(stack.mcp_url, http_client=http), mode="auto") as client:
            assert client.protocol_version == "2026-07-28"
            payload = await _exercise(client)
            assert payload["result"] == {"sum": 42, "hello": "world"}


async def test_sdk2_legacy_mode_uses_a_session(stack: Stack) -> None:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {stack.token}"}, timeout=httpx2.Timeout(30, read=60))
    async with http:
        async with Client(streamable_http_client(stack.mcp_url, http_client=http), mode="legacy") as client:
            assert client.protocol_version == "2025-11-25"
            assert (await _exercise(client))["result"]["sum"] == 42


@pytest.mark.parametrize("mode,version", [("auto", "2026-07-28"), ("legacy", "2025-11-25")])
async def test_one_client_alternating_between_two_instances(stack: Stack, second_frontend: str, mode: str, version: str) -> None:
    ports = [stack.frontend_port, _port(second_frontend)]
    transport = Alternating(ports)
    http = httpx2.AsyncClient(transport=transport, headers={"Authorization": f"Bearer {stack.token}"},
                              timeout=httpx2.Timeout(30, read=60))
    async with http:
        async with Client(streamable_http_client(stack.mcp_url, http_client=http), mode=mode) as client:
            assert client.protocol_version == version
            for i in range(3):
                tools = await client.list_tools()
                assert len(tools.tools) == 2
                result = await client.call_tool("execute", {"code": f"async () => {i} * 2"})
                assert tool_payload(result)["result"] == i * 2
    used = {port for port, _, _ in transport.seen}
    assert used == set(ports), f"requests did not reach both instances: {transport.seen}"
    methods_by_port = {p: [m for q, _, m in transport.seen if q == p] for p in ports}
    print("requests per instance:", methods_by_port)


MCP1_CLIENT = textwrap.dedent('''
    import anyio, json, sys, httpx
    from mcp import ClientSession
    from mcp.client.streamable_http import streamablehttp_client
    from mcp.client.sse import sse_client

    kind, url, token, post_port = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    headers = {"Authorization": f"Bearer {token}"}
    posts = []

    class PostsElsewhere(httpx.AsyncHTTPTransport):
        """The SSE stream stays where it was opened; every POST goes to post_port."""
        async def handle_async_request(self, request):
            if request.method == "POST" and post_port != "0":
                request.url = request.url.copy_with(port=int(post_port))
                posts.append(request.url.port)
            return await super().handle_async_request(request)

    def factory(headers=None, timeout=None, auth=None):
        return httpx.AsyncClient(headers=headers, timeout=timeout, auth=auth, transport=PostsElsewhere())

    async def main():
        if kind == "sse":
            ctx = sse_client(url, headers=headers, httpx_client_factory=factory)
        else:
            ctx = streamablehttp_client(url, headers=headers)
        async with ctx as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                init = await session.initialize()
                tools = await session.list_tools()
                result = await session.call_tool("execute", {"code": "async () => [1, 2, 3].map(x => x * 7)"})
                print(json.dumps({"version": init.protocolVersion, "tools": sorted(t.name for t in tools.tools),
                                  "isError": result.isError, "structured": result.structuredContent, "posts": posts}))

    anyio.run(main)
''')


def _mcp1(kind: str, url: str, token: str, post_port: int = 0) -> dict:
    r = subprocess.run([venv_exe("mcp1", "python"), "-c", MCP1_CLIENT, kind, url, token, str(post_port)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"mcp 1.x {kind} client failed:\n{r.stdout}\n{r.stderr[-3000:]}"
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_mcp1_streamable_http_client(stack: Stack) -> None:
    out = _mcp1("http", stack.mcp_url, stack.token)
    assert out["version"] in ("2025-11-25", "2025-06-18", "2025-03-26")
    assert out["tools"] == ["execute", "search"]
    assert out["isError"] is False and out["structured"]["result"] == [7, 14, 21]


def test_mcp1_legacy_sse_client_with_posts_on_another_instance(stack: Stack, second_frontend: str) -> None:
    out = _mcp1("sse", f"{stack.base_url}/sse", stack.token, post_port=_port(second_frontend))
    assert out["tools"] == ["execute", "search"]
    assert out["isError"] is False and out["structured"]["result"] == [7, 14, 21]
    # initialize, notifications/initialized, tools/list, tools/call: all on instance 2.
    assert len(out["posts"]) >= 4 and set(out["posts"]) == {_port(second_frontend)}


def test_mcp1_legacy_sse_client_same_instance(stack: Stack) -> None:
    out = _mcp1("sse", f"{stack.base_url}/sse", stack.token)
    assert out["structured"]["result"] == [7, 14, 21]


def _fastmcp(*args: str) -> object:
    r = subprocess.run([venv_exe("fastmcp", "fastmcp"), *args], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"fastmcp {' '.join(args[:2])} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return json.loads(r.stdout)


def test_fastmcp_cli_lists_and_calls(stack: Stack) -> None:
    listed = _fastmcp("list", stack.mcp_url, "--json", "--auth", stack.token)
    text = json.dumps(listed)
    assert '"execute"' in text and '"search"' in text, text[:2000]
    called = _fastmcp("call", stack.mcp_url, "execute", "code=async () => 'from fastmcp ' + (6 * 7)", "--json", "--auth", stack.token)
    assert "from fastmcp 42" in json.dumps(called), json.dumps(called)[:2000]
