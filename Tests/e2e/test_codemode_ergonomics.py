"""Model ergonomics of `execute` (issue 13): the search helpers work inside `execute`, and
`codemode` itself lists its functions (or says how to find them) instead of looking empty."""

from __future__ import annotations

import pytest

from helpers import create_source, mcp_client, run_code, tool_payload, wait_source
from stack import Stack

pytestmark = pytest.mark.anyio


def user_with_sources(stack: Stack, email: str, slugs: list[str]) -> str:
    token = stack.admin_token(email)
    with stack.api(token) as api:
        for slug in slugs:
            create_source(api, stack, slug)
        for slug in slugs:
            assert wait_source(api, slug)["status"] == "ready"
    return token


async def test_search_helpers_work_inside_execute(stack: Stack) -> None:
    token = user_with_sources(stack, "ergo-search@example.com", ["ergo"])
    async with mcp_client(stack, token) as client:
        payload = await run_code(client, "execute", """async () => {
          const hits = await codemode.catalog({ query: "get", source: "ergo", limit: 5 });
          const name = hits.map((h) => h.callName).find((n) => n === "ergo_get_get") ?? hits[0].callName;
          const about = await codemode.describe(name);
          const mine = (await codemode.sources()).map((s) => s.slug);
          const r = await codemode.ergo_get_get({ query: { found: name } });
          return { name, declared: about.declaration.includes(name), mine, status: r.status };
        }""")
    result = payload["result"]
    assert result["name"].startswith("ergo_") and result["declared"] is True, result
    assert result["mine"] == ["ergo"] and result["status"] == 200, result
    assert [c["name"] for c in payload["calls"]] == ["catalog", "describe", "sources", "ergo_get_get"]
    assert all(c["ok"] for c in payload["calls"])


async def test_codemode_lists_the_names_of_a_small_catalog(stack: Stack) -> None:
    token = user_with_sources(stack, "ergo-keys@example.com", ["ergok"])
    async with mcp_client(stack, token) as client:
        payload = await run_code(client, "execute", """async () => {
          const seen = [];
          for (const k in codemode) seen.push(k);
          console.log(codemode);
          return { keys: Object.keys(codemode), seen };
        }""")
    keys = payload["result"]["keys"]
    assert "ergok_get_get" in keys and all(k.startswith("ergok_") for k in keys), keys
    assert payload["result"]["seen"] == keys
    assert payload["logs"][0].startswith(f"codemode: {len(keys)} functions: "), payload["logs"]
    assert "ergok_get_get" in payload["logs"][0]


async def test_a_large_catalog_points_to_catalog_instead_of_an_empty_list(stack: Stack) -> None:
    # httpbin's spec has about 70 operations: five copies are more than the listing limit (300).
    token = user_with_sources(stack, "ergo-big@example.com", [f"ergob{i}" for i in range(5)])
    async with mcp_client(stack, token) as client:
        total = (await run_code(client, "search", "async () => (await codemode.sources()).reduce((n, s) => n + s.entryCount, 0)"))["result"]
        assert total > 300, f"only {total} entries: the test needs more sources"
        logged = await run_code(client, "execute", "async () => { console.log(codemode); return Object.keys(codemode) }")
        # Not an empty list: the helpers that find the functions, and a log line that says so.
        assert logged["result"] == ["catalog", "describe", "sources", "spec"], logged
        assert f"codemode: {total} functions, too many to list" in logged["logs"][0], logged
        assert 'codemode.catalog("' in logged["logs"][0]
        # Calling by name is unaffected.
        called = await run_code(client, "execute", "async () => (await codemode.ergob3_get_get({})).status")
        assert called["result"] == 200


async def test_enumerating_codemode_under_another_name_still_shows_how_to_find_functions(stack: Stack) -> None:
    token = user_with_sources(stack, "ergo-alias@example.com", ["ergoa"])
    async with mcp_client(stack, token) as client:
        payload = await run_code(client, "execute", "async (api) => { console.log(api); return Object.keys(api) }")
    assert payload["result"] == ["catalog", "describe", "sources", "spec"], payload
    assert "codemode.catalog(" in payload["logs"][0], payload
