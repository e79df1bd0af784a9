"""/mcp throughput and tail latency under wrk, next to a FastMCP peer, in one run.

Starts a Junction stack (redis, frontend, worker, refresher) from $JUNCTION_BIN_DIR and
the peer (ops/bench/frontend_peer.py in .venv-fastmcp), then for each target runs
`wrk -c CONNECTIONS` POSTing one JSON-RPC request with a bearer token:

  junction tools/list   2026-07-28, stateless (_meta + MCP-Protocol-Version/Mcp-Method)
  peer tools/list       the same request to FastMCP (stateless_http, json_response)
  junction execute      tools/call execute `async () => 1` (JSON answer, full sandbox run)

Reports requests/s, p50/p99 latency, non-2xx answers, and the frontend's RSS idle and
peak under load; then compares tools/list against the target (>= 10x the peer's
requests/s with a lower p99). The per-user rate limit stays on (set far above the
load), so its Redis round trip is part of what is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "e2e"))
from stack import Stack, free_port, venv_exe  # noqa: E402

META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "wrk", "version": "1"}}


def request(method: str, params: dict, token: str | None, name: str | None = None) -> tuple[dict, str]:
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
               "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": method}
    if name:
        headers["Mcp-Name"] = name
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": dict(params, _meta=META)})
    return headers, body


def lua_script(headers: dict, body: str, path: Path) -> Path:
    lines = ['wrk.method = "POST"', f"wrk.body = {json.dumps(body)}"]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def parse_wrk(text: str) -> dict:
    def ms(value: str, unit: str) -> float:
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

    out: dict = {}
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    out["rps"] = float(m.group(1)) if m else 0.0
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}(?:\.000)?%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
        out[f"p{pct}_ms"] = ms(m.group(1), m.group(2)) if m else None
    m = re.search(r"(\d+) requests in", text)
    out["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    out["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: (.*)", text)
    out["socket_errors"] = m.group(1).strip() if m else ""
    return out


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def tree_rss_kib(pid: int) -> int:
    """RSS of a process and its children (uvicorn may fork)."""
    total = rss_kib(pid)
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return total + sum(tree_rss_kib(int(c)) for c in children)


def run_wrk(url: str, script: Path, args: argparse.Namespace, watch_pid: int | None) -> dict:
    peak = {"rss": 0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set() and watch_pid:
            try:
                peak["rss"] = max(peak["rss"], tree_rss_kib(watch_pid))
            except OSError:
                return
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    r = subprocess.run(["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.seconds}s",
                        "--latency", "--timeout", "10s", "-s", str(script), url],
                       capture_output=True, text=True, timeout=args.seconds + 60)
    stop.set()
    sampler.join()
    if r.returncode != 0:
        raise SystemExit(f"wrk failed: {r.stderr}")
    out = parse_wrk(r.stdout)
    out["peak_rss_kib"] = peak["rss"]
    return out


def check(url: str, headers: dict, body: str) -> dict:
    r = httpx.post(url, headers=headers, content=body, timeout=30)
    if r.status_code != 200:
        raise SystemExit(f"{url} answered {r.status_code}: {r.text[:500]}")
    return r.json()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="junction-bench-frontend-"))
    stack = Stack(workdir=workdir, with_httpbin=False, extra_env={
        "JUNCTION_LOG_LEVEL": "warning",
        "JUNCTION_RATE_LIMIT_PER_SECOND": "1000000", "JUNCTION_RATE_LIMIT_BURST": "1000000",
        "JUNCTION_MAX_RUNS_PER_USER": "1000",
        # BENCH_JUNCTION_X=v sets JUNCTION_X=v for the stack, e.g. BENCH_JUNCTION_AUTH_CACHE_MS=0.
        **{k[len("BENCH_"):]: v for k, v in os.environ.items() if k.startswith("BENCH_JUNCTION_")}, "JUNCTION_QUEUE_WAIT_MS": "60000",
    })
    with stack:
        peer_port = free_port()
        peer = stack.start_upstream("peer", [venv_exe("fastmcp", "python"), str(ROOT / "ops/bench/frontend_peer.py"), str(peer_port)],
                                    peer_port)
        peer_url = f"http://127.0.0.1:{peer_port}/mcp"
        token = stack.token
        front_pid = stack.procs["frontend"].pid

        list_h, list_body = request("tools/list", {}, token)
        exec_h, exec_body = request("tools/call", {"name": "execute", "arguments": {"code": "async () => 1"}}, token, "execute")
        exec_h["Accept"] = "application/json"  # wrk reads one JSON answer per request
        peer_h, peer_body = request("tools/list", {}, None)

        ours = check(stack.mcp_url, list_h, list_body)["result"]["tools"]
        theirs = check(peer_url, peer_h, peer_body)["result"]["tools"]
        assert sorted(t["name"] for t in ours) == sorted(t["name"] for t in theirs) == ["execute", "search"]
        assert check(stack.mcp_url, exec_h, exec_body)["result"]["structuredContent"]["result"] == 1

        scripts = Path(workdir)
        time.sleep(1)
        idle = rss_kib(front_pid)
        peer_idle = tree_rss_kib(peer.pid)
        results = {}
        print(f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s on loopback; JUNCTION_BIN_DIR={os.environ.get('JUNCTION_BIN_DIR', '(debug)')}")
        for name, url, h, body, pid in [
            ("junction tools/list", stack.mcp_url, list_h, list_body, front_pid),
            ("peer tools/list", peer_url, peer_h, peer_body, peer.pid),
            ("junction execute", stack.mcp_url, exec_h, exec_body, front_pid),
        ]:
            results[name] = run_wrk(url, lua_script(h, body, scripts / (name.replace(" ", "_").replace("/", "_") + ".lua")), args, pid)
            r = results[name]
            print(f"  {name:22s} {r['rps']:10.0f} req/s   p50 {r['p50_ms']:8.2f} ms   p99 {r['p99_ms']:8.2f} ms   "
                  f"non-2xx {r['non2xx']}   peak RSS {r['peak_rss_kib'] / 1024:.0f} MB"
                  + (f"   socket errors: {r['socket_errors']}" if r["socket_errors"] else ""))
        after = rss_kib(front_pid)
        ours_l, peer_l = results["junction tools/list"], results["peer tools/list"]
        ratio = ours_l["rps"] / peer_l["rps"] if peer_l["rps"] else float("inf")
        print(f"frontend RSS: idle {idle / 1024:.1f} MB, peak under load "
              f"{max(results['junction tools/list']['peak_rss_kib'], results['junction execute']['peak_rss_kib']) / 1024:.1f} MB, "
              f"after {after / 1024:.1f} MB; peer RSS idle {peer_idle / 1024:.1f} MB")
        ok = ratio >= 10 and ours_l["p99_ms"] < peer_l["p99_ms"] and ours_l["non2xx"] == 0
        print(f"tools/list: {ratio:.1f}x the peer's requests/s (target >= 10x), p99 {ours_l['p99_ms']:.2f} ms vs "
              f"{peer_l['p99_ms']:.2f} ms (target lower) -> {'MET' if ok else 'NOT MET'}")
        if args.json:
            args.json.write_text(json.dumps({"results": results, "idle_rss_kib": idle, "peer_idle_rss_kib": peer_idle,
                                             "ratio": ratio, "target_met": ok}, indent=2))


if __name__ == "__main__":
    main()
