"""Helpers shared by the end-to-end tests: the MCP SDK client, tool results, sources."""

from __future__ import annotations

import contextlib
import json
import re
import time
from typing import Any, AsyncIterator

import httpx
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from stack import Stack, parse_mcp_body


@contextlib.asynccontextmanager
async def mcp_client(stack: Stack, token: str | None = None) -> AsyncIterator[Client]:
    """The official MCP SDK 2.x client, initialize handshake (mode="legacy")."""
    http = httpx2.AsyncClient(
        headers={"Authorization": f"Bearer {token or stack.token}"},
        timeout=httpx2.Timeout(30, read=120),
    )
    async with http:
        transport = streamable_http_client(stack.mcp_url, http_client=http)
        async with Client(transport, mode="legacy", read_timeout_seconds=120) as client:
            yield client


STATELESS = "2026-07-28"


def execute_stateless(base_url: str, token: str, code: str, timeout: float = 30,
                      client_name: str = "e2e") -> tuple[int, dict[str, Any]]:
    """One stateless (2026-07-28) `execute`: no MCP session, so nothing to lose when Redis
    restarts empty. (HTTP status, the tool result) — or the body's start when not 200."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
               "Accept": "application/json, text/event-stream", "MCP-Protocol-Version": STATELESS,
               "Mcp-Method": "tools/call", "Mcp-Name": "execute"}
    meta = {"io.modelcontextprotocol/protocolVersion": STATELESS, "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": {"name": client_name, "version": "1"}}
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "execute", "arguments": {"code": code}, "_meta": meta}}
    r = httpx.post(f"{base_url}/mcp", headers=headers, json=body, timeout=timeout)
    if r.status_code != 200:
        return r.status_code, {"body": r.text[:500]}
    return 200, parse_mcp_body(r)["result"]


def error_name(result: dict[str, Any]) -> str | None:
    """The `error.name` of a failed tool result (e.g. `queue_unavailable`, `run_lost`)."""
    if not result.get("isError"):
        return None
    return ((result.get("structuredContent") or {}).get("error") or {}).get("name")


def tool_payload(result: Any) -> dict[str, Any]:
    """structuredContent of a tool result, checked against its text twin."""
    assert result.content, f"tool result has no content: {result!r}"
    text = result.content[0].text
    structured = result.structured_content
    if structured is None:
        structured = json.loads(text)
    else:
        assert json.loads(text) == structured, "content[0].text differs from structuredContent"
    return structured


async def run_code(client: Client, tool: str, code: str) -> dict[str, Any]:
    """Call `search` or `execute`; assert success; return {result, logs, calls}."""
    result = await client.call_tool(tool, {"code": code})
    text = result.content[0].text if result.content else ""
    assert not result.is_error, f"{tool} failed: {text}"
    return tool_payload(result)


def as_json(body: Any) -> Any:
    """An upstream response body: parsed already, or a JSON string."""
    if isinstance(body, str):
        try:
            return json.loads(body)
        except ValueError:
            return body
    return body


def create_source(api: httpx.Client, stack: Stack, slug: str, auth: dict[str, Any] | None = None,
                  spec_path: str = "/spec.json") -> dict[str, Any]:
    body = {
        "slug": slug,
        "type": "openapi",
        "name": f"httpbin ({slug})",
        "baseUrl": stack.httpbin_url,
        "specUrl": stack.httpbin_url + spec_path,
        "auth": auth or {"type": "none"},
    }
    r = api.post("/api/v1/sources", json=body)
    assert r.status_code == 201, f"POST /api/v1/sources -> {r.status_code}: {r.text}"
    return r.json()


def wait_source(api: httpx.Client, slug: str, until: tuple[str, ...] = ("ready", "error"),
                timeout: float = 90) -> dict[str, Any]:
    """Poll GET /api/v1/sources/{slug} until its status is one of `until`."""
    deadline = time.monotonic() + timeout
    src: dict[str, Any] = {}
    while time.monotonic() < deadline:
        r = api.get(f"/api/v1/sources/{slug}")
        assert r.status_code == 200, f"GET /api/v1/sources/{slug} -> {r.status_code}: {r.text}"
        src = r.json()
        src = src.get("source", src)
        if src.get("status") in until:
            return src
        time.sleep(0.25)
    raise AssertionError(f"source {slug} not {until} after {timeout} s: {src}")


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.lower())


async def find_call_name(client: Client, slug: str, method: str, path: str, query: str) -> str:
    """The codemode call name of `method path` in source `slug`, found through `search`."""
    # Search within the source: other tests register more copies of the same API.
    request = {"query": query, "source": slug, "limit": 50}
    payload = await run_code(client, "search", f"async () => await codemode.catalog({json.dumps(request)})")
    entries = payload["result"]
    if isinstance(entries, dict):  # tolerate {"entries": [...]} / {"results": [...]}
        entries = next((v for v in entries.values() if isinstance(v, list)), [])
    assert isinstance(entries, list), f"catalog() did not return a list: {payload['result']!r}"
    prefix = f"{slug}_"
    mine = [e for e in entries if isinstance(e, dict) and str(e.get("callName", "")).startswith(prefix)]
    # Prefer an entry that states its method and path.
    for e in mine:
        if str(e.get("method", "")).upper() == method.upper() and e.get("path") == path:
            return e["callName"]
    # Else match the name made of method + path (in either order), sanitised.
    want = {_norm(method + path), _norm(path + method)}
    for e in mine:
        if _norm(e["callName"][len(prefix):]) in want:
            return e["callName"]
    raise AssertionError(f"no catalog entry for {method} {path} in {slug}; catalog({query!r}) gave: "
                         + json.dumps(entries)[:3000])


def scrape_metrics(stack: Stack, name: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """The samples of one process's /metrics (its JUNCTION_METRICS_PORT, a Stack with
    `metrics=True`) by sample name, parsed by prometheus_client's text parser."""
    from prometheus_client.parser import text_string_to_metric_families
    r = httpx.get(f"http://127.0.0.1:{stack.metrics_ports[name]}/metrics", timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(r.text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def metric_value(samples: dict[str, list[tuple[dict[str, str], float]]], name: str, **labels: str) -> float:
    """Sum of the samples of `name` whose labels include `labels`."""
    return sum(v for l, v in samples.get(name, []) if all(l.get(k) == want for k, want in labels.items()))
