"""The main flow, driven by the official MCP SDK 2.x (initialize handshake, 2025-11-25)."""

from __future__ import annotations

import json

import pytest

from helpers import as_json, create_source, find_call_name, mcp_client, run_code, wait_source
from stack import Stack

pytestmark = pytest.mark.anyio

BEARER_SECRET = "s3cret-token"
HEADER_SECRET = "hdr-s3cret-9f2c"


async def test_full_flow_with_mcp_sdk_injects_bearer_secret_on_host(stack: Stack, api) -> None:
    created = create_source(api, stack, "hb", auth={"type": "bearer", "secret": BEARER_SECRET})
    assert created.get("slug", created.get("source", {}).get("slug")) == "hb"
    assert BEARER_SECRET not in json.dumps(created), "POST /api/v1/sources echoed the secret"

    src = wait_source(api, "hb")
    assert src["status"] == "ready", f"source not ready: {src}"
    assert src["entryCount"] > 70, f"httpbin has 78 operations, got {src['entryCount']}"
    assert src["auth"]["type"] == "bearer"
    assert src["auth"]["hasSecret"] is True

    async with mcp_client(stack) as client:
        assert client.protocol_version == "2025-11-25"

        tools = (await client.list_tools()).tools
        assert {t.name for t in tools} == {"search", "execute"}
        for t in tools:
            props = t.input_schema.get("properties", {})
            assert props.get("code", {}).get("type") == "string", f"{t.name} input: {t.input_schema}"
            assert "code" in t.input_schema.get("required", []), f"{t.name} input: {t.input_schema}"

        # search finds the bearer endpoint
        name = await find_call_name(client, "hb", "GET", "/bearer", "bearer")

        # execute calls GET /bearer; the token only reaches httpbin from the host
        payload = await run_code(client, "execute", f"async () => await codemode.{name}({{}})")
        res = payload["result"]
        assert res["status"] == 200, f"GET /bearer through {name}: {res}"
        body = as_json(res["body"])
        assert body == {"authenticated": True, "token": BEARER_SECRET}
        assert isinstance(payload.get("logs"), list)
        assert isinstance(payload.get("calls"), list) and payload["calls"], f"no call record: {payload}"

        # the secret is not visible inside the sandbox
        probe = r"""async () => {
          const seen = [];
          const safe = (label, f) => { try { seen.push(label + "=" + f()); } catch (e) { seen.push(label + "!" + e); } };
          safe("codemode", () => JSON.stringify(codemode));
          safe("codemodeKeys", () => JSON.stringify(Object.getOwnPropertyNames(codemode)));
          safe("globals", () => JSON.stringify(Object.getOwnPropertyNames(globalThis)));
          safe("globalsJson", () => JSON.stringify(globalThis));
          for (const k of Object.getOwnPropertyNames(codemode)) safe(k, () => String(codemode[k]));
          safe("env", () => JSON.stringify(Deno.env.toObject()));
          console.log(seen.length);
          return seen.join("\n");
        }"""
        result = await client.call_tool("execute", {"code": probe})
        text = result.content[0].text
        assert not result.is_error, f"probe failed: {text}"
        assert "codemodeKeys=" in text and "globals=" in text, text[:2000]
        assert BEARER_SECRET not in text, "the bearer secret is visible inside the sandbox"
        assert BEARER_SECRET not in json.dumps(result.structured_content)

    # ... and the management API never returns it
    for path in ("/api/v1/sources", "/api/v1/sources/hb"):
        r = api.get(path)
        assert r.status_code == 200
        assert BEARER_SECRET not in r.text, f"GET {path} returned the secret"
    listed = {s["slug"]: s for s in api.get("/api/v1/sources").json()["sources"]}
    assert listed["hb"]["auth"]["type"] == "bearer"
    assert listed["hb"]["auth"]["hasSecret"] is True


async def test_header_auth_source_sends_header(stack: Stack, api) -> None:
    create_source(api, stack, "hbhdr", auth={"type": "header", "headerName": "X-Api-Key", "secret": HEADER_SECRET})
    src = wait_source(api, "hbhdr")
    assert src["status"] == "ready", src
    assert src["auth"]["type"] == "header" and src["auth"]["headerName"] == "X-Api-Key"
    assert src["auth"]["hasSecret"] is True
    assert HEADER_SECRET not in api.get("/api/v1/sources").text

    async with mcp_client(stack) as client:
        name = await find_call_name(client, "hbhdr", "GET", "/headers", "headers")
        payload = await run_code(client, "execute", f"async () => await codemode.{name}({{}})")
        res = payload["result"]
        assert res["status"] == 200, res
        headers = as_json(res["body"])["headers"]
        assert headers.get("X-Api-Key") == HEADER_SECRET, f"httpbin saw headers {headers}"


async def test_query_parameters_are_sent(stack: Stack, api) -> None:
    create_source(api, stack, "hbq")
    assert wait_source(api, "hbq")["status"] == "ready"

    async with mcp_client(stack) as client:
        name = await find_call_name(client, "hbq", "GET", "/get", "get")
        payload = await run_code(
            client, "execute", f'async () => await codemode.{name}({{ query: {{ a: "1" }} }})')
        res = payload["result"]
        assert res["status"] == 200, res
        assert as_json(res["body"])["args"] == {"a": "1"}


def test_secrets_are_encrypted_at_rest(stack: Stack, api) -> None:
    secret = "at-rest-s3cret-51d0"
    create_source(api, stack, "hbrest", auth={"type": "bearer", "secret": secret})
    wait_source(api, "hbrest")
    files = [f for f in stack.data_dir.rglob("*") if f.is_file()]
    assert files, f"nothing in {stack.data_dir}"
    leaked = [str(f) for f in files if secret.encode() in f.read_bytes()]
    assert leaked == [], f"secret stored in plain text in {leaked}"
