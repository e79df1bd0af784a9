"""Code Mode as a model uses it: search, describe, spec, code forms, limits, logs (issue 3)."""

from __future__ import annotations

import asyncio
import base64
import json
import time

import httpx
import pytest

from helpers import create_source, mcp_client, run_code, tool_payload, wait_source
from stack import Stack, mcp_headers, parse_mcp_body

pytestmark = pytest.mark.anyio

# A small OpenAPI 3 document with components and $refs, served by httpbin's /base64/{value}.
PETS_SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "Pets", "version": "1"},
    "paths": {
        "/pets": {
            "get": {"operationId": "listPets", "summary": "List all pets", "tags": ["pets"],
                    "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}, "description": "How many"}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {
                        "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}}}}},
            "post": {"operationId": "createPet", "summary": "Create a pet",
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}},
                     "responses": {"201": {"description": "created"}}},
        },
        "/pets/{petId}": {
            "get": {"operationId": "showPetById", "summary": "Info for a specific pet",
                    "parameters": [{"name": "petId", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}}},
        },
    },
    "components": {"schemas": {"Pet": {"type": "object", "required": ["id", "name"], "properties": {
        "id": {"type": "integer"}, "name": {"type": "string", "description": "The pet's name"},
        "kind": {"type": "string", "enum": ["cat", "dog"]}, "owner": {"$ref": "#/components/schemas/Owner"}}},
        "Owner": {"type": "object", "properties": {"name": {"type": "string"}}}}},
}


def pets_source(api: httpx.Client, stack: Stack, slug: str) -> dict:
    encoded = base64.urlsafe_b64encode(json.dumps(PETS_SPEC).encode()).decode()
    r = api.post("/api/v1/sources", json={"slug": slug, "type": "openapi", "name": "Pets", "baseUrl": stack.httpbin_url,
                                           "specUrl": f"{stack.httpbin_url}/base64/{encoded}"})
    assert r.status_code == 201, r.text
    src = wait_source(api, slug)
    assert src["status"] == "ready", src
    return src


def raw_session(stack: Stack, token: str | None = None) -> tuple[httpx.Client, str]:
    http = httpx.Client(timeout=60)
    r = http.post(stack.mcp_url, headers=mcp_headers(token or stack.token), json={
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})
    assert r.status_code == 200, r.text
    return http, r.headers["mcp-session-id"]


def tools_list_bytes(stack: Stack, token: str | None = None) -> int:
    http, sid = raw_session(stack, token)
    try:
        r = http.post(stack.mcp_url, headers=mcp_headers(token or stack.token, sid),
                      json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
        msg = parse_mcp_body(r)
        assert [t["name"] for t in msg["result"]["tools"]] == ["search", "execute"]
        return len(json.dumps(msg["result"]).encode())
    finally:
        http.close()


async def test_tools_list_is_small_and_independent_of_catalog_size(stack: Stack, api) -> None:
    token = stack.admin_token("tools-size@example.com")
    empty = tools_list_bytes(stack, token)
    with stack.api(token) as mine:
        create_source(mine, stack, "big1")
        create_source(mine, stack, "big2")
        wait_source(mine, "big1")
        wait_source(mine, "big2")
    full = tools_list_bytes(stack, token)
    assert empty == full, "tools/list must not grow with the catalog"
    # Estimate tokens as bytes / 4.
    assert full / 4 < 1500, f"tools/list is about {full / 4:.0f} tokens"
    http, sid = raw_session(stack, token)
    msg = parse_mcp_body(http.post(stack.mcp_url, headers=mcp_headers(token, sid), json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"}))
    http.close()
    for tool in msg["result"]["tools"]:
        assert "declare const codemode" in tool["description"] and "Example" in tool["description"], tool["name"]


async def test_catalog_options_rank_filter_and_cap(stack: Stack, api) -> None:
    pets_source(api, stack, "pets")
    create_source(api, stack, "hbcat")
    wait_source(api, "hbcat")
    async with mcp_client(stack) as client:
        hits = (await run_code(client, "search", 'async () => await codemode.catalog({ query: "pet by id", source: "pets" })'))["result"]
        assert hits[0]["callName"] == "pets_showPetById", hits[:3]
        for h in hits:
            assert {"callName", "source", "title", "description", "signature"} <= set(h), h
        assert "petId" in hits[0]["signature"] and "Promise<" in hits[0]["signature"]

        only = (await run_code(client, "search", 'async () => await codemode.catalog({ query: "get", source: "pets", limit: 50 })'))["result"]
        assert only and all(h["source"] == "pets" for h in only)

        both = (await run_code(client, "search", 'async () => await codemode.catalog({ query: "create pet", match: "all" })'))["result"]
        assert [h["callName"] for h in both] == ["pets_createPet"]

        capped = (await run_code(client, "search", 'async () => (await codemode.catalog({ query: "", limit: 100000 })).length'))["result"]
        assert capped == 50, "limit has a hard cap"
        default = (await run_code(client, "search", 'async () => (await codemode.catalog("get")).length'))["result"]
        assert default == 10, "limit has a default"

        hostile = await run_code(client, "search", r'''async () => {
          const out = [];
          for (const q of ['"', 'NEAR(a b)', 'a OR', '*', "'); DROP TABLE sources; --", '^x', 'col:val', '(((']) out.push((await codemode.catalog(q)).length);
          return out }''')
        assert all(isinstance(n, int) for n in hostile["result"])


async def test_describe_spec_and_sources(stack: Stack, api) -> None:
    pets_source(api, stack, "pets2")
    async with mcp_client(stack) as client:
        d = (await run_code(client, "search", 'async () => await codemode.describe("pets2_createPet")'))["result"]
        decl = d["declaration"]
        assert decl.startswith("/**") and "pets2_createPet(input: {" in decl
        assert '"cat" | "dog"' in decl, "enums are kept in the declaration"
        assert "The pet's name" in decl, "parameter documentation is kept"
        assert d["input"]["required"] == ["body"]

        # The whole document is large; code picks out what it needs inside the sandbox.
        spec = (await run_code(client, "search", '''async () => { const s = await codemode.spec();
            const pick = (o, keys) => Object.fromEntries(keys.filter(k => k in o).map(k => [k, o[k]]));
            return { openapi: s.openapi, paths: pick(s.paths, ["/pets2/pets/{petId}", "/pets2/pets"]),
                     components: { schemas: pick(s.components.schemas, ["pets2_Pet", "pets2_Owner"]) } } }'''))["result"]
        assert spec["openapi"].startswith("3.")
        assert "/pets2/pets/{petId}" in spec["paths"]
        assert "pets2_Pet" in spec["components"]["schemas"]
        op = spec["paths"]["/pets2/pets/{petId}"]["get"]
        assert op["x-codemode-call"] == "pets2_showPetById"
        ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert ref == "#/components/schemas/pets2_Pet", "internal $refs follow the renamed components"
        assert spec["components"]["schemas"]["pets2_Pet"]["properties"]["owner"]["$ref"] == "#/components/schemas/pets2_Owner"

        srcs = (await run_code(client, "search", "async () => await codemode.sources()"))["result"]
        mine = next(s for s in srcs if s["slug"] == "pets2")
        assert mine["type"] == "openapi" and mine["enabled"] is True and mine["status"] == "ready"
        assert mine["entryCount"] == 3 and mine["lastRefreshAt"]


async def test_call_names_survive_refreshes_and_new_sources(stack: Stack, api) -> None:
    pets_source(api, stack, "stable")
    async with mcp_client(stack) as client:
        before = (await run_code(client, "search", 'async () => (await codemode.catalog({ source: "stable", limit: 50 })).map(h => h.callName)'))["result"]
        assert api.post("/api/v1/sources/stable/refresh").status_code == 202
        time.sleep(1.5)
        wait_source(api, "stable")
        pets_source(api, stack, "stable2")
        after = (await run_code(client, "search", 'async () => (await codemode.catalog({ source: "stable", limit: 50 })).map(h => h.callName)'))["result"]
        assert sorted(before) == sorted(after) == ["stable_createPet", "stable_listPets", "stable_showPetById"]


async def test_unknown_function_suggests_the_closest(stack: Stack, api) -> None:
    pets_source(api, stack, "sugg")
    async with mcp_client(stack) as client:
        result = await client.call_tool("execute", {"code": "async () => await codemode.sugg_listPet({})"})
        assert result.is_error
        text = result.content[0].text
        assert "sugg_listPets" in text, text


@pytest.mark.parametrize("code", [
    "async () => { return 6 * 7 }",
    "async function main() { return 6 * 7 }",
    "const a = 6;\nconst b = 7;\nreturn a * b;",
    "```ts\nasync (): Promise<number> => { const x: number = 6; return x * 7; }\n```",
    "```javascript\n() => 42\n```",
    "interface P { n: number }\nconst p: P = { n: 42 };\nreturn p.n;",
])
async def test_code_forms_models_write(stack: Stack, code: str) -> None:
    async with mcp_client(stack) as client:
        assert (await run_code(client, "execute", code))["result"] == 42


async def test_errors_carry_message_and_user_line(stack: Stack) -> None:
    async with mcp_client(stack) as client:
        result = await client.call_tool("execute", {"code": "async () => {\n  const a = 1;\n  throw new RangeError('too far');\n}"})
        assert result.is_error
        err = tool_payload(result)["error"]
        assert err["name"] == "RangeError" and err["message"] == "too far" and err["line"] == 3


async def test_large_output_is_cut_to_valid_json_with_a_hint(stack: Stack) -> None:
    async with mcp_client(stack) as client:
        payload = await run_code(client, "execute", "async () => Array.from({ length: 5000 }, (_, i) => ({ i, text: 'item ' + i }))")
        text = json.dumps(payload)
        assert len(text) < 30_000
        res = payload["result"]
        assert res["truncated"] is True and res["originalChars"] > 24_000
        assert "Return only the fields you need" in res["hint"]


async def test_call_count_limit_is_named(stack: Stack, api) -> None:
    create_source(api, stack, "lim")
    wait_source(api, "lim")
    async with mcp_client(stack) as client:
        result = await client.call_tool("execute", {"code": """async () => {
            for (let i = 0; i < 60; i++) await codemode.lim_get_get({ query: { i } });
            return 'done' }"""})
        assert result.is_error
        assert "maxCallsPerRun" in result.content[0].text


async def test_promise_all_works_but_concurrency_is_bounded(stack: Stack, api) -> None:
    create_source(api, stack, "conc")
    wait_source(api, "conc")
    async with mcp_client(stack) as client:
        start = time.monotonic()
        payload = await run_code(client, "execute", """async () => {
            const rs = await Promise.all(Array.from({ length: 12 }, () => codemode.conc_get_delay_delay({ params: { delay: 1 } })));
            return rs.map(r => r.status) }""")
        elapsed = time.monotonic() - start
        assert payload["result"] == [200] * 12
        assert len(payload["calls"]) == 12 and all(c["ok"] for c in payload["calls"])
        # At most 6 in flight: two waves of one second each, not one.
        assert elapsed >= 1.9, f"12 one-second calls finished in {elapsed:.2f} s: more than 6 ran at once"


async def test_per_user_concurrent_runs_are_capped(stack: Stack) -> None:
    token = stack.admin_token("busy@example.com")
    async with mcp_client(stack, token) as client:
        results = await asyncio.gather(*[client.call_tool("execute", {"code": "async () => { await new Promise(r => setTimeout(r, 1500)); return 1 }"})
                                         for _ in range(7)])
    refused = [r for r in results if r.is_error]
    assert refused, "7 simultaneous runs of one user were all accepted (cap is 4)"
    assert all("maxConcurrentRunsPerUser" in r.content[0].text for r in refused)
    assert sum(1 for r in results if not r.is_error) >= 4


async def test_code_size_limit_is_named(stack: Stack) -> None:
    async with mcp_client(stack) as client:
        result = await client.call_tool("execute", {"code": "async () => 1 // " + "x" * 120_000})
        assert result.is_error and "maxCodeBytes" in result.content[0].text


async def test_execution_log_lists_own_runs_newest_first_paginated(stack: Stack) -> None:
    token = stack.admin_token("logs@example.com")
    async with mcp_client(stack, token) as client:
        for i in range(3):
            await run_code(client, "execute", f"async () => {i}")
        await run_code(client, "search", "async () => (await codemode.sources()).length")
    with stack.api(token) as mine:
        page = mine.get("/api/v1/executions", params={"limit": 2}).json()
        assert [e["tool"] for e in page["executions"]] == ["search", "execute"]
        assert page["executions"][1]["code"] == "async () => 2"
        assert page["executions"][1]["status"] == "ok" and page["executions"][1]["resultPreview"] == "2"
        rest = mine.get("/api/v1/executions", params={"limit": 2, "before": page["next"]}).json()["executions"]
        assert [e["code"] for e in rest] == ["async () => 1", "async () => 0"]
    with stack.api() as other:
        mine_ids = {e["id"] for e in page["executions"]}
        assert not mine_ids & {e["id"] for e in other.get("/api/v1/executions", params={"limit": 200}).json()["executions"]}
