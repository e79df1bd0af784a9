"""Adversarial: hostile OpenAPI documents through the real refresher (issue 12, "Indexing
is bounded").

Each attempt registers a small good spec, swaps the served document for a hostile one and
refreshes. It asserts that the refresher refuses it within seconds with a `lastError`
naming the limit, that the source keeps its previous catalog, that another user's
`execute` is served meanwhile, and (over the whole module) that the refresher stays alive
and its peak memory bounded. External `$ref`s must be reported and never fetched.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

import hostile_specs
from helpers import mcp_client, run_code, tool_payload
from stack import DocServer, Stack

pytestmark = pytest.mark.anyio

#: A refusal must arrive within this long (debug binaries; release is several times faster).
REFUSAL_SECONDS = 15
#: The refresher's peak RSS over every attempt of this module.
REFRESHER_PEAK_MIB = 1024


def good_spec(tag: str) -> bytes:
    return json.dumps({
        "openapi": "3.0.3", "info": {"title": f"good {tag}", "version": "1"},
        "paths": {"/items": {"get": {"operationId": "listItems", "summary": "List items", "responses": {"200": {"description": "ok"}}}},
                  "/items/{id}": {"get": {"operationId": "getItem", "summary": "Get an item",
                                          "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                                          "responses": {"200": {"description": "ok"}}}}},
    }).encode()


class HitCounter:
    """An HTTP server that counts every request: external `$ref`s must never reach it."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def do_GET(self) -> None:
                hits.append(self.path)
                body = b'{"P": {"name": "stolen", "in": "query"}}'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def hstack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    s = Stack(workdir=tmp_path_factory.mktemp("junction-specs"), with_httpbin=False, execute_timeout_ms=10_000)
    s.start()
    try:
        yield s
        assert "refresher" not in s.check_alive(), "the refresher died during the hostile specs"
        peak = s.rss_kib().get("refresher", {}).get("VmHWM", 0) / 1024
        print(f"\nrefresher peak RSS over the hostile specs: {peak:.0f} MiB")
        assert peak < REFRESHER_PEAK_MIB, f"refresher peak RSS {peak:.0f} MiB over the hostile specs"
    finally:
        s.stop()


@pytest.fixture(scope="module")
def docs() -> Iterator[DocServer]:
    d = DocServer()
    yield d
    d.close()


@pytest.fixture(scope="module")
def bystander(hstack: Stack) -> str:
    """Another user's token: their runs must be served while the refresher is attacked."""
    return hstack.admin_token("bystander@example.com")


def source(api: httpx.Client, slug: str) -> dict[str, Any]:
    r = api.get(f"/api/v1/sources/{slug}")
    assert r.status_code == 200, r.text
    body = r.json()
    return body.get("source", body)


def register_good(api: httpx.Client, docs: DocServer, slug: str) -> dict[str, Any]:
    docs.docs[f"/{slug}.json"] = good_spec(slug)
    r = api.post("/api/v1/sources", json={"slug": slug, "type": "openapi", "specUrl": docs.url(f"/{slug}.json"),
                                          "baseUrl": "http://127.0.0.1:9"})
    assert r.status_code == 201, r.text
    deadline = time.monotonic() + 60
    while (src := source(api, slug))["status"] not in ("ready", "error") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert src["status"] == "ready" and src["entryCount"] == 2, src
    return src


async def bystander_execute(client: Any) -> float:
    """One cheap run of the other user; returns its latency."""
    started = time.monotonic()
    result = await client.call_tool("execute", {"code": "async () => 6 * 7"})
    assert not result.is_error, result
    assert tool_payload(result)["result"] == 42
    return time.monotonic() - started


async def attack(stack: Stack, docs: DocServer, bystander: str, slug: str, body: bytes) -> tuple[dict[str, Any], float, list[float]]:
    """Swaps in `body`, refreshes, serves the bystander until the refresh ends; returns the
    source, the seconds until it ended, and the bystander's latencies."""
    with stack.api() as api:
        good = register_good(api, docs, slug)
        docs.docs[f"/{slug}.json"] = body
        async with mcp_client(stack, bystander) as client:
            started = time.monotonic()
            assert api.post(f"/api/v1/sources/{slug}/refresh").status_code == 202
            latencies: list[float] = []
            while True:
                latencies.append(await bystander_execute(client))
                src = source(api, slug)
                # lastRefreshAt has a one-second grain: an accepted refresh shows in its count or warnings too.
                changed = [src.get(k) for k in ("lastRefreshAt", "entryCount", "lastError")] != \
                    [good.get(k) for k in ("lastRefreshAt", "entryCount", "lastError")]
                if src["status"] == "error" or (src["status"] == "ready" and changed):
                    break
                assert time.monotonic() - started < 120, f"refresh of {slug} still {src['status']} after 120 s"
                time.sleep(0.2)  # within the bystander's rate limit
            took = time.monotonic() - started
        if src["status"] == "error":
            assert src["entryCount"] == good["entryCount"], ("the previous catalog must be kept", src)
    print(f"\n{slug}: {src['status']} after {took:.2f} s; bystander runs {len(latencies)}, slowest {max(latencies):.2f} s; "
          f"{(src['lastError'] or '')[:120]}")
    return src, took, latencies


CASES = list(hostile_specs.HOSTILE.items())


@pytest.mark.parametrize("number", range(1, len(CASES) + 1), ids=[f"{i + 1:02d}-{label}" for i, (label, _) in enumerate(CASES)])
async def test_hostile_spec_is_refused_quickly(hstack: Stack, docs: DocServer, bystander: str, number: int) -> None:
    label, (build, expected) = CASES[number - 1]
    slug = f"hostile{number:02d}"
    src, took, latencies = await attack(hstack, docs, bystander, slug, build())
    assert src["status"] == "error", (label, src)
    assert expected in (src["lastError"] or ""), (label, src["lastError"])
    assert took < REFUSAL_SECONDS, f"{label}: refused only after {took:.1f} s"
    assert max(latencies) < 5, f"{label}: the bystander's run took {max(latencies):.1f} s"
    # The old catalog still answers searches and describes.
    async with mcp_client(hstack) as client:
        names = (await run_code(client, "search", f'async () => (await codemode.catalog({{ source: "{slug}" }})).map(h => h.callName)'))["result"]
    assert sorted(names) == [f"{slug}_getItem", f"{slug}_listItems"], names


async def test_external_refs_are_reported_and_never_fetched(hstack: Stack, docs: DocServer, bystander: str) -> None:
    evil = HitCounter()
    try:
        src, took, _ = await attack(hstack, docs, bystander, "hostile_ext", hostile_specs.external_refs(evil.url + "/evil.json"))
        time.sleep(0.5)
        assert evil.hits == [], f"an external $ref was fetched: {evil.hits}"
    finally:
        evil.close()
    assert src["status"] == "ready", src
    error = src["lastError"] or ""
    assert "external $ref not followed" in error, error
    for ref in (evil.url + "/evil.json#/P", "file:///etc/passwd#/P", "../../../../etc/shadow#/S"):
        assert ref in error, (ref, error)
    assert took < REFUSAL_SECONDS


async def test_schemas_nested_by_ref_chains_are_cut_and_still_describable(hstack: Stack, docs: DocServer, bystander: str) -> None:
    src, took, _ = await attack(hstack, docs, bystander, "hostile_deep", hostile_specs.deep_schema_chain())
    assert src["status"] == "ready", src
    assert took < REFUSAL_SECONDS
    async with mcp_client(hstack) as client:
        d = (await run_code(client, "search", 'async () => await codemode.describe("hostile_deep_boom")'))["result"]
    assert d["input"] is not None, "the stored schema must parse again"
    assert "nested deeper than" in json.dumps(d["input"]), "the chain is cut where it gets too deep"


async def test_megabyte_names_are_accepted_but_cut_to_size(hstack: Stack, docs: DocServer, bystander: str) -> None:
    src, took, _ = await attack(hstack, docs, bystander, "hostile_long", hostile_specs.long_names())
    assert src["status"] == "ready", src
    assert took < REFUSAL_SECONDS
    async with mcp_client(hstack) as client:
        hits = (await run_code(client, "search", 'async () => await codemode.catalog({ source: "hostile_long" })'))["result"]
    assert len(hits) == 1, hits
    hit = hits[0]
    assert len(hit["callName"]) <= len("hostile_long_") + 64, hit["callName"][:100]
    assert len(hit["title"]) <= 300 and len(hit["description"]) <= 300, (len(hit["title"]), len(hit["description"]))
    assert len(hit["signature"]) < 2000, len(hit["signature"])
