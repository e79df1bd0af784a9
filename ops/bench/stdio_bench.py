"""Stdio MCP server benchmark: mcp-server-time (PyPI) as a Junction stdio source, called
from `execute`, cold (the user's instance stopped: sandbox, start-up, initialize, call) and
warm; next to a direct stdio session with the same program (spawn, initialize, call; then
warm calls) and a trivial `execute` (the run's own cost, without any call).
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "e2e"))
from stack import Stack, venv_exe  # noqa: E402
from bench import RawMcp  # noqa: E402
from helpers import wait_source  # noqa: E402

CALL = 'async () => await codemode.clock_get_current_time({timezone: "UTC"})'
IDLE_MS = 1000


class DirectSession:
    """A plain stdio session: newline-delimited JSON-RPC over the program's stdin/stdout."""

    def __init__(self, argv: list[str]) -> None:
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.next_id = 1

    def request(self, method: str, params: dict) -> dict:
        rid = self.next_id
        self.next_id += 1
        self.proc.stdin.write((json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}) + "\n").encode())
        self.proc.stdin.flush()
        while True:
            msg = json.loads(self.proc.stdout.readline())
            if msg.get("id") == rid:
                return msg

    def start(self) -> None:
        self.request("initialize", {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}})
        self.proc.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
        self.proc.stdin.flush()

    def call(self) -> None:
        r = self.request("tools/call", {"name": "get_current_time", "arguments": {"timezone": "UTC"}})
        assert "result" in r, r

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def ms(seconds: float) -> float:
    return seconds * 1000


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):7.1f} ms  (min {min(values):.1f}, max {max(values):.1f}, n={len(values)})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5, help="cold starts measured")
    ap.add_argument("--warm", type=int, default=30, help="warm calls measured per round")
    args = ap.parse_args()
    server = venv_exe("mcp1", "mcp-server-time")

    direct_cold, direct_warm = [], []
    for _ in range(args.rounds):
        t = time.perf_counter()
        session = DirectSession([server])
        session.start()
        session.call()
        direct_cold.append(ms(time.perf_counter() - t))
        for _ in range(args.warm):
            t = time.perf_counter()
            session.call()
            direct_warm.append(ms(time.perf_counter() - t))
        session.close()

    work = Path(tempfile.mkdtemp(prefix="junction-stdio-bench-"))
    (work / "servers.json").write_text(json.dumps({"servers": [{"name": "time", "command": server}]}))
    stack = Stack(workdir=work, with_httpbin=False, execute_timeout_ms=60000, extra_env={
        "JUNCTION_RATE_LIMIT_PER_SECOND": "1000000", "JUNCTION_RATE_LIMIT_BURST": "1000000",
        "JUNCTION_STDIO_SERVERS": str(work / "servers.json"), "JUNCTION_STDIO_IDLE_MS": str(IDLE_MS)})
    stack.start()
    try:
        api = stack.api()
        r = api.post("/api/v1/sources", json={"slug": "clock", "type": "stdio", "server": "time"})
        assert r.status_code == 201, r.text
        assert wait_source(api, "clock")["status"] == "ready"
        raw = RawMcp(stack.mcp_url, stack.token)
        raw.initialize()
        raw.execute("async () => 1")
        cold, warm, trivial = [], [], []
        for _ in range(args.rounds):
            time.sleep(IDLE_MS / 1000 * 2.5)  # the worker stops the idle instance
            t = time.perf_counter()
            out = raw.execute(CALL)
            cold.append(ms(time.perf_counter() - t))
            assert "UTC" in json.dumps(out), out
            for _ in range(args.warm):
                t = time.perf_counter()
                raw.execute(CALL)
                warm.append(ms(time.perf_counter() - t))
                t = time.perf_counter()
                raw.execute("async () => 1")
                trivial.append(ms(time.perf_counter() - t))
                time.sleep(0.05)
        starts = stack.procs["worker"].log_path.read_text(errors="replace").count("stdio instance started")
    finally:
        stack.stop()

    print("stdio MCP server: mcp-server-time (.venv-mcp1)")
    print(f"  direct stdio session, cold (spawn + initialize + call):  {summary(direct_cold)}")
    print(f"  direct stdio session, warm call:                         {summary(direct_warm)}")
    print(f"  Junction execute, cold (sandboxed instance started):     {summary(cold)}")
    print(f"  Junction execute, warm (instance running):               {summary(warm)}")
    print(f"  Junction execute without a call (async () => 1):         {summary(trivial)}")
    print(f"  worker started the instance {starts} times (one per cold round)")


if __name__ == "__main__":
    main()
