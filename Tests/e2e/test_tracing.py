"""Traces and JSON logs end to end: a stack exporting to a real OTLP/HTTP receiver.

The receiver (otlp_receiver.py) decodes the protobuf spans with opentelemetry-proto. One
`execute` must be one trace: the frontend's server and producer spans, the worker's
consumer, sandbox and call spans, linked parent to child, and the upstream (httpbin's
/headers echoes what it got; the FastMCP fixture records it) receives a `traceparent` of
that trace naming the call span. An incoming `traceparent` is continued; a malformed or
oversized one is ignored. Every log line of the three processes is a JSON object, and the
request's log lines carry its trace id.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path

import httpx
import pytest

from helpers import STATELESS, create_source, find_call_name, mcp_client, wait_source
from otlp_receiver import OTLPReceiver, Span
from stack import Stack, free_port, parse_mcp_body, venv_exe

pytestmark = pytest.mark.anyio

FIXTURE = str(Path(__file__).parent / "mcp_fixture_server.py")
SERVER, CLIENT, PRODUCER, CONSUMER = 2, 3, 4, 5


@pytest.fixture(scope="module")
def receiver():
    r = OTLPReceiver()
    yield r
    r.close()


@pytest.fixture(scope="module")
def tstack(tmp_path_factory: pytest.TempPathFactory, receiver: OTLPReceiver):
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url, "OTEL_BSP_SCHEDULE_DELAY": "100",
           "JUNCTION_LOG_FORMAT": "json", "JUNCTION_LOG_LEVEL": "debug"}
    with Stack(workdir=tmp_path_factory.mktemp("junction-tracing"), execute_timeout_ms=20000, extra_env=env) as s:
        yield s


@pytest.fixture(scope="module")
def headers_call(tstack: Stack) -> str:
    """The call name of httpbin's GET /headers in a source of this stack."""
    with tstack.api() as api:
        create_source(api, tstack, "traced")
        assert wait_source(api, "traced")["status"] == "ready"

    async def find() -> str:
        async with mcp_client(tstack) as client:
            return await find_call_name(client, "traced", "GET", "/headers", "headers")
    import anyio
    return anyio.run(find)


def execute(stack: Stack, code: str, extra_headers: dict[str, str] | None = None) -> dict:
    headers = {"Authorization": f"Bearer {stack.token}", "Content-Type": "application/json",
               "Accept": "application/json, text/event-stream", "MCP-Protocol-Version": STATELESS,
               "Mcp-Method": "tools/call", "Mcp-Name": "execute", **(extra_headers or {})}
    meta = {"io.modelcontextprotocol/protocolVersion": STATELESS, "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": {"name": "e2e-tracing", "version": "1"}}
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "execute", "arguments": {"code": code}, "_meta": meta}}
    r = httpx.post(tstack_url(stack), headers=headers, json=body, timeout=60)
    assert r.status_code == 200, f"{r.status_code}: {r.text[:500]}"
    result = parse_mcp_body(r)["result"]
    assert not result.get("isError"), result
    return result["structuredContent"]


def tstack_url(stack: Stack) -> str:
    return f"{stack.base_url}/mcp"


def upstream_traceparent(stack: Stack, call: str, extra_headers: dict[str, str] | None = None) -> str:
    """Runs one execute calling httpbin's /headers; the traceparent httpbin received."""
    out = execute(stack, f"async () => await codemode.{call}({{}})", extra_headers)
    echoed = out["result"]
    if isinstance(echoed, dict) and "body" in echoed:
        echoed = echoed["body"]
    if isinstance(echoed, str):
        echoed = json.loads(echoed)
    received = {k.lower(): v for k, v in echoed["headers"].items()}
    assert "traceparent" in received, f"no traceparent upstream: {echoed}"
    return received["traceparent"]


def parse_traceparent(value: str) -> tuple[str, str]:
    m = re.fullmatch(r"00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]", value)
    assert m, f"not a W3C traceparent: {value!r}"
    return m.group(1), m.group(2)


def only(spans: list[Span], name: str) -> Span:
    found = [s for s in spans if s.name == name]
    assert len(found) == 1, f"{name}: {found} in {spans}"
    return found[0]


WANTED = {"POST /mcp", "execute enqueue", "exec job", "sandbox execute"}


def test_one_execute_is_one_trace_from_the_frontend_to_the_upstream(tstack: Stack, receiver: OTLPReceiver, headers_call: str) -> None:
    trace_id, upstream_parent = parse_traceparent(upstream_traceparent(tstack, headers_call))
    call_name = f"codemode.{headers_call}"
    spans = receiver.wait_for(trace_id, WANTED | {call_name})
    server = only(spans, "POST /mcp")
    producer = only(spans, "execute enqueue")
    consumer = only(spans, "exec job")
    sandbox = only(spans, "sandbox execute")
    call = only(spans, call_name)
    assert (server.service, server.kind, server.parent_span_id) == ("junction-frontend", SERVER, ""), server
    assert server.attributes.get("http.route") == "/mcp" and server.attributes.get("http.response.status_code") == 200, server
    assert (producer.service, producer.kind, producer.parent_span_id) == ("junction-frontend", PRODUCER, server.span_id)
    # Through Redis: the worker's span is a child of the frontend's producer span.
    assert (consumer.service, consumer.kind, consumer.parent_span_id) == ("junction-worker", CONSUMER, producer.span_id)
    assert consumer.attributes.get("junction.job.id") == producer.attributes.get("junction.job.id") != None
    assert (sandbox.service, sandbox.parent_span_id) == ("junction-worker", consumer.span_id)
    assert (call.service, call.kind, call.parent_span_id) == ("junction-worker", CLIENT, sandbox.span_id)
    # The upstream was told it is a child of the call's span.
    assert upstream_parent == call.span_id
    assert len({s.span_id for s in spans}) == len(spans)


def test_an_incoming_traceparent_is_continued(tstack: Stack, receiver: OTLPReceiver, headers_call: str) -> None:
    incoming_trace, incoming_parent = secrets.token_hex(16), secrets.token_hex(8)
    sent = f"00-{incoming_trace}-{incoming_parent}-01"
    trace_id, _ = parse_traceparent(upstream_traceparent(tstack, headers_call, {"traceparent": sent, "tracestate": "e2e=1"}))
    assert trace_id == incoming_trace
    spans = receiver.wait_for(trace_id, WANTED)
    server = only(spans, "POST /mcp")
    assert server.parent_span_id == incoming_parent
    assert only(spans, "exec job").parent_span_id == only(spans, "execute enqueue").span_id


@pytest.mark.parametrize("bad", [
    "garbage",
    "00-" + "A" * 32 + "-" + "b" * 16 + "-01",                  # uppercase hex
    "00-" + "0" * 32 + "-" + "b" * 16 + "-01",                  # all-zero trace id
    "ff-" + "a" * 32 + "-" + "b" * 16 + "-01",                  # forbidden version
    "00-" + "a" * 32 + "-" + "b" * 16 + "-01-" + "x" * 6000,    # oversized
])
def test_a_malformed_or_oversized_traceparent_is_ignored_not_an_error(tstack: Stack, receiver: OTLPReceiver,
                                                                      headers_call: str, bad: str) -> None:
    trace_id, _ = parse_traceparent(upstream_traceparent(tstack, headers_call, {"traceparent": bad}))
    assert trace_id not in bad and trace_id != "a" * 32
    spans = receiver.wait_for(trace_id, WANTED)
    assert only(spans, "POST /mcp").parent_span_id == "", "a new trace: the bad header named no parent"


async def test_a_remote_mcp_call_sends_the_traceparent_of_its_span(tstack: Stack, receiver: OTLPReceiver) -> None:
    port = free_port()
    tstack.start_upstream("fastmcp-traced", [venv_exe("fastmcp", "python"), FIXTURE, "--transport", "http", "--port", str(port)], port)
    with tstack.api() as api:
        r = api.post("/api/v1/sources", json={"slug": "tmcp", "type": "mcp", "name": "tmcp",
                                              "baseUrl": f"http://127.0.0.1:{port}/mcp", "auth": {"type": "none"}})
        assert r.status_code == 201, r.text
        assert wait_source(api, "tmcp", timeout=60)["status"] == "ready"
    out = execute(tstack, "async () => await codemode.tmcp_add({a: 2, b: 3})")
    assert out["result"] == {"result": 5}, out
    seen = httpx.get(f"http://127.0.0.1:{port}/traceparents", timeout=10).json()
    assert len(seen) == 1 and seen[0], f"tools/call without traceparent: {seen}"
    trace_id, parent = parse_traceparent(seen[0])
    spans = receiver.wait_for(trace_id, WANTED | {"codemode.tmcp_add"})
    call = only(spans, "codemode.tmcp_add")
    assert (call.service, call.kind, call.span_id) == ("junction-worker", CLIENT, parent)
    assert only(spans, "exec job").parent_span_id == only(spans, "execute enqueue").span_id


def log_lines(stack: Stack, name: str) -> list[str]:
    return [line for line in stack.procs[name].log_path.read_text(errors="replace").splitlines() if line.strip()]


def test_json_logs_one_object_per_line_with_the_trace_id_on_request_logs(tstack: Stack, receiver: OTLPReceiver,
                                                                         headers_call: str) -> None:
    trace_id, _ = parse_traceparent(upstream_traceparent(tstack, headers_call))
    receiver.wait_for(trace_id, WANTED)
    deadline = time.monotonic() + 10
    while True:
        records = {}
        for name in ("frontend", "worker", "refresher"):
            lines = log_lines(tstack, name)
            assert lines, f"{name} logged nothing"
            parsed = []
            for line in lines:
                try:
                    obj = json.loads(line)
                except ValueError:
                    pytest.fail(f"{name} wrote a line that is not JSON: {line[:300]!r}")
                assert isinstance(obj, dict) and {"time", "level", "logger", "message"} <= obj.keys(), line[:300]
                parsed.append(obj)
            records[name] = parsed
        request_logs = [r for r in records["frontend"] if r.get("message") == "request" and r.get("trace_id") == trace_id]
        run_logs = [r for r in records["worker"] if r.get("message") == "run finished" and r.get("trace_id") == trace_id]
        if (request_logs and run_logs) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert request_logs and request_logs[0]["route"] == "/mcp" and request_logs[0]["status"] == "200", records["frontend"][-5:]
    assert run_logs and run_logs[0].get("span_id"), records["worker"][-5:]
    assert any(r.get("message") == "refresher ready" for r in records["refresher"])
    # Never a secret: neither the master key nor the bearer token appears in any log.
    for name in ("frontend", "worker", "refresher"):
        text = "\n".join(log_lines(tstack, name))
        assert tstack.master_key not in text and tstack.token not in text, name
