"""OpenAPI sources end to end: real specs, real servers, every call through `execute`.

Upstreams: the stack's httpbin (Swagger 2.0), specs served by a small in-process
HTTP server (OpenAPI 3 written here, hostile documents), and mcpo (OpenAPI 3.1,
bearer) from .venv-mcp1.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from helpers import as_json, find_call_name, mcp_client, run_code, wait_source
from stack import REPO_ROOT, DocServer, Stack, free_port

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def specs() -> DocServer:
    s = DocServer()
    yield s
    s.close()


def register(api: httpx.Client, slug: str, spec_url: str, base_url: str | None = None,
             auth: dict[str, Any] | None = None, wait: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {"slug": slug, "type": "openapi", "specUrl": spec_url, "auth": auth or {"type": "none"}}
    if base_url:
        body["baseUrl"] = base_url
    r = api.post("/api/v1/sources", json=body)
    assert r.status_code == 201, f"POST /api/v1/sources -> {r.status_code}: {r.text}"
    return wait_source(api, slug) if wait else r.json()


async def name_like(client: Any, slug: str, fragment: str, query: str) -> str:
    """The call name in `slug` whose name contains `fragment`, found through search."""
    request = {"query": query, "source": slug, "limit": 50}
    payload = await run_code(client, "search", f"async () => await codemode.catalog({json.dumps(request)})")
    names = [e["callName"] for e in payload["result"] if e.get("callName", "").startswith(slug + "_")]
    hits = [n for n in names if fragment.lower() in n.lower()]
    assert hits, f"no {fragment} in {slug}: {names}"
    return hits[0]


async def call(client: Any, code: str) -> Any:
    return (await run_code(client, "execute", code))["result"]


# --------------------------------------------------------------------------- #
# httpbin (Swagger 2.0): every auth placement, query arrays, bodies, binary, redirects
# --------------------------------------------------------------------------- #

async def test_httpbin_auth_placements(stack: Stack, api) -> None:
    hb = stack.httpbin_url
    register(api, "oa_basic", hb + "/spec.json", hb, {"type": "basic", "secret": "u:p4ss"})
    register(api, "oa_hdr", hb + "/spec.json", hb, {"type": "header", "headerName": "X-Api-Key", "secret": "hdr-secret"})
    src = register(api, "oa_query", hb + "/spec.json", hb, {"type": "query", "paramName": "api_key", "secret": "q-secret"})
    assert src["status"] == "ready" and src["entryCount"] == 78, src
    async with mcp_client(stack) as client:
        basic = await find_call_name(client, "oa_basic", "GET", "/basic-auth/{user}/{passwd}", "basic auth")
        res = await call(client, f"async () => await codemode.{basic}({{ params: {{ user: 'u', passwd: 'p4ss' }} }})")
        assert res["status"] == 200 and as_json(res["body"]) == {"authenticated": True, "user": "u"}, res
        # The caller cannot replace the credential with its own header.
        res = await call(client, f"async () => await codemode.{basic}({{ params: {{ user: 'u', passwd: 'p4ss' }}, headers: {{ Authorization: 'Basic eDp5' }} }})")
        assert res["status"] == 200, res

        headers = await find_call_name(client, "oa_hdr", "GET", "/headers", "headers")
        res = await call(client, f"async () => await codemode.{headers}({{ headers: {{ 'x-api-key': 'mine', 'X-Trace': 't1' }} }})")
        echoed = as_json(res["body"])["headers"]
        assert echoed["X-Api-Key"] == "hdr-secret" and echoed["X-Trace"] == "t1", echoed

        get = await find_call_name(client, "oa_query", "GET", "/get", "get")
        res = await call(client, f"async () => await codemode.{get}({{ query: {{ api_key: 'mine', tag: ['a', 'b c'], n: 3 }} }})")
        args = as_json(res["body"])["args"]
        assert args == {"api_key": "q-secret", "tag": ["a", "b c"], "n": "3"}, args


async def test_httpbin_bodies_binary_redirects_and_ssrf(stack: Stack, api) -> None:
    hb = stack.httpbin_url
    register(api, "oa_hb", hb + "/spec.json", hb)
    async with mcp_client(stack) as client:
        post = await find_call_name(client, "oa_hb", "POST", "/post", "post")
        res = await call(client, f"async () => await codemode.{post}({{ body: {{ a: 1, b: ['x'] }} }})")
        assert as_json(res["body"])["json"] == {"a": 1, "b": ["x"]}, res
        res = await call(client, f"async () => await codemode.{post}({{ body: {{ name: 'a b', tags: ['x', 'y'] }}, contentType: 'application/x-www-form-urlencoded' }})")
        assert as_json(res["body"])["form"] == {"name": "a b", "tags": ["x", "y"]}, res
        png = await find_call_name(client, "oa_hb", "GET", "/image/png", "png image")
        res = await call(client, f"async () => await codemode.{png}({{}})")
        assert res["body"]["contentType"] == "image/png", res
        assert base64.b64decode(res["body"]["base64"]).startswith(b"\x89PNG"), res["body"]["base64"][:20]
        nbytes = await find_call_name(client, "oa_hb", "GET", "/bytes/{n}", "random bytes")
        res = await call(client, f"async () => await codemode.{nbytes}({{ params: {{ n: 16 }} }})")
        assert len(base64.b64decode(res["body"]["base64"])) == 16, res
        redirect = await find_call_name(client, "oa_hb", "GET", "/redirect/{n}", "redirect")
        res = await call(client, f"async () => await codemode.{redirect}({{ params: {{ n: 2 }} }})")
        assert res["status"] == 200 and as_json(res["body"])["url"].endswith("/get"), res
        # Non-2xx is data, with the headers a caller needs.
        status = await find_call_name(client, "oa_hb", "GET", "/status/{codes}", "status codes")
        res = await call(client, f"async () => await codemode.{status}({{ params: {{ codes: 429 }} }})")
        assert res["status"] == 429, res
        # A redirect to a private address is refused even in development mode.
        to = await find_call_name(client, "oa_hb", "GET", "/redirect-to", "redirect to url")
        for target in ("http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/", "http://[::ffff:192.168.1.1]/"):
            res = await call(client, f"""async () => {{
              try {{ return await codemode.{to}({{ query: {{ url: {json.dumps(target)} }} }}); }}
              catch (e) {{ return {{ error: String(e.message ?? e) }}; }} }}""")
            assert "error" in res and ("private" in res["error"] or "metadata" in res["error"]), res


# --------------------------------------------------------------------------- #
# OpenAPI 3 written here, aimed at httpbin's echo endpoints
# --------------------------------------------------------------------------- #

def echo_spec(httpbin: str) -> dict[str, Any]:
    return {
        "openapi": "3.0.3", "info": {"title": "echo", "version": "1"}, "servers": [{"url": httpbin}],
        "paths": {
            "/anything/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "get": {"operationId": "echoGet", "parameters": [
                    {"name": "pipes", "in": "query", "style": "pipeDelimited", "explode": False, "schema": {"type": "array"}},
                    {"name": "filter", "in": "query", "style": "deepObject", "schema": {"type": "object"}},
                    {"name": "csv", "in": "query", "explode": False, "schema": {"type": "array"}},
                    {"name": "session", "in": "cookie", "schema": {"type": "string"}}],
                        "responses": {"200": {"description": "ok"}}},
                "post": {"operationId": "echoUpload", "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object"}}}},
                         "responses": {"200": {"description": "ok"}}},
                "put": {"operationId": "echoRaw", "requestBody": {"content": {"text/plain": {"schema": {"type": "string"}}}},
                        "responses": {"200": {"description": "ok"}}},
            },
        },
    }


async def test_openapi3_styles_path_encoding_multipart(stack: Stack, api, specs: DocServer) -> None:
    specs.docs["/echo.json"] = json.dumps(echo_spec(stack.httpbin_url)).encode()
    src = register(api, "oa_echo", specs.url("/echo.json"))
    assert src["status"] == "ready", src
    async with mcp_client(stack) as client:
        get = await name_like(client, "oa_echo", "echoGet", "echoGet")
        res = await call(client, f"""async () => await codemode.{get}({{ params: {{ id: '../../status/500' }},
            query: {{ pipes: ['a', 'b'], filter: {{ role: 'admin' }}, csv: [1, 2] }}, cookies: {{ session: 's1' }} }})""")
        body = as_json(res["body"])
        assert res["status"] == 200, res
        assert body["url"].split("?")[0].endswith("/anything/..%2F..%2Fstatus%2F500") or "/anything/" in body["url"], body["url"]
        assert body["args"] == {"pipes": "a|b", "filter[role]": "admin", "csv": "1,2"}, body["args"]
        assert body["headers"]["Cookie"] == "session=s1", body["headers"]
        res = await call(client, f"async () => await codemode.{get}({{ params: {{ id: 'a/b' }} }})")
        # httpbin echoes the decoded URL; the exact bytes on the wire are checked in OpenAPIRequestBuilderTests.
        assert res["status"] == 200 and as_json(res["body"])["url"].split("/anything/")[1] in ("a%2Fb", "a/b"), res

        upload = await name_like(client, "oa_echo", "echoUpload", "echoUpload")
        res = await call(client, f"""async () => await codemode.{upload}({{ params: {{ id: 'u' }},
            body: {{ note: 'hi', file: {{ base64: '{base64.b64encode(b"hello file").decode()}', filename: 'h.txt', contentType: 'text/plain' }} }} }})""")
        body = as_json(res["body"])
        assert body["form"] == {"note": "hi"} and body["files"] == {"file": "hello file"}, body

        raw = await name_like(client, "oa_echo", "echoRaw", "echoRaw")
        res = await call(client, f"async () => await codemode.{raw}({{ params: {{ id: 'r' }}, body: 'plain words' }})")
        body = as_json(res["body"])
        assert body["data"] == "plain words" and body["headers"]["Content-Type"].startswith("text/plain"), body


# --------------------------------------------------------------------------- #
# hostile specs: each a clear error on the source, the old catalog kept
# --------------------------------------------------------------------------- #

def _bomb() -> bytes:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghi"
    for prev, name in zip(names, names[1:]):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return ("\n".join(lines) + "\nopenapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n").encode()


HOSTILE = {
    "truncated JSON": (b'{"openapi": "3.0.0", "paths": {"/x": {"get": ', "not valid JSON"),
    "YAML bomb": (_bomb(), "alias expansion"),
    "$ref cycle of parameters": (json.dumps({
        "openapi": "3.0.0", "info": {"title": "t", "version": "1"},
        "paths": {"/x": {"get": {"parameters": [{"$ref": "#/components/parameters/A"}], "responses": {}}}},
        "components": {"parameters": {"A": {"$ref": "#/components/parameters/B"}, "B": {"$ref": "#/components/parameters/A"}}},
    }).encode(), "$ref cycle"),
    "private server": (json.dumps({
        "openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "servers": [{"url": "http://10.0.0.1/api"}],
        "paths": {"/x": {"get": {"responses": {}}}},
    }).encode(), "private"),
}


async def test_hostile_specs_fail_cleanly_and_keep_the_catalog(stack: Stack, api, specs: DocServer) -> None:
    specs.docs["/swap.json"] = json.dumps(echo_spec(stack.httpbin_url)).encode()
    good = register(api, "oa_swap", specs.url("/swap.json"))
    assert good["status"] == "ready", good
    count = good["entryCount"]
    cases = dict(HOSTILE)
    cases["100 MB body"] = (None, "larger than")
    for label, (doc, expected) in cases.items():
        if doc is None:
            api.delete("/api/v1/sources/oa_swap_big")
            spec_url = specs.url("/endless")
            # A source whose spec is endless: created, then refused while streaming.
            started = time.monotonic()
            src = register(api, "oa_swap_big", spec_url, stack.httpbin_url)
            assert src["status"] == "error" and expected in (src["lastError"] or ""), (label, src)
            assert time.monotonic() - started < 30, "the size cap must stop the download early"
            continue
        specs.docs["/swap.json"] = doc
        assert api.post("/api/v1/sources/oa_swap/refresh").status_code == 202
        time.sleep(0.3)
        src = wait_source(api, "oa_swap", until=("ready", "error"))
        deadline = time.monotonic() + 30
        while src["status"] != "error" and time.monotonic() < deadline:
            time.sleep(0.2)
            src = wait_source(api, "oa_swap", until=("ready", "error"))
        assert src["status"] == "error", (label, src)
        assert expected in (src["lastError"] or ""), (label, src["lastError"])
        assert src["entryCount"] == count, (label, src)
    async with mcp_client(stack) as client:
        get = await name_like(client, "oa_swap", "echoGet", "echoGet")
        res = await call(client, f"async () => await codemode.{get}({{ params: {{ id: 'still' }} }})")
        assert res["status"] == 200, res


async def test_external_refs_are_reported_not_followed(stack: Stack, api, specs: DocServer) -> None:
    spec = echo_spec(stack.httpbin_url)
    spec["paths"]["/anything/{id}"]["get"]["parameters"].append({"$ref": "https://example.invalid/p.yaml#/P"})
    specs.docs["/ext.json"] = json.dumps(spec).encode()
    src = register(api, "oa_ext", specs.url("/ext.json"))
    assert src["status"] == "ready", src
    assert "external $ref not followed: https://example.invalid/p.yaml#/P" in (src["lastError"] or ""), src


# --------------------------------------------------------------------------- #
# mcpo: OpenAPI 3.1 with bearer
# --------------------------------------------------------------------------- #

MCPO = REPO_ROOT / ".venv-mcp1" / "bin" / "mcpo"
TIME_SERVER = REPO_ROOT / ".venv-mcp1" / "bin" / "mcp-server-time"


@pytest.fixture(scope="module")
def mcpo(tmp_path_factory: pytest.TempPathFactory) -> str:
    if not MCPO.exists() or not TIME_SERVER.exists():
        pytest.skip(f"{MCPO} not installed (the mcp 1.x environment)")
    port = free_port()
    log = open(tmp_path_factory.mktemp("mcpo") / "mcpo.log", "wb")
    proc = subprocess.Popen([str(MCPO), "--host", "127.0.0.1", "--port", str(port), "--api-key", "mcpo-key", "--",
                             str(TIME_SERVER), "--local-timezone", "UTC"], stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, "mcpo exited during start-up"
            time.sleep(0.2)
        yield url
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
        log.close()


async def test_mcpo_openapi31_with_bearer(stack: Stack, api, mcpo: str) -> None:
    src = register(api, "oa_mcpo", mcpo + "/openapi.json", mcpo, {"type": "bearer", "secret": "mcpo-key"})
    assert src["status"] == "ready" and src["entryCount"] >= 2, src
    async with mcp_client(stack) as client:
        name = await name_like(client, "oa_mcpo", "get_current_time", "current time")
        res = await call(client, f"async () => await codemode.{name}({{ body: {{ timezone: 'UTC' }} }})")
        assert res["status"] == 200, res
        assert "UTC" in json.dumps(res["body"]), res
    # Without the key mcpo refuses: the credential really is what authenticates.
    register(api, "oa_mcpo_nokey", mcpo + "/openapi.json", mcpo)
    async with mcp_client(stack) as client:
        name = await name_like(client, "oa_mcpo_nokey", "get_current_time", "current time")
        res = await call(client, f"async () => await codemode.{name}({{ body: {{ timezone: 'UTC' }} }})")
        assert res["status"] in (401, 403), res
