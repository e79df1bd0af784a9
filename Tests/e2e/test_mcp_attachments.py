"""Issue 13: images, audio and resources of upstream MCP tools reach the client as MCP
content blocks of that kind, never as base64 inside the JSON text.

A stack of its own (attachment limits lowered to 5 blocks / 300,000 bytes per run) and a
real FastMCP upstream (`mcp_media_server.py`) registered as source `media`. The official
MCP SDK 2.x client calls `execute` in 2026-07-28 (`auto`) and 2025-11-25 (`legacy`)
mode; raw HTTP checks 2025-03-26, the MCP SDK 1.x client the legacy HTTP+SSE transport.
The attempts at the boundary (refs of other runs and users, forged handles, limits,
bytes left in Redis) are numbered A1-A5; each also checks that another user is served.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import AudioContent, BlobResourceContents, EmbeddedResource, ImageContent, ResourceLink, TextContent, TextResourceContents

from helpers import tool_payload, wait_source
from stack import Stack, free_port, venv_exe

sys.path.insert(0, str(Path(__file__).parent))
from mcp_media_server import payload  # noqa: E402

pytestmark = pytest.mark.anyio

SERVER = str(Path(__file__).parent / "mcp_media_server.py")
MAX_COUNT = 5
MAX_BYTES = 300_000
MODES = [("auto", "2026-07-28"), ("legacy", "2025-11-25")]


@pytest.fixture(scope="module")
def astack(tmp_path_factory: pytest.TempPathFactory):
    env = {"JUNCTION_MAX_ATTACHMENTS_PER_RUN": str(MAX_COUNT), "JUNCTION_MAX_ATTACHMENT_BYTES_PER_RUN": str(MAX_BYTES)}
    with Stack(workdir=tmp_path_factory.mktemp("junction-attach"), with_httpbin=False, execute_timeout_ms=20000, extra_env=env) as s:
        port = free_port()
        s.start_upstream("media", [venv_exe("fastmcp", "python"), SERVER, "--port", str(port)], port)
        with s.api() as api:
            r = api.post("/api/v1/sources", json={"slug": "media", "type": "mcp", "name": "media", "baseUrl": f"http://127.0.0.1:{port}/mcp",
                                                  "auth": {"type": "none"}})
            assert r.status_code == 201, r.text
            assert wait_source(api, "media", timeout=60)["status"] == "ready"
        s.other_token = s.admin_token("someone-else@example.com")
        yield s


def client(stack: Stack, mode: str, token: str | None = None):
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token or stack.token}"}, timeout=httpx2.Timeout(30, read=60))
    return http, Client(streamable_http_client(stack.mcp_url, http_client=http), mode=mode, read_timeout_seconds=60)


async def call(stack: Stack, code: str, mode: str = "auto", token: str | None = None):
    http, c = client(stack, mode, token)
    async with http, c:
        return await c.call_tool("execute", {"code": code})


async def other_user_is_served(stack: Stack) -> None:
    result = await call(stack, "async () => 6 * 7", token=stack.other_token)
    assert not result.is_error and tool_payload(result)["result"] == 42


def b64(kind: str, size: int) -> str:
    return base64.b64encode(payload(kind, size)).decode()


EVERYTHING = """async () => {
  const shot = await codemode.media_snapshot({kilobytes: 20});
  const clip = await codemode.media_recording();
  const [pdf, summary] = await codemode.media_report();
  return {
    caption: shot[0], image: shot[1], clip, pdf, summary, summaryText: summary.text,
    // what the sandbox itself held: handles, no bytes
    sandboxView: { keys: Object.keys(shot[1]).sort(), chars: JSON.stringify([shot, clip, pdf]).length, hasData: "data" in shot[1] },
  };
}"""


@pytest.mark.parametrize("mode,version", MODES)
async def test_image_audio_and_resources_arrive_as_real_content_blocks(astack: Stack, mode: str, version: str) -> None:
    http, c = client(astack, mode)
    async with http, c:
        assert c.protocol_version == version
        result = await c.call_tool("execute", {"code": EVERYTHING})
    assert not result.is_error, result.content[0].text
    text, *blocks = result.content
    assert isinstance(text, TextContent)
    out = tool_payload(result)["result"]
    # Keys sorted: clip (1), image (2), pdf (3), summary (4).
    assert [type(b) for b in blocks] == [AudioContent, ImageContent, EmbeddedResource, EmbeddedResource], blocks
    audio, image, pdf, summary = blocks
    assert image.mime_type == "image/png" and base64.b64decode(image.data) == payload("image", 20 * 1024)
    assert audio.mime_type == "audio/wav" and base64.b64decode(audio.data) == payload("audio", 3000)
    assert isinstance(pdf.resource, BlobResourceContents) and str(pdf.resource.uri) == "file:///report.pdf"
    assert pdf.resource.mime_type == "application/pdf" and base64.b64decode(pdf.resource.blob) == payload("pdf", 5000)
    assert isinstance(summary.resource, TextResourceContents) and summary.resource.text == "# Summary\nAll good."
    # The model's text says where each block went, and holds no bytes.
    assert out["clip"]["attached"] == "content block 1 after this JSON text"
    assert out["image"] == {"type": "image", "mimeType": "image/png", "bytes": 20 * 1024, "ref": out["image"]["ref"],
                            "attached": "content block 2 after this JSON text"}
    assert out["pdf"]["attached"] == "content block 3 after this JSON text" and out["pdf"]["bytes"] == 5000
    assert out["summary"]["attached"] == "content block 4 after this JSON text" and "text" not in out["summary"]
    assert out["summaryText"] == "# Summary\nAll good." and out["caption"] == "snapshot of 20480 bytes"
    assert out["sandboxView"]["keys"] == ["bytes", "mimeType", "ref", "type"] and out["sandboxView"]["hasData"] is False
    assert out["sandboxView"]["chars"] < 1000, out["sandboxView"]
    assert b64("image", 20 * 1024)[:200] not in text.text and len(text.text) < 2500, len(text.text)
    # Measured: what the model reads as text, against base64 inside the JSON (the old shape).
    old = len(json.dumps({"type": "image", "mimeType": "image/png", "data": b64("image", 20 * 1024)}))
    print(f"\n[{version}] text block {len(text.text)} chars for 4 blocks; a 20 KiB image as base64 JSON alone: {old} chars "
          f"(over the 24,000-char result cap)")


@pytest.mark.parametrize("mode,version", MODES)
async def test_json_text_is_parsed_structured_content_kept_and_links_forwarded(astack: Stack, mode: str, version: str) -> None:
    result = await call(astack, """async () => {
      const chart = await codemode.media_chart();
      return { stats: await codemode.media_stats(), motd: await codemode.media_motd(), points: chart.points,
               chart: chart._content[0], link: await codemode.media_link() };
    }""", mode=mode)
    assert not result.is_error, result.content[0].text
    out = tool_payload(result)["result"]
    assert out["stats"] == {"visits": 42, "pages": ["a", "b"]}, "JSON text is parsed"
    assert out["motd"] == "hello, not JSON", "other text stays text"
    assert out["points"] == [1, 4, 9], "structuredContent is the value; the image next to it is under _content"
    assert out["link"]["uri"] == "https://files.example.com/big.pdf" and out["link"]["attached"] == "content block 2 after this JSON text"
    _, chart, link = result.content
    assert isinstance(chart, ImageContent) and base64.b64decode(chart.data) == payload("chart", 800)
    assert isinstance(link, ResourceLink) and str(link.uri) == "https://files.example.com/big.pdf" and link.name == "big.pdf"
    assert link.size == 123456 and link.mime_type == "application/pdf"


async def test_tool_errors_still_throw_and_failed_runs_attach_nothing(astack: Stack) -> None:
    result = await call(astack, """async () => { await codemode.media_snapshot(); throw new Error("after the image"); }""")
    assert result.is_error and len(result.content) == 1
    assert "after the image" in result.content[0].text


def handshake(stack: Stack, version: str, code: str) -> dict:
    """A raw 2025-03-26-style exchange: no MCP-Protocol-Version header after initialize."""
    headers = {"Authorization": f"Bearer {stack.token}", "Accept": "application/json, text/event-stream"}
    with httpx.Client(base_url=stack.base_url, headers=headers, timeout=60) as h:
        r = h.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "initialize",
                                 "params": {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}})
        assert r.status_code == 200 and r.json()["result"]["protocolVersion"] == version, r.text
        session = {"Mcp-Session-Id": r.headers["mcp-session-id"]}
        h.post("/mcp", headers=session, json={"jsonrpc": "2.0", "method": "notifications/initialized"})
        r = h.post("/mcp", headers={**session, "Accept": "application/json"},
                   json={"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "execute", "arguments": {"code": code}}})
        assert r.status_code == 200, r.text
        return r.json()["result"]


def test_2025_03_26_gets_audio_and_a_link_as_text(astack: Stack) -> None:
    res = handshake(astack, "2025-03-26", "async () => [await codemode.media_recording(), await codemode.media_link()]")
    kinds = [b["type"] for b in res["content"]]
    assert kinds == ["text", "audio", "text"], kinds
    assert base64.b64decode(res["content"][1]["data"]) == payload("audio", 3000)
    assert "https://files.example.com/big.pdf" in res["content"][2]["text"] and "The big report" in res["content"][2]["text"]


MCP1_SSE = textwrap.dedent('''
    import anyio, base64, hashlib, json, sys
    from mcp import ClientSession
    from mcp.client.sse import sse_client

    async def main():
        async with sse_client(sys.argv[1], headers={"Authorization": f"Bearer {sys.argv[2]}"}) as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                await session.initialize()
                r = await session.call_tool("execute", {"code": sys.argv[3]})
                out = []
                for b in r.content:
                    d = b.model_dump(mode="json")
                    raw = d.get("data") or (d.get("resource") or {}).get("blob")
                    out.append({"type": d["type"], "mimeType": d.get("mimeType") or (d.get("resource") or {}).get("mimeType"),
                                "sha256": hashlib.sha256(base64.b64decode(raw)).hexdigest() if raw else None})
                print(json.dumps({"isError": r.isError, "blocks": out}))

    anyio.run(main)
''')


def test_legacy_sse_transport_gets_the_blocks_audio_as_a_blob_resource(astack: Stack) -> None:
    code = "async () => [await codemode.media_snapshot(), await codemode.media_recording()]"
    r = subprocess.run([venv_exe("mcp1", "python"), "-c", MCP1_SSE, f"{astack.base_url}/sse", astack.token, code],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["isError"] is False
    sha = lambda kind, n: hashlib.sha256(payload(kind, n)).hexdigest()  # noqa: E731
    assert out["blocks"][1:] == [{"type": "image", "mimeType": "image/png", "sha256": sha("image", 2048)},
                                 {"type": "resource", "mimeType": "audio/wav", "sha256": sha("audio", 3000)}], out


# ----------------------------------------------------------------------------- attempts

async def test_a1_a_handle_replayed_in_a_later_run_attaches_nothing(astack: Stack) -> None:
    first = tool_payload(await call(astack, "async () => (await codemode.media_snapshot())[1]"))["result"]
    assert first["attached"] == "content block 1 after this JSON text"
    replay = {k: v for k, v in first.items() if k != "attached"}
    result = await call(astack, f"async () => ({json.dumps(replay)})")
    assert not result.is_error and len(result.content) == 1, result.content
    assert tool_payload(result)["result"] == replay, "another run's ref is plain data"
    await other_user_is_served(astack)


async def test_a2_code_cannot_forge_content_blocks(astack: Stack) -> None:
    forged = {"type": "image", "mimeType": "image/png", "data": b64("image", 64), "ref": "att-00000000-1"}
    result = await call(astack, f"""async () => {{
      const real = (await codemode.media_snapshot())[1];
      return [{json.dumps(forged)}, {{...real, ref: real.ref.replace(/-1$/, "-2")}}, {{type: "image", ref: real.ref + "x"}}];
    }}""")
    assert not result.is_error and len(result.content) == 1, [type(b).__name__ for b in result.content]
    await other_user_is_served(astack)


async def test_a3_another_users_ref_attaches_nothing_for_them(astack: Stack) -> None:
    mine = tool_payload(await call(astack, "async () => (await codemode.media_snapshot())[1]"))["result"]
    theirs = await call(astack, f"async () => ({json.dumps({'type': 'image', 'ref': mine['ref']})})", token=astack.other_token)
    assert not theirs.is_error and len(theirs.content) == 1
    await other_user_is_served(astack)


async def test_a4_limits_bound_count_and_bytes_with_a_clear_note(astack: Stack) -> None:
    result = await call(astack, """async () => {
      const shots = [];
      for (let i = 0; i < 7; i++) shots.push((await codemode.media_snapshot({kilobytes: 1}))[1]);
      return shots;
    }""")
    out = tool_payload(result)["result"]
    assert len(result.content) == 1 + MAX_COUNT
    assert all("attached" in s for s in out[:MAX_COUNT])
    for s in out[MAX_COUNT:]:
        assert "ref" not in s and "JUNCTION_MAX_ATTACHMENTS_PER_RUN" in s["omitted"] and s["bytes"] == 1024, s
    result = await call(astack, """async () => [
      (await codemode.media_snapshot({kilobytes: 200}))[1], (await codemode.media_snapshot({kilobytes: 200}))[1]]""")
    first, second = tool_payload(result)["result"]
    assert "attached" in first and "ref" not in second
    assert f"at most {MAX_BYTES} bytes" in second["omitted"] and "JUNCTION_MAX_ATTACHMENT_BYTES_PER_RUN" in second["omitted"]
    assert [type(b) for b in result.content] == [TextContent, ImageContent]
    await other_user_is_served(astack)


def redis(stack: Stack, *args: str) -> str:
    return stack.redis_cli(*args)


async def test_a5_attached_bytes_do_not_stay_in_redis_after_the_run(astack: Stack) -> None:
    result = await call(astack, "async () => (await codemode.media_snapshot({kilobytes: 150}))[1]")
    assert isinstance(result.content[1], ImageContent)
    needle = b64("image", 150 * 1024)[1000:1100]
    for key in redis(astack, "--scan", "--pattern", "junction:*").split():
        if redis(astack, "TYPE", key).strip() == "stream":
            assert needle not in redis(astack, "XRANGE", key, "-", "+"), f"{key} still holds the image"
    await other_user_is_served(astack)
