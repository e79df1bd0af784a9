"""Metrics, readiness and live status, end to end (ops/docs/METRICS.md).

One stack whose frontend, worker and refresher each have a metrics listener
(JUNCTION_METRICS_PORT) and beat every 300 ms. After real traffic (a refresh of an
OpenAPI source, an execute calling httpbin through it) each process's /metrics is parsed
with prometheus_client's own text parser; odd paths and methods must not grow the route
label; /admin/status lists the live processes and drops the ones that stop, and refuses
non-admins; /readyz follows Redis going away and coming back (last: it stops Redis).
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import secrets
import signal
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from helpers import create_source, execute_stateless, metric_value, scrape_metrics, wait_source
from stack import ACTIVE_STACKS, REPO_ROOT, Stack

ADMIN = "ops@admin.example"
PASSWORD = "correct horse battery staple"
HEARTBEAT_MS = 300


@pytest.fixture(scope="module")
def mstack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    s = Stack(workdir=tmp_path_factory.mktemp("metrics"), execute_timeout_ms=15000, metrics=True,
              extra_env={"JUNCTION_HEARTBEAT_MS": str(HEARTBEAT_MS)})
    ACTIVE_STACKS.append(s)
    try:
        s.start_redis()
        s.start_httpbin()
        s.start_junction()
        s.wait_httpbin()
        with contextlib.closing(browser(s)) as b:
            r = b.post("/setup", data={"email": ADMIN, "password": PASSWORD})
            assert r.status_code == 303, r.text
        s.token = s.admin_token(ADMIN)
        yield s
    finally:
        s.stop()


def browser(s: Stack) -> httpx.Client:
    return httpx.Client(base_url=s.base_url, timeout=30, follow_redirects=False)


def signed_in(s: Stack, email: str, password: str) -> httpx.Client:
    b = browser(s)
    r = b.post("/login", data={"email": email, "password": password, "next": "/"})
    assert r.status_code == 303, r.text
    return b


def metrics_url(s: Stack, name: str, path: str = "/metrics") -> str:
    return f"http://127.0.0.1:{s.metrics_ports[name]}{path}"


def scrape(s: Stack, name: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    return scrape_metrics(s, name)


def value(samples: dict, name: str, **labels: str) -> float:
    return metric_value(samples, name, **labels)


def documented() -> dict[str, tuple[str, list[str]]]:
    """name -> (type, labels) from the table in ops/docs/METRICS.md."""
    out = {}
    for line in (REPO_ROOT / "ops/docs/METRICS.md").read_text().splitlines():
        m = re.match(r"\| `(junction_[a-z_]+)` \| (\w+) \| ([^|]*) \|", line)
        if m:
            out[m.group(1)] = (m.group(2), re.findall(r"`([a-z_]+)`", m.group(3)))
    return out


def family_names(s: Stack, name: str) -> dict[str, tuple[str, set[str]]]:
    r = httpx.get(metrics_url(s, name), timeout=10)
    out = {}
    for family in text_string_to_metric_families(r.text):
        labels = {k for sample in family.samples for k in sample.labels if k != "le"}
        out[family.name] = (family.type, labels)
    return out


def test_each_process_exports_its_metrics_after_real_traffic(mstack: Stack) -> None:
    with mstack.api() as api:
        create_source(api, mstack, "mx")
        src = wait_source(api, "mx")
        assert src["status"] == "ready", src
        hits = api.get("/api/v1/catalog", params={"q": "get", "source": "mx", "limit": 50}).json()["results"]
        name = next(h["callName"] for h in hits if h["method"] == "GET" and h["path"] == "/get")
    code = f'async () => (await codemode.{name}({{ query: {{ a: "1" }} }})).status'
    status, result = execute_stateless(mstack.base_url, mstack.token, code)
    assert status == 200 and not result.get("isError"), result
    assert result["structuredContent"]["result"] == 200

    front = scrape(mstack, "frontend")
    assert value(front, "junction_http_requests_total", route="/mcp", method="POST", status="200") >= 1
    assert value(front, "junction_http_requests_total", route="/api/v1/sources", method="POST", status="201") == 1
    assert value(front, "junction_http_request_duration_seconds_count", route="/mcp", method="POST") >= 1
    assert ("junction_queue_depth" in front) and value(front, "junction_queue_depth", kind="exec") == 0

    worker = scrape(mstack, "worker")
    assert value(worker, "junction_runs_total", tool="execute", outcome="ok") == 1
    assert value(worker, "junction_run_duration_seconds_count", tool="execute") == 1
    assert value(worker, "junction_upstream_calls_total", source_type="openapi", outcome="ok") == 1
    assert value(worker, "junction_upstream_call_duration_seconds_count", source_type="openapi") == 1
    assert value(worker, "junction_sandbox_isolates_created_total") >= 1
    assert value(worker, "junction_queue_wait_seconds_count", kind="exec") == 1
    assert value(worker, "junction_runs_in_flight") == 0
    assert "junction_queue_depth" in worker

    refresher = scrape(mstack, "refresher")
    assert value(refresher, "junction_refreshes_total", source_type="openapi", outcome="ok") >= 1
    assert value(refresher, "junction_refresh_duration_seconds_count", source_type="openapi") >= 1
    assert value(refresher, "junction_queue_wait_seconds_count", kind="refresh") >= 1

    # A run that fails counts as such, by outcome.
    status, result = execute_stateless(mstack.base_url, mstack.token, 'async () => { throw new Error("no") }')
    assert status == 200 and result.get("isError")
    assert value(scrape(mstack, "worker"), "junction_runs_total", tool="execute", outcome="error") == 1

    # Every family exported is documented with its type and labels.
    docs = documented()
    for name in ("frontend", "worker", "refresher"):
        for family, (kind, labels) in family_names(mstack, name).items():
            if not family.startswith("junction_"):
                continue
            assert family in docs or family + "_total" in docs, f"{family} ({name}) is not in ops/docs/METRICS.md"
            doc_kind, doc_labels = docs.get(family) or docs[family + "_total"]
            assert kind == doc_kind, f"{family}: {kind} vs documented {doc_kind}"
            assert labels == set(doc_labels), f"{family}: labels {labels} vs documented {doc_labels}"


def test_route_label_stays_bounded_under_odd_paths(mstack: Stack) -> None:
    marker = secrets.token_hex(6)

    def attack(round_: int) -> None:
        with httpx.Client(base_url=mstack.base_url, timeout=10) as c:
            paths = [
                f"/{marker}-{round_}-{i}" for i in range(60)
            ] + [
                f"/api/v1/sources/{marker}{round_}{i}" for i in range(40)
            ] + [
                f"/executions/{marker}{round_}{i}" for i in range(20)
            ] + [
                "//api/v1/tokens", "/api//v1/tokens/", "/%2e%2e/%2e%2e/etc/passwd", "/mcp/" + marker * 40,
                f"/api/v1/sources/{marker}/refresh", "/assets/../../x", "/a%00b", "/" + "x/" * 200,
                f"/upstream-oauth/{marker}", "/.well-known/" + marker,
            ]
            for path in paths:
                c.get(path)
            for method in ("BREW", "PROPFIND", "TRACE", "PATCH", "DELETE"):
                c.request(method, f"/{marker}/{method}")
                c.request(method, "/mcp")

    def routes() -> set[tuple[str, str, str]]:
        samples = scrape(mstack, "frontend")
        return {(l["route"], l["method"], l["status"]) for l, _ in samples["junction_http_requests_total"]}

    attack(1)
    first = routes()
    attack(2)
    second = routes()
    assert second == first, f"a second round of different odd paths added series: {second - first}"
    for route, method, status in second:
        assert marker not in route, route
        assert route == "unmatched" or route.startswith("/"), route
        assert method in {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}, method
        assert re.fullmatch(r"[1-5]\d\d", status), status
    assert ("unmatched", "GET", "404") in second
    assert ("unmatched", "other", "404") in second or ("/mcp", "other", "405") in second or any(
        m == "other" for _, m, _ in second)
    # The odd paths under a real route count under its pattern, not their own.
    assert any("{" in r or ":" in r for r, _, _ in second), second
    assert len(second) < 80, f"{len(second)} series from odd requests"


def live_ids(b: httpx.Client) -> dict[str, str]:
    """process id -> kind, from the admin status page's live fragment."""
    r = b.get("/admin/status/live")
    assert r.status_code == 200, r.text[:300]
    return {html.unescape(pid): kind for pid, kind in re.findall(r'data-process="([^"]+)" data-kind="([^"]+)"', r.text)}


def wait_for(predicate, timeout: float = 15, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what}")


def test_admin_status_page_lists_live_processes_and_drops_stopped_ones(mstack: Stack) -> None:
    marker = "user-code-" + secrets.token_hex(6)
    status, result = execute_stateless(mstack.base_url, mstack.token, f'async () => {{ throw new TypeError("{marker}") }}')
    assert status == 200 and result.get("isError")
    with contextlib.closing(signed_in(mstack, ADMIN, PASSWORD)) as b:
        page = b.get("/admin/status")
        assert page.status_code == 200
        assert "Live status" in page.text and 'data-page="admin-status"' in page.text
        kinds = sorted(live_ids(b).values())
        assert kinds == ["frontend", "refresher", "worker"], kinds
        live = b.get("/admin/status/live").text
        # The failed run is listed by outcome and error name; the code and its message are not.
        assert "TypeError" in live and marker not in live
        assert mstack.master_key not in live and mstack.token not in live

        # One more worker appears; stopped with SIGTERM, it withdraws itself.
        before = set(live_ids(b))
        w2 = mstack.start_worker("worker2")
        wait_for(lambda: len(set(live_ids(b)) - before) == 1, what="worker2 listed")
        (new_id,) = set(live_ids(b)) - before
        assert live_ids(b)[new_id] == "worker" and f"-{w2.pid}-" in new_id
        w2.stop()
        assert new_id not in live_ids(b), "a worker stopped with SIGTERM is gone at once"

        # Killed without a word, a worker disappears once three beats are missed.
        w3 = mstack.start_worker("worker3")
        wait_for(lambda: len(set(live_ids(b)) - before) == 1, what="worker3 listed")
        (third,) = set(live_ids(b)) - before
        os.kill(w3.pid, signal.SIGKILL)
        w3.popen.wait(timeout=10)
        killed = time.monotonic()
        wait_for(lambda: third not in live_ids(b), timeout=10, what="killed worker dropped")
        assert time.monotonic() - killed < 3 * HEARTBEAT_MS / 1000 + 2
        assert sorted(live_ids(b).values()) == ["frontend", "refresher", "worker"]


def test_admin_status_page_is_for_admins_only(mstack: Stack) -> None:
    with mstack.api() as api:
        r = api.post("/api/v1/admin/users", json={"email": "plain@example.com", "password": "plain long password"})
        assert r.status_code == 201, r.text
    with contextlib.closing(signed_in(mstack, "plain@example.com", "plain long password")) as b:
        for path in ("/admin/status", "/admin/status/live"):
            r = b.get(path)
            assert r.status_code == 403, (path, r.status_code)
            assert "data-process" not in r.text
    with contextlib.closing(browser(mstack)) as anonymous:
        r = anonymous.get("/admin/status/live")
        assert r.status_code in (302, 303) and "/login" in r.headers["location"]


def test_metrics_listener_is_loopback_and_serves_only_its_three_routes(mstack: Stack) -> None:
    assert httpx.get(f"{mstack.base_url}/metrics").status_code == 404, "never /metrics on the public listener"
    for name in ("frontend", "worker", "refresher"):
        assert httpx.get(metrics_url(mstack, name, "/healthz")).text == "ok"
        assert httpx.get(metrics_url(mstack, name, "/api/v1/sources")).status_code == 404
    listening = Path("/proc/net/tcp").read_text()
    for name, port in mstack.metrics_ports.items():
        # 0100007F: 127.0.0.1 in /proc/net/tcp's byte order; state 0A: LISTEN.
        assert re.search(rf"0100007F:{port:04X} 00000000:0000 0A", listening), f"{name} listens on loopback only"


def test_readyz_follows_redis(mstack: Stack) -> None:
    """Last in this module: it stops Redis."""
    urls = [f"{mstack.base_url}/readyz"] + [metrics_url(mstack, n, "/readyz") for n in ("frontend", "worker", "refresher")]

    def statuses() -> list[int]:
        return [httpx.get(u, timeout=10).status_code for u in urls]

    assert statuses() == [200] * 4
    body = httpx.get(urls[0]).json()
    assert body == {"status": "ready", "checks": {"redis": "ok", "store": "ok"}}
    mstack.kill_redis()
    started = time.monotonic()
    wait_for(lambda: statuses() == [503] * 4, timeout=10, what="readyz 503 everywhere")
    assert time.monotonic() - started < 5
    body = httpx.get(urls[2]).json()
    assert body["status"] == "unavailable" and body["checks"]["redis"] == "unavailable" and body["checks"]["store"] == "ok"
    for u in urls:
        assert httpx.get(u.replace("/readyz", "/healthz")).status_code == 200, "liveness does not depend on Redis"
    mstack.start_redis(same_port=True)
    wait_for(lambda: statuses() == [200] * 4, timeout=10, what="readyz 200 again")
