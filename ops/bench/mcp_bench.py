"""MCP source benchmark: 20 sequential tool calls in one `execute` run, next to the
same 20 calls made directly by the official Python SDK over one session.

Starts its own stack (no httpbin) and the FastMCP fixture server
(Tests/e2e/mcp_fixture_server.py) over Streamable HTTP and over legacy SSE.
Prints per-call overhead and the handshakes the upstream saw during the runs.
"""

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "e2e"))
from stack import Stack, free_port, venv_exe  # noqa: E402
from bench import RawMcp  # noqa: E402

FIXTURE = str(ROOT / "Tests" / "e2e" / "mcp_fixture_server.py")
CALLS = 20


def twenty(slug: str) -> str:
    return f"async () => {{ let s = 0; for (let i = 0; i < {CALLS}; i++) {{ const r = await codemode.{slug}_add({{a: i, b: 1}}); s += r.result ?? r; }} return s; }}"


async def sdk_calls(url: str, runs: int) -> list[float]:
    from mcp import Client
    out = []
    async with Client(url) as client:
        await client.call_tool("add", {"a": 0, "b": 0})  # warm
        for _ in range(runs):
            t = time.perf_counter()
            for i in range(CALLS):
                await client.call_tool("add", {"a": i, "b": 1})
            out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="junction-mcp-bench-"))
    stack = Stack(workdir=work, with_httpbin=False, execute_timeout_ms=60000, extra_env={
        "JUNCTION_RATE_LIMIT_PER_SECOND": "1000000", "JUNCTION_RATE_LIMIT_BURST": "1000000"})
    stack.start()
    try:
        raw = RawMcp(stack.mcp_url, stack.token)
        raw.initialize()
        api = stack.api()
        report = {}
        for transport in ("http", "sse"):
            port = free_port()
            stack.start_upstream(f"fixture-{transport}", [venv_exe("fastmcp", "python"), FIXTURE, "--transport", transport, "--port", str(port)], port)
            base = f"http://127.0.0.1:{port}"
            slug = f"b{transport}"
            api.post("/api/v1/sources", json={"slug": slug, "type": "mcp", "name": slug,
                                              "baseUrl": base + ("/mcp" if transport == "http" else "/sse")}).raise_for_status()
            for _ in range(600):
                src = api.get(f"/api/v1/sources/{slug}").json()
                if src["status"] in ("ready", "error"):
                    break
                time.sleep(0.1)
            assert src["status"] == "ready", src
            before = httpx.get(base + "/stats").json()
            empty, full, first, rest = [], [], [], []
            for r in range(args.runs + 1):
                t = time.perf_counter()
                raw.execute("async () => 0")
                e = (time.perf_counter() - t) * 1000
                t = time.perf_counter()
                result = raw.execute(twenty(slug))
                f = (time.perf_counter() - t) * 1000
                calls = result["structuredContent"]["calls"]
                assert len(calls) == CALLS and result["structuredContent"]["result"] == sum(range(1, CALLS + 1)), result
                if r == 0:
                    cold_first = calls[0].get("durationMs")
                    continue  # the first run opens the worker's session (if the protocol has one)
                empty.append(e)
                full.append(f)
                first.append(calls[0].get("durationMs", 0))
                rest.extend(c.get("durationMs", 0) for c in calls[1:])
            after = httpx.get(base + "/stats").json()
            entry = {
                "execute_empty_ms_median": round(statistics.median(empty), 2),
                "execute_20_calls_ms_median": round(statistics.median(full), 2),
                "junction_per_call_ms": round((statistics.median(full) - statistics.median(empty)) / CALLS, 3),
                "first_call_of_first_run_ms": cold_first,
                "first_call_of_later_runs_ms_median": statistics.median(first),
                "later_calls_ms_median": statistics.median(rest),
                "upstream_handshakes_during_runs": {k: after[k] - before[k] for k in ("initialize", "server/discover")},
                "upstream_tools_call_during_runs": after["tools/call"] - before["tools/call"],
            }
            if transport == "http":
                sdk = asyncio.run(sdk_calls(base + "/mcp", args.runs))
                entry["sdk_20_calls_ms_median"] = round(statistics.median(sdk), 2)
                entry["sdk_per_call_ms"] = round(statistics.median(sdk) / CALLS, 3)
                entry["overhead_per_call_ms"] = round(entry["junction_per_call_ms"] - entry["sdk_per_call_ms"], 3)
            report[transport] = entry
        raw.close()
        print(json.dumps({"build": str(stack.procs["worker"].popen.args[0]), "runs": args.runs, "calls_per_run": CALLS,
                          "results": report}, indent=2))
        log = stack.procs["worker"].log_path.read_text(errors="replace")
        opened = [l for l in log.splitlines() if "MCP session opened" in l]
        print(f"worker 'MCP session opened' lines: {len(opened)}")
        for l in opened:
            print("  " + l.strip()[:220])
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
