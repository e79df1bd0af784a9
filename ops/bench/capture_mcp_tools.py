"""Capture the real `tools/list` of mcp-server-time and mcp-server-git into a fixture.

Run with the mcp 1.x environment (the servers live there):

    .venv-mcp1/bin/python ops/bench/capture_mcp_tools.py

It starts each server over stdio with the official MCP client, lists its tools and
writes Tests/Fixtures/search/mcp-tools.json as {"time": {...}, "git": {...}}, each the
server's name/version and its tools exactly as `tools/list` returned them. The search
benchmark and CatalogSearchQualityTests index these through MCPToolIndexer.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
OUT = ROOT / "Tests" / "Fixtures" / "search" / "mcp-tools.json"


async def capture(command: str, args: list[str]) -> dict:
    params = StdioServerParameters(command=command, args=args)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            tools: list[dict] = []
            cursor = None
            while True:
                page = await session.list_tools(cursor=cursor) if cursor else await session.list_tools()
                tools += [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in page.tools]
                cursor = page.nextCursor
                if not cursor:
                    break
            return {"server": init.serverInfo.model_dump(mode="json", exclude_none=True), "tools": tools}


async def main() -> None:
    with tempfile.TemporaryDirectory() as repo:
        subprocess.run(["git", "init", "-q", repo], check=True)
        result = {
            "time": await capture(str(BIN / "mcp-server-time"), ["--local-timezone", "UTC"]),
            "git": await capture(str(BIN / "mcp-server-git"), ["--repository", repo]),
        }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}: " + ", ".join(f"{k} {len(v['tools'])} tools" for k, v in result.items()))


if __name__ == "__main__":
    asyncio.run(main())
