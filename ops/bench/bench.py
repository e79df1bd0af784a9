"""End-to-end benchmark of a trivial `execute`, next to the sandbox's own floor.

Starts a private stack (redis-server + the three Junction binaries, see
Tests/e2e/stack.py), then over raw JSON-RPC on HTTP (keep-alive, one
`initialize` per client):
  * latency of `execute` with `async () => 1`, one client back to back: median and p99;
  * paced latency (a pause between requests, as a model makes), over a bare socket and
    through httpx, next to GET /healthz and the warm floor (ops/bench/floor.js --serve: a
    pre-booted Deno worker without Junction around it), all taking turns in each round so
    that they see the same machine;
  * executions per second with N concurrent clients for a fixed time;
  * codemode.catalog() inside a run against a large catalog;
(with --tracing off,on: the first three with tracing off and on, side by side;)
then runs ops/bench/floor.js on its own (cold worker cost and isolate churn), prints a
table, the ratios against the targets, and the peak RSS (VmHWM) of each process.

Run through ops/bench/run, which installs, builds and picks the Python.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "e2e"))
from stack import DocServer, Stack, build_config, deno_path, mcp_headers, parse_mcp_body  # noqa: E402

TRIVIAL = "async () => 1"


class RawMcp:
    """One MCP session over Streamable HTTP, JSON responses, one keep-alive connection."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token
        self.http = httpx.Client(timeout=120, limits=httpx.Limits(max_connections=1))
        self.session_id: str | None = None
        self.next_id = 0

    def _post(self, msg: dict) -> httpx.Response:
        r = self.http.post(self.url, json=msg, headers=mcp_headers(self.token, self.session_id))
        return r

    def initialize(self) -> None:
        r = self._post({
            "jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                       "clientInfo": {"name": "junction-bench", "version": "1"}},
        })
        r.raise_for_status()
        self.session_id = r.headers.get("mcp-session-id")
        msg = parse_mcp_body(r)
        if "error" in msg:
            raise RuntimeError(f"initialize failed: {msg}")
        r = self._post({"jsonrpc": "2.0", "method": "notifications/initialized"})
        if r.status_code >= 400:
            raise RuntimeError(f"notifications/initialized: HTTP {r.status_code} {r.text}")

    def execute(self, code: str) -> dict:
        self.next_id += 1
        r = self._post({"jsonrpc": "2.0", "id": self.next_id, "method": "tools/call",
                        "params": {"name": "execute", "arguments": {"code": code}}})
        if r.status_code != 200:
            raise RuntimeError(f"tools/call: HTTP {r.status_code} {r.text[:300]}")
        msg = parse_mcp_body(r)
        if "error" in msg:
            raise RuntimeError(f"tools/call error: {msg['error']}")
        result = msg["result"]
        if result.get("isError"):
            raise RuntimeError(f"execute isError: {result.get('content')}")
        return result

    def close(self) -> None:
        self.http.close()


class RawHTTP:
    """HTTP/1.1 over one keep-alive socket with no client library: httpx costs about 1.5 ms
    per request on these machines, which is the client's time, not Junction's."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def _fill(self, need) -> None:
        while not need():
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("connection closed")
            self.buf += chunk

    def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, bytes]:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: bench\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
        self._fill(lambda: b"\r\n\r\n" in self.buf)
        raw_head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = raw_head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        fields = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:] if ":" in l)}
        if "content-length" in fields:
            n = int(fields["content-length"])
            self._fill(lambda: len(self.buf) >= n)
            out, self.buf = self.buf[:n], self.buf[n:]
            return status, out
        out = b""
        while True:  # chunked
            self._fill(lambda: b"\r\n" in self.buf)
            size_line, self.buf = self.buf.split(b"\r\n", 1)
            n = int(size_line.split(b";")[0], 16)
            self._fill(lambda: len(self.buf) >= n + 2)
            out, self.buf = out + self.buf[:n], self.buf[n + 2:]
            if n == 0:
                return status, out

    def close(self) -> None:
        self.sock.close()


class FloorServer:
    """ops/bench/floor.js --serve: one warm-floor sample (a pre-booted Deno worker, code in,
    answer out) per request, taken between the benchmark's own samples so that both see
    the same machine: these machines' speed drifts by up to 2x over minutes, which makes a
    floor measured minutes apart a poor yardstick."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [deno_path(), "run", "--no-prompt", "--no-remote", "--no-npm", "--no-config", "--no-lock",
             str(ROOT / "ops" / "bench" / "floor.js"), "--serve"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT)

    def sample(self) -> float:
        """The floor's own measurement of one warm round trip, in ms."""
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(b"\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("floor.js --serve exited")
        return float(line)

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


def measure_paced(stack: Stack, session: "RawMcp", runs: int, pace_ms: float, floor: bool) -> dict:
    """Paced latency, every measure taking its turn in each round so that all of them see
    the same machine conditions:
      healthz            GET /healthz over a bare socket (what any request costs this client);
      execute            the trivial execute over a bare socket, 2025-11-25 session (checked in
                         Redis by the script that queues the run);
      execute_stateless  the same in the stateless 2026-07-28 revision;
      execute_httpx      the same session's execute through httpx (about 1 ms of client time);
      warm_floor         floor.js --serve: the warm isolate round trip without Junction."""
    port = int(stack.base_url.rsplit(":", 1)[1])
    client = RawHTTP(port)
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                       "params": {"name": "execute", "arguments": {"code": TRIVIAL}}}).encode()
    headers = mcp_headers(session.token, session.session_id)
    stateless_body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "execute", "arguments": {"code": TRIVIAL},
        "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {},
                  "io.modelcontextprotocol/clientInfo": {"name": "junction-bench", "version": "1"}}}}).encode()
    stateless_headers = {**mcp_headers(session.token), "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call",
                         "Mcp-Name": "execute"}

    def timed(fn):
        def run() -> float:
            t0 = time.perf_counter()
            fn()
            return (time.perf_counter() - t0) * 1000
        return run

    def executor(h: dict, b: bytes, label: str):
        def execute() -> None:
            status, out = client.request("POST", "/mcp", h, b)
            if status != 200 or b'"result":1' not in out:
                raise RuntimeError(f"{label}: HTTP {status} {out[:300]!r}")
        return execute

    def healthz() -> None:
        status, _ = client.request("GET", "/healthz", {})
        if status != 200:
            raise RuntimeError(f"healthz: HTTP {status}")

    samplers = {"healthz": timed(healthz), "execute": timed(executor(headers, body, "raw execute")),
                "execute_stateless": timed(executor(stateless_headers, stateless_body, "raw stateless execute")),
                "execute_httpx": timed(lambda: session.execute(TRIVIAL))}
    server = FloorServer() if floor else None
    if server:
        samplers["warm_floor"] = server.sample
    samples: dict[str, list[float]] = {name: [] for name in samplers}
    try:
        for round_no in range(runs + 10):
            for name, sample in samplers.items():
                time.sleep(pace_ms / 1000)
                ms = sample()
                if round_no >= 10:  # the first rounds warm up every path
                    samples[name].append(ms)
    finally:
        client.close()
        if server:
            server.close()
    out = {}
    for name, values in samples.items():
        values.sort()
        out[name] = {"n": len(values), "median_ms": statistics.median(values), "p99_ms": percentile(values, 99)}
    return out


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, math.ceil(p / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


def measure_latency(url: str, token: str, runs: int, warmup: int) -> dict:
    c = RawMcp(url, token)
    try:
        c.initialize()
        first = c.execute(TRIVIAL)
        sc = first.get("structuredContent") or {}
        if sc.get("result") != 1:
            raise RuntimeError(f"`{TRIVIAL}` did not return 1: {first}")
        for _ in range(warmup):
            c.execute(TRIVIAL)
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            c.execute(TRIVIAL)
            samples.append((time.perf_counter() - t0) * 1000)
    finally:
        c.close()
    samples.sort()
    return {"n": len(samples), "median_ms": statistics.median(samples),
            "p99_ms": percentile(samples, 99), "min_ms": samples[0], "max_ms": samples[-1]}


def measure_throughput(url: str, tokens: list[str], clients: int, seconds: float) -> dict:
    sessions = [RawMcp(url, tokens[i % len(tokens)]) for i in range(clients)]
    for s in sessions:
        s.initialize()
        s.execute(TRIVIAL)
    done = [0] * clients
    errors: list[str] = []
    latencies: list[list[float]] = [[] for _ in range(clients)]
    start_gate = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def loop(i: int) -> None:
        s = sessions[i]
        start_gate.wait()
        while time.perf_counter() < stop_at[0]:
            t0 = time.perf_counter()
            try:
                s.execute(TRIVIAL)
            except Exception as e:  # noqa: BLE001 - counted and reported
                errors.append(str(e)[:200])
                continue
            latencies[i].append((time.perf_counter() - t0) * 1000)
            done[i] += 1

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    stop_at[0] = time.perf_counter() + seconds
    t0 = time.perf_counter()
    start_gate.wait()
    for t in threads:
        t.join(timeout=seconds + 180)
    elapsed = time.perf_counter() - t0
    for s in sessions:
        s.close()
    all_lat = sorted(x for per in latencies for x in per)
    return {"clients": clients, "users": min(clients, len(tokens)), "seconds": elapsed, "executions": sum(done),
            "per_s": sum(done) / elapsed, "errors": len(errors), "first_errors": errors[:3],
            "median_ms": statistics.median(all_lat) if all_lat else float("nan"),
            "p99_ms": percentile(all_lat, 99)}


NOUNS = ("pet user order invoice account project issue comment file folder team member repo branch commit release "
         "deployment service cluster node volume secret token webhook event alert metric dashboard report payment "
         "customer product price coupon subscription plan shipment address contact lead ticket article tag label "
         "role policy group device session message channel").split()
VERBS = (("list", "get", "List"), ("get", "get", "Get"), ("create", "post", "Create"), ("update", "patch", "Update"),
         ("delete", "delete", "Delete"))


def generated_spec(operations: int) -> dict:
    """An OpenAPI 3 document with `operations` operations over a realistic vocabulary."""
    paths: dict = {}
    for i in range(operations):
        verb, method, title = VERBS[i % len(VERBS)]
        noun, sub = NOUNS[(i // 5) % len(NOUNS)], NOUNS[(i // (5 * len(NOUNS))) % len(NOUNS)]
        path = f"/v{i // 250}/{noun}s/{{{noun}Id}}/{sub}s/{i}"
        paths.setdefault(path, {})[method] = {
            "operationId": f"{verb}{noun.title()}{sub.title()}{i}",
            "summary": f"{title} the {sub} of a {noun}",
            "description": f"{title}s {sub} records that belong to one {noun}. Supports paging and filtering by status.",
            "tags": [noun, sub],
            "parameters": [{"name": f"{noun}Id", "in": "path", "required": True, "schema": {"type": "string"}},
                           {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["open", "closed"]}}],
            "responses": {"200": {"description": "ok"}},
        }
    return {"openapi": "3.0.3", "info": {"title": f"generated {operations}", "version": "1"}, "paths": paths}


def measure_catalog(stack: Stack, operations: int, calls: int) -> dict:
    """codemode.catalog() latency inside one run, against a catalog of `operations` entries."""
    server = DocServer({"/spec.json": json.dumps(generated_spec(operations)).encode()})
    token = stack.admin_token("catalog-bench@example.com")
    try:
        with stack.api(token) as api:
            r = api.post("/api/v1/sources", json={"slug": "gen", "type": "openapi", "name": "generated",
                                                   "baseUrl": server.url(""), "specUrl": server.url("/spec.json")})
            r.raise_for_status()
            t0 = time.perf_counter()
            while True:
                src = api.get("/api/v1/sources/gen").json()
                if src["status"] in ("ready", "error"):
                    break
                if time.perf_counter() - t0 > 300:
                    raise RuntimeError(f"catalog source not ready: {src}")
                time.sleep(0.2)
            if src["status"] != "ready" or src["entryCount"] != operations:
                raise RuntimeError(f"catalog source: {src}")
            refresh_s = time.perf_counter() - t0
    finally:
        server.close()
    queries = ["list pets", "get the user of a project", "create invoice", "delete webhook", "update subscription plan",
               "comment", "payment customer", "status", "release branch commit", "alert metric dashboard"]
    code = f"""async () => {{
      const qs = {json.dumps(queries)};
      const t = [];
      for (let i = 0; i < {calls}; i++) {{
        const s = performance.now();
        const hits = await codemode.catalog({{ query: qs[i % qs.length], limit: 10 }});
        t.push(performance.now() - s);
        if (!hits.length) throw new Error("no hits for " + qs[i % qs.length]);
      }}
      return t }}"""
    c = RawMcp(stack.mcp_url, token)
    try:
        c.initialize()
        c.next_id += 1
        r = c._post({"jsonrpc": "2.0", "id": c.next_id, "method": "tools/call",
                     "params": {"name": "search", "arguments": {"code": code}}})
        result = parse_mcp_body(r)["result"]
        if result.get("isError"):
            raise RuntimeError(f"catalog run failed: {result['content']}")
        samples = sorted(result["structuredContent"]["result"])
    finally:
        c.close()
    return {"entries": operations, "calls": len(samples), "median_ms": statistics.median(samples),
            "p99_ms": percentile(samples, 99), "max_ms": samples[-1], "refresh_s": refresh_s}


def run_floor(*args: str) -> dict | None:
    floor = ROOT / "ops" / "bench" / "floor.js"
    if not floor.exists():
        print(f"note: {floor.relative_to(ROOT)} does not exist yet; no floor measured", file=sys.stderr)
        return None
    cmd = [deno_path(), "run", "--no-prompt", "--no-remote", "--no-npm", "--no-config", "--no-lock", str(floor), *args]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=ROOT)
    except subprocess.TimeoutExpired:
        print("floor.js timed out after 600 s", file=sys.stderr)
        return None
    if p.returncode != 0:
        print(f"floor.js failed (exit {p.returncode}):\n{p.stderr[-2000:]}", file=sys.stderr)
        return None
    for line in reversed(p.stdout.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                break
    print(f"floor.js printed no JSON object:\n{p.stdout[-2000:]}", file=sys.stderr)
    return None


def child_pids(pid: int) -> list[int]:
    """Every descendant of pid, from /proc."""
    parents: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        for c in parents.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def vm_hwm_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure_stack(args: argparse.Namespace, results: dict, store_env: dict[str, str]) -> None:
    """Starts a private stack on the store `store_env` selects and fills `results` with its
    latency, paced, throughput, catalog and peak-RSS measures."""
    with tempfile.TemporaryDirectory(prefix="junction-bench-") as tmp:
        # The rate limiter stays on (a Redis round trip whenever this frontend's lease of the
        # user's tokens runs out) but far above what one benchmark user sends.
        stack = Stack(workdir=Path(tmp), with_httpbin=False, extra_env={
            "JUNCTION_RATE_LIMIT_PER_SECOND": "1000000", "JUNCTION_RATE_LIMIT_BURST": "1000000", **store_env})
        stack.start()
        try:
            print(f"stack up at {stack.base_url} ({build_config()} build); measuring...", file=sys.stderr)
            results["latency_1_client"] = measure_latency(stack.mcp_url, stack.token, args.runs, args.warmup)
            session = RawMcp(stack.mcp_url, stack.token)
            try:
                session.initialize()
                results["paced"] = measure_paced(stack, session, args.runs, args.pace_ms, floor=not args.no_floor)
            finally:
                session.close()
            users = args.users or args.clients
            tokens = [stack.token] + [stack.admin_token(f"bench{i}@example.com") for i in range(1, users)]
            results["throughput"] = measure_throughput(stack.mcp_url, tokens, args.clients, args.seconds)
            if not args.no_floor:
                # Right after the throughput run, with the stack idle: the same machine conditions.
                results["churn_next_to_throughput"] = (run_floor("--churn") or {}).get("churn_per_s")
            if args.catalog_entries:
                results["catalog"] = measure_catalog(stack, args.catalog_entries, args.catalog_calls)
            rss = {}
            for name in ("frontend", "worker", "refresher", "redis"):
                proc = stack.procs.get(name)
                if proc is None:
                    continue
                rss[name] = vm_hwm_kib(proc.pid)
                if name == "worker":
                    kids = child_pids(proc.pid)
                    rss["worker sandboxes (deno, sum)"] = sum(vm_hwm_kib(k) for k in kids)
                    results["worker_children"] = len(kids)
            results["peak_rss_kib"] = rss
            dead = stack.check_alive()
            if dead:
                raise RuntimeError(f"processes exited during the benchmark: {dead}\n{stack.tails(30)}")
        except BaseException:
            print(stack.tails(30), file=sys.stderr)
            raise
        finally:
            stack.stop()



def compare_stores(args: argparse.Namespace, results: dict, stores: list[str]) -> None:
    """The same measures on each store, taking turns (sqlite, postgres, sqlite, …) so both see
    the same machine; prints the medians over the rounds side by side and the difference
    against the 15 % target."""
    from hosts import Host, Postgres  # noqa: E402 (Tests/e2e, on sys.path)

    pg = None
    if "postgres" in stores:
        import secrets as _secrets
        folder = Path(tempfile.mkdtemp(prefix="junction-bench-pg-"))
        pg = Postgres(Host.local("bench-db", folder), _secrets.token_urlsafe(12), port=free_loopback_port())
        pg.start()
        print(f"PostgreSQL {pg.host.address}:{pg.port} up", file=sys.stderr)
    per_store: dict[str, list[dict]] = {s: [] for s in stores}
    try:
        for round_no in range(args.rounds):
            for store in stores:
                env: dict[str, str] = {}
                if store == "postgres":
                    assert pg is not None
                    # A fresh database per round, so each starts from an empty catalog.
                    name = f"bench_{round_no}"
                    r = pg.host.run(["psql", "-h", str(pg.base), "-p", str(pg.port), "-U", "junction", "-d", "postgres",
                                     "-c", f"CREATE DATABASE {name}"], user="postgres", cwd=pg.base)
                    if r.returncode != 0:
                        raise RuntimeError(f"CREATE DATABASE failed: {r.stdout}{r.stderr}")
                    env["JUNCTION_DATABASE_URL"] = pg.url.rsplit("/", 1)[0] + "/" + name
                print(f"round {round_no + 1}/{args.rounds}: {store}", file=sys.stderr)
                one: dict = {}
                measure_stack(args, one, env)
                per_store[store].append(one)
    finally:
        if pg is not None:
            pg.host.procs["postgres"].stop()
            pg.remove()
            shutil.rmtree(pg.host.folder, ignore_errors=True)

    def med(values: list[float]) -> float:
        return statistics.median(values) if values else float("nan")

    measures = [
        ("paced e2e execute median (ms)", lambda r: r["paced"]["execute"]["median_ms"], False),
        ("e2e execute, 1 client, median (ms)", lambda r: r["latency_1_client"]["median_ms"], False),
        (f"throughput, {args.clients} clients (exec/s)", lambda r: r["throughput"]["per_s"], True),
    ]
    if args.catalog_entries:
        measures += [(f"catalog() p99, {args.catalog_entries} entries (ms)", lambda r: r["catalog"]["p99_ms"], False),
                     (f"catalog() median, {args.catalog_entries} entries (ms)", lambda r: r["catalog"]["median_ms"], False)]
    summary: dict = {}
    print()
    print(f"Junction on each store ({results['build']} build, {args.rounds} rounds taking turns; each cell: the median over "
          f"the rounds, then every round's value)")
    header = f"{'measure':<40}" + "".join(f" {s:>30}" for s in stores) + ("   postgres vs sqlite" if len(stores) == 2 else "")
    print(header)
    print("-" * len(header))
    worst = 0.0
    for label, get, higher_is_better in measures:
        cells, meds = [], {}
        for store in stores:
            values = [get(r) for r in per_store[store]]
            meds[store] = med(values)
            cells.append(f"{meds[store]:.2f} ({' / '.join(f'{v:.2f}' for v in values)})")
        line = f"{label:<40}" + "".join(f" {c:>30}" for c in cells)
        if set(stores) == {"sqlite", "postgres"}:
            a, b = meds["sqlite"], meds["postgres"]
            change = (a - b) / a if higher_is_better else (b - a) / a
            worst = max(worst, change)
            line += f"   {change:+.1%} {'slower' if change > 0 else 'faster'}"
        print(line)
        summary[label] = meds
    results["stores"] = per_store
    results["store_medians"] = summary
    if set(stores) == {"sqlite", "postgres"}:
        results["postgres_worst_change"] = worst
        print(f"\nworst difference, PostgreSQL against SQLite: {worst:+.1%} (target: within 15 %)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


def compare_tracing(args: argparse.Namespace, results: dict, modes: list[str]) -> None:
    """The same measures with tracing off and on (and, with --baseline-bin, the binaries of a
    build from before tracing existed), taking turns --rounds times so every mode sees the
    same machine. "on" exports every span over OTLP/HTTP to a real receiver
    (Tests/e2e/otlp_receiver.py, opentelemetry-proto) in a process of its own, with swift-otel's
    default batching; "off" leaves OTEL_EXPORTER_OTLP_ENDPOINT unset. Prints the medians over
    the rounds and each mode against "off" (targets: on within 10 %, off within noise of the
    baseline)."""
    import os

    receiver = None
    port = free_loopback_port()
    if "on" in modes:
        receiver = subprocess.Popen([sys.executable, str(ROOT / "Tests" / "e2e" / "otlp_receiver.py"), "--port", str(port)],
                                    stdout=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or receiver.poll() is not None:
                    raise RuntimeError("the OTLP receiver did not start")
                time.sleep(0.1)
        print(f"OTLP receiver on 127.0.0.1:{port}", file=sys.stderr)
    per_mode: dict[str, list[dict]] = {m: [] for m in modes}
    saved_bin = os.environ.get("JUNCTION_BIN_DIR")
    try:
        for round_no in range(args.rounds):
            # Each round starts with another mode, so none always runs first (or last) in a round.
            for mode in modes[round_no % len(modes):] + modes[:round_no % len(modes)]:
                env = {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}"} if mode == "on" else {}
                if mode == "baseline":
                    os.environ["JUNCTION_BIN_DIR"] = str(args.baseline_bin)
                print(f"round {round_no + 1}/{args.rounds}: tracing {mode}", file=sys.stderr)
                one: dict = {}
                try:
                    measure_stack(args, one, env)
                finally:
                    if saved_bin is None:
                        os.environ.pop("JUNCTION_BIN_DIR", None)
                    else:
                        os.environ["JUNCTION_BIN_DIR"] = saved_bin
                per_mode[mode].append(one)
    finally:
        if receiver is not None:
            receiver.terminate()
            out, _ = receiver.communicate(timeout=20)
            results["otlp_receiver"] = out.strip().splitlines()[-1] if out.strip() else ""

    def med(values: list[float]) -> float:
        return statistics.median(values) if values else float("nan")

    measures = [
        ("paced e2e execute median (ms)", lambda r: r["paced"]["execute"]["median_ms"], False),
        ("paced e2e stateless median (ms)", lambda r: r["paced"]["execute_stateless"]["median_ms"], False),
        ("e2e execute, 1 client, median (ms)", lambda r: r["latency_1_client"]["median_ms"], False),
        ("e2e execute, 1 client, p99 (ms)", lambda r: r["latency_1_client"]["p99_ms"], False),
        (f"throughput, {args.clients} clients (exec/s)", lambda r: r["throughput"]["per_s"], True),
    ]
    print()
    print(f"Junction with tracing off and on ({results['build']} build, {args.rounds} rounds taking turns; each cell: "
          f"the median over the rounds, then every round's value)")
    others = [m for m in modes if m != "off"]
    # Two views of each mode's cost against off: of the medians over the rounds, and the
    # median of the rounds' own differences (each round's modes ran next to each other, so
    # this one is less moved by the machine's load drifting between rounds).
    header = (f"{'measure':<38}" + "".join(f" {m:>28}" for m in modes)
              + "".join(f"  {m + ' vs off':>12} {'paired':>7}" for m in others))
    print(header)
    print("-" * len(header))
    summary: dict = {}
    for label, get, higher_is_better in measures:
        meds, cells = {}, []
        for mode in modes:
            values = [get(r) for r in per_mode[mode]]
            meds[mode] = med(values)
            cells.append(f"{meds[mode]:.2f} ({' / '.join(f'{v:.2f}' for v in values)})")
        line = f"{label:<38}" + "".join(f" {c:>28}" for c in cells)
        if "off" in meds:
            for mode in others:
                def cost(a: float, b: float) -> float:
                    return (a - b) / a if higher_is_better else (b - a) / a
                of_medians = cost(meds["off"], meds[mode])
                paired = med([cost(get(o), get(m)) for o, m in zip(per_mode["off"], per_mode[mode])])
                summary.setdefault("cost_vs_off", {}).setdefault(mode, {})[label] = {"of_medians": of_medians, "paired": paired}
                line += f"  {of_medians:>+12.1%} {paired:>+7.1%}"
        print(line)
        summary[label] = meds
    print("\n(positive = costs more than off: slower, or fewer executions per second)")
    if results.get("otlp_receiver"):
        print(f"OTLP receiver: {results['otlp_receiver']}")
    results["tracing"] = per_mode
    results["tracing_medians"] = summary
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


def free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=300, help="timed executes with one client (300)")
    ap.add_argument("--warmup", type=int, default=20, help="untimed executes first (20)")
    ap.add_argument("--clients", type=int, default=8, help="concurrent clients for throughput (8)")
    ap.add_argument("--seconds", type=float, default=10, help="throughput run length (10)")
    ap.add_argument("--users", type=int, default=0,
                    help="distinct users (tokens) the clients are spread over; 0 = one per client. "
                         "Junction caps concurrent runs per user, so fewer users measure that cap")
    ap.add_argument("--pace-ms", type=float, default=50, help="pause between paced single-client runs (50)")
    ap.add_argument("--no-floor", action="store_true", help="skip ops/bench/floor.js")
    ap.add_argument("--catalog-entries", type=int, default=10_000, help="size of the catalog for the catalog() benchmark; 0 skips it")
    ap.add_argument("--catalog-calls", type=int, default=300, help="catalog() calls timed inside one run (300)")
    ap.add_argument("--json", type=Path, help="also write the results to this file")
    ap.add_argument("--stores", default="sqlite",
                    help="sqlite (default), or sqlite,postgres: the same measures on each store in one run, "
                         "taking turns --rounds times, next to each other (PostgreSQL on loopback, started here)")
    ap.add_argument("--rounds", type=int, default=2, help="turns per store (or tracing mode) in a comparison (2)")
    ap.add_argument("--tracing", default="",
                    help="off,on: the same measures with tracing off and on (exporting to a local OTLP/HTTP receiver), "
                         "taking turns --rounds times, side by side; add baseline with --baseline-bin")
    ap.add_argument("--baseline-bin", type=Path,
                    help="a folder with junction-* binaries built before tracing existed: mode 'baseline' of --tracing")
    args = ap.parse_args()

    results: dict = {"build": build_config()}
    stores = [x.strip() for x in args.stores.split(",") if x.strip()]
    if any(x not in ("sqlite", "postgres") for x in stores):
        ap.error("--stores takes sqlite and/or postgres")
    modes = [x.strip() for x in args.tracing.split(",") if x.strip()]
    if modes:
        if any(x not in ("baseline", "off", "on") for x in modes) or ("baseline" in modes and not args.baseline_bin):
            ap.error("--tracing takes off, on and baseline (which needs --baseline-bin)")
        compare_tracing(args, results, modes)
        return 0
    if stores == ["sqlite"]:
        measure_stack(args, results, {})
    else:
        compare_stores(args, results, stores)
        return 0

    results["floor"] = None if args.no_floor else run_floor()

    lat, thr, floor, paced = results["latency_1_client"], results["throughput"], results["floor"], results["paced"]
    notes = {
        "execute": ("e2e execute, paced, raw client", "2025-11-25 session over a bare socket"),
        "execute_stateless": ("e2e execute, paced, raw, 2026-07-28", "same, stateless revision (no session to look up)"),
        "execute_httpx": ("e2e execute, paced, httpx", "same session through httpx (client time included)"),
        "healthz": ("HTTP floor: GET /healthz, raw", "what any request costs this client on this machine"),
        "warm_floor": ("warm floor, interleaved", "floor.js --serve: pre-booted deno worker, code in, answer out"),
    }
    rows = [("e2e execute, 1 client", f"{lat['median_ms']:.2f}", f"{lat['p99_ms']:.2f}", f"n={lat['n']}, back to back")]
    for key, (label, note) in notes.items():
        if key in paced:
            m = paced[key]
            rows.append((label, f"{m['median_ms']:.2f}", f"{m['p99_ms']:.2f}", f"n={m['n']}, {note}"))
    rows.append((f"e2e execute, {thr['clients']} clients/{thr['users']} users", f"{thr['median_ms']:.2f}", f"{thr['p99_ms']:.2f}",
                 f"{thr['per_s']:.1f} exec/s over {thr['seconds']:.1f} s, {thr['errors']} errors"))
    if floor:
        for kind in ("cold", "warm"):
            f = floor.get(kind) or {}
            rows.append((f"floor: deno worker, {kind}", f"{f.get('median_ms', float('nan')):.2f}",
                         f"{f.get('p99_ms', float('nan')):.2f}", f"n={f.get('n', '?')}, floor.js on its own after the stack stopped"))
        if "churn_per_s" in floor:
            rows.append(("floor: worker churn", "", "", f"{floor['churn_per_s']:.1f} workers/s"))
    print()
    print(f"Junction benchmark ({results['build']} build, `{TRIVIAL}`; paced rows: {args.pace_ms:g} ms between requests, "
          f"their measures taking turns)")
    print(f"{'measure':<36} {'median ms':>10} {'p99 ms':>10}  notes")
    print("-" * 100)
    for r in rows:
        print(f"{r[0]:<36} {r[1]:>10} {r[2]:>10}  {r[3]}")
    cat = results.get("catalog")
    if cat:
        print(f"{'catalog() in a run, ' + str(cat['entries']) + ' entries':<36} {cat['median_ms']:>10.2f} {cat['p99_ms']:>10.2f}  "
              f"n={cat['calls']}, max {cat['max_ms']:.2f} ms; indexed in {cat['refresh_s']:.1f} s (target p99 < 5 ms)")
    print()
    if floor and (floor.get("cold") or {}).get("median_ms"):
        ratio = lat["median_ms"] / floor["cold"]["median_ms"]
        results["ratio_e2e_over_cold_floor"] = ratio
        print(f"ratio back-to-back e2e median / cold floor median: {ratio:.2f}x (back-to-back runs use isolates faster "
              f"than they can be created, so each pays for one)")
    warm = (paced.get("warm_floor") or {}).get("median_ms")
    if warm:
        for key, label, target in (("execute", "raw client, 2025-11-25", " (target <= 3x)"),
                                   ("execute_stateless", "raw client, 2026-07-28", " (target <= 3x)"),
                                   ("execute_httpx", "httpx client", "")):
            ratio = paced[key]["median_ms"] / warm
            results[f"ratio_paced_{key}_over_warm_floor"] = ratio
            print(f"ratio paced e2e median ({label}) / interleaved warm floor median: {ratio:.2f}x{target}")
        client = paced["execute_httpx"]["median_ms"] - paced["execute"]["median_ms"]
        print(f"  (httpx adds {client:.2f} ms of client time per request on this machine)")
        hot = (floor or {}).get("warm", {}).get("median_ms")
        if hot:
            ratio = paced["execute"]["median_ms"] / hot
            results["ratio_paced_execute_over_back_to_back_warm_floor"] = ratio
            print(f"for comparison, paced e2e median (raw client, 2025-11-25) / floor.js's own back-to-back warm median: {ratio:.2f}x\n"
                  f"  (that floor runs its round trips back to back on busy cores; paced, the same round trip costs "
                  f"{warm / hot:.2f}x as much, which is why the interleaved floor is the like-for-like yardstick)")
    churn = results.get("churn_next_to_throughput")
    if churn:
        ratio = thr["per_s"] / churn
        results["ratio_throughput_over_churn"] = ratio
        print(f"throughput / raw isolate churn measured right after it ({churn:.1f} workers/s): {ratio:.0%} (target >= 80%)")
    print("\npeak RSS (VmHWM):")
    for name, kib in results["peak_rss_kib"].items():
        print(f"  {name:<32} {kib / 1024:8.1f} MiB")
    if thr["errors"]:
        print(f"\nerrors during the throughput run, e.g.: {thr['first_errors']}")
    if results["build"] == "debug":
        print("\nnote: debug build; use JUNCTION_BUILD=release ops/bench/run for representative numbers")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 1 if thr["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
