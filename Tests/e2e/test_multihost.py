"""Junction across hosts: two frontends, two workers and a refresher, each in its own
network namespace and empty folder, sharing nothing but PostgreSQL and a
password-protected Redis (both in a fifth namespace).

One module-scoped cluster; the tests run in order and each leaves it serving:
- a source registered through one frontend is refreshed on the refresher's host and
  seen through the other frontend; no host holds a SQLite file;
- runs alternate frontends and spread over both workers;
- a worker SIGKILLed mid-load loses exactly the runs it held (`run_lost`), every other
  run succeeds;
- Redis restarted (empty): while it is down callers get `queue_unavailable`; once it is
  back, every frontend serves again within 2 s.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from helpers import error_name, execute_stateless
from hosts import Host, Network, Postgres, Redis, can_make_namespaces, environment
from stack import bin_dir, deno_path, new_master_key, redis_server_path

pytestmark = pytest.mark.anyio

UPSTREAM_PORT = 18080
FRONTEND_PORT = 8080
RECOVERY_LIMIT_S = 2.0


def host_of(result: dict) -> str:
    return result["structuredContent"]["result"]["host"]


class Cluster:
    def __init__(self, root: Path) -> None:
        self.net = Network(root)
        self.db = self.net.add_host("db")
        self.fe = [self.net.add_host("fe1"), self.net.add_host("fe2")]
        self.workers = [self.net.add_host("w1"), self.net.add_host("w2")]
        self.rf = self.net.add_host("rf")
        self.pg = Postgres(self.db, secrets.token_urlsafe(12))
        self.redis = Redis(self.db, secrets.token_urlsafe(16), redis_server_path())
        self.master_key = new_master_key()
        self.token = ""

    def env(self, host: Host, **extra: Any) -> dict[str, str]:
        return environment(
            REDIS_URL=self.redis.url, JUNCTION_DATABASE_URL=self.pg.url,
            JUNCTION_MASTER_KEY=self.master_key, JUNCTION_MASTER_KEY_ID="k1",
            JUNCTION_DATA_DIR=host.folder / "data", JUNCTION_ALLOW_LOOPBACK_HTTP="1",
            JUNCTION_DENO=deno_path(), JUNCTION_VISIBILITY_TIMEOUT_MS=3000,
            JUNCTION_MAX_RUNS_PER_USER=32, JUNCTION_RATE_LIMIT_PER_SECOND=200, JUNCTION_RATE_LIMIT_BURST=400,
            **extra)

    def url(self, i: int) -> str:
        return f"http://{self.fe[i].address}:{FRONTEND_PORT}"

    def start(self) -> None:
        self.pg.start()
        self.redis.start()
        bdir = bin_dir()
        for host in self.workers + [self.rf]:
            proc = host.spawn("upstream", [sys.executable, str(Path(__file__).parent / "multihost_upstream.py"),
                                           str(UPSTREAM_PORT), host.name], environment())
            # The upstream listens on the host's own loopback; wait from inside it.
            deadline = time.monotonic() + 20
            while host.run(["python3", "-c", f"import socket; socket.create_connection(('127.0.0.1', {UPSTREAM_PORT}), 1)"]).returncode != 0:
                assert proc.alive() and time.monotonic() < deadline, proc.tail()
                time.sleep(0.1)
        for host in self.fe:
            env = self.env(host, JUNCTION_HOST=host.address, JUNCTION_PORT=FRONTEND_PORT,
                           JUNCTION_PUBLIC_URL=f"http://{host.address}:{FRONTEND_PORT}")
            proc = host.spawn("frontend", [str(bdir / "junction-frontend"), "serve"], env)
            host.wait_port(FRONTEND_PORT, proc, timeout=60)
        for host in self.workers:
            # Two runs at a time per worker, so a load of eight spreads over both.
            host.spawn("worker", [str(bdir / "junction-worker")],
                       self.env(host, JUNCTION_SANDBOX_PROCESSES=1, JUNCTION_SANDBOX_CONCURRENCY=2))
        self.rf.spawn("refresher", [str(bdir / "junction-refresher")], self.env(self.rf))
        r = self.fe[0].run([str(bdir / "junction-frontend"), "admin", "token", "--email", "multi@example.com"],
                           env=self.env(self.fe[0]))
        assert r.returncode == 0, f"admin token failed: {r.stdout}\n{r.stderr}"
        self.token = r.stdout.strip().splitlines()[-1]

    def api(self, i: int) -> httpx.Client:
        return httpx.Client(base_url=self.url(i), headers={"Authorization": f"Bearer {self.token}"}, timeout=60)

    async def execute(self, i: int, code: str, timeout: float = 60) -> tuple[bool, dict]:
        """(ok, tool result) of one stateless `execute` through frontend i: no MCP session to
        lose when Redis restarts empty."""
        status, result = await asyncio.to_thread(execute_stateless, self.url(i), self.token, code, timeout, "e2e-multihost")
        return status == 200 and not result.get("isError"), result

    def hits(self, host: Host) -> list[str]:
        path = host.folder / "hits.txt"
        return path.read_text().split() if path.exists() else []


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Cluster:
    why = can_make_namespaces()
    if why:
        pytest.fail(why)
    c = Cluster(tmp_path_factory.mktemp("hosts"))
    try:
        c.start()
        yield c
    finally:
        c.net.close()
        c.pg.remove()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def hello(run: str, sleep: float = 0) -> str:
    args = json.dumps({"query": {"run": run, "sleep": sleep}})
    return f"async () => {{ const r = await codemode.mh_hello({args}); return typeof r === 'string' ? JSON.parse(r) : (r.body ?? r); }}"


async def test_a_source_registered_on_one_frontend_is_refreshed_elsewhere_and_seen_on_the_other(cluster: Cluster) -> None:
    upstream = f"http://127.0.0.1:{UPSTREAM_PORT}"
    with cluster.api(0) as api0, cluster.api(1) as api1:
        r = api0.post("/api/v1/sources", json={"slug": "mh", "type": "openapi", "specUrl": upstream + "/spec.json",
                                                "baseUrl": upstream, "auth": {"type": "none"}})
        assert r.status_code == 201, r.text
        deadline = time.monotonic() + 60
        while True:
            src = api1.get("/api/v1/sources/mh").json()
            src = src.get("source", src)
            if src.get("status") in ("ready", "error") or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert src.get("status") == "ready", (src, cluster.net.tails())
        assert src.get("entryCount") == 1
    ok, result = await cluster.execute(1, hello("first"))
    assert ok, result
    assert host_of(result) in ("w1", "w2"), result
    # Nothing but PostgreSQL and Redis is shared: no host made a SQLite file.
    sqlite = [p for h in cluster.net.hosts for p in h.folder.rglob("*") if "sqlite" in p.name]
    assert sqlite == [], sqlite


async def test_runs_alternate_frontends_and_spread_over_both_workers(cluster: Cluster) -> None:
    runs = [f"spread-{i}" for i in range(16)]
    sem = asyncio.Semaphore(8)

    async def one(i: int, run: str) -> tuple[bool, dict]:
        async with sem:
            return await cluster.execute(i % 2, hello(run, sleep=0.3))

    results = await asyncio.gather(*(one(i, run) for i, run in enumerate(runs)))
    failed = [result for ok, result in results if not ok]
    assert failed == [], failed
    served = {host_of(result) for _, result in results}
    assert served == {"w1", "w2"}, served


async def test_a_killed_worker_loses_only_its_own_runs(cluster: Cluster) -> None:
    w1, w2 = cluster.workers
    before = set(cluster.hits(w1))
    runs = [f"kill-{i}" for i in range(8)]
    tasks = [asyncio.create_task(cluster.execute(i % 2, hello(run, sleep=4))) for i, run in enumerate(runs)]
    # Wait until the killed worker holds runs, then kill it without warning.
    deadline = time.monotonic() + 20
    while not (set(cluster.hits(w1)) - before) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)
    w1.procs["worker"].popen.kill()
    results = dict(zip(runs, await asyncio.gather(*tasks)))
    on_w1 = set(cluster.hits(w1)) - before
    assert on_w1, "the killed worker never held a run"
    for run, (ok, result) in results.items():
        if run in on_w1:
            assert not ok and error_name(result) == "run_lost", (run, result)
        else:
            assert ok, (run, result, cluster.net.tails())
            assert host_of(result) == "w2", result
    # The lost worker's host is back: start it again for the tests after this one.
    w1.procs["worker"].stop()
    w1.spawn("worker", [str(bin_dir() / "junction-worker")],
             cluster.env(w1, JUNCTION_SANDBOX_PROCESSES=1, JUNCTION_SANDBOX_CONCURRENCY=2))


async def test_a_redis_restart_is_survived_within_two_seconds(cluster: Cluster) -> None:
    cluster.redis.kill()
    started = time.monotonic()
    ok, result = await cluster.execute(0, "async () => 1")
    assert not ok and error_name(result) == "queue_unavailable", result
    assert time.monotonic() - started < 10, "the refusal took too long"
    back = cluster.redis.start()
    served_at: dict[int, float] = {}
    deadline = back + 30
    while len(served_at) < 2 and time.monotonic() < deadline:
        for i in (0, 1):
            if i in served_at:
                continue
            try:
                ok, _ = await cluster.execute(i, "async () => 2", timeout=5)
            except Exception:
                ok = False
            if ok:
                served_at[i] = time.monotonic() - back
        await asyncio.sleep(0.05)
    assert len(served_at) == 2, (served_at, cluster.net.tails())
    print(f"served again after Redis restart: fe1 {served_at[0]:.2f} s, fe2 {served_at[1]:.2f} s")
    assert max(served_at.values()) <= RECOVERY_LIMIT_S, served_at
    # Nothing asked after that is lost, on either frontend or worker.
    results = await asyncio.gather(*(cluster.execute(i % 2, hello(f"after-{i}", sleep=0.2)) for i in range(8)))
    assert all(ok for ok, _ in results), results
