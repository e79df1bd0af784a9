"""Adversarial: secrets bound to their origin, connections pinned to the checked address.

Issue 12, OUTBOUND. Every attempt asserts the refusal (or that the secret was not sent)
and that another user's `execute` kept being served.

Upstreams, all on loopback (the stack runs with JUNCTION_ALLOW_LOOPBACK_HTTP=1 except the
strict frontend of attempts 30-39):
- httpbin (127.0.0.1:H): the origin secrets are entered for; it echoes what it receives.
- the capture server (127.0.0.1:E): "another origin". It records every request, so each
  attempt can assert that a secret never reached it. It also serves the specs, whose
  `servers` name the capture origin, so a spec's servers are always "elsewhere".
- the checked server (127.0.0.2:E, same port): where the rebinding name resolves when
  Junction checks it.

Names: the Junction processes run with a getaddrinfo shim (LD_PRELOAD, compiled here) that
resolves `hb.junction.test` and `hb.junction.test.` to 127.0.0.1 (so origins differing
only by a trailing dot can be tried against a real server), and `rebind.junction.test` to
127.0.0.2 and 0.0.0.0 alternately, per process. 0.0.0.0 is forbidden by the policy but a
connection to it lands on this host's 127.0.0.1:E — the capture server. Before the fix,
Junction checked the first answer and AsyncHTTPClient resolved again (second answer): the
request reached the capture server. What attempt 29 proves: every connection goes to the
address its own check answered; the shim itself is shown to rebind (a control).
"""

from __future__ import annotations

import base64
import http.server
import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from helpers import mcp_client, run_code, wait_source  # noqa: E402
from stack import Stack, free_port, venv_exe  # noqa: E402

pytestmark = pytest.mark.anyio

FIXTURE = str(Path(__file__).resolve().parents[1] / "mcp_fixture_server.py")
MCP_TOKEN = "outbound-mcp-token-5be1"

SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

typedef int (*gai_fn)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
static int rebinds;

static int named(const char *node, const char *name, int allow_dot) {
    size_t n = strlen(name), m = strlen(node);
    if (allow_dot && m == n + 1 && node[n] == '.') m = n;
    return m == n && strncasecmp(node, name, n) == 0;
}

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints, struct addrinfo **res) {
    static gai_fn real;
    if (!real) real = (gai_fn)dlsym(RTLD_NEXT, "getaddrinfo");
    const char *answer = NULL;
    if (node && named(node, "hb.junction.test", 1)) answer = "127.0.0.1";
    if (node && named(node, "rebind.junction.test", 0)) {
        if (hints && hints->ai_family == AF_INET6) return EAI_NONAME;
        answer = __atomic_fetch_add(&rebinds, 1, __ATOMIC_SEQ_CST) % 2 == 0 ? "127.0.0.2" : "0.0.0.0";
    }
    if (!answer) return real(node, service, hints, res);
    struct addrinfo h;
    memset(&h, 0, sizeof h);
    if (hints) h = *hints;
    h.ai_family = AF_INET;
    h.ai_flags |= AI_NUMERICHOST;
    return real(answer, service, &h, res);
}
"""


# --------------------------------------------------------------------------- #
# upstreams
# --------------------------------------------------------------------------- #

class Recorder:
    """An HTTP server on `host` that records every request and answers with an echo;
    `docs[path]` are served as JSON (the specs)."""

    def __init__(self, host: str, port: int = 0, name: str = "capture") -> None:
        self.requests: list[dict[str, Any]] = []
        self.docs: dict[str, bytes] = {}
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a: Any) -> None:
                pass

            def handle_any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
                recorder.requests.append({"method": self.command, "path": self.path,
                                          "headers": dict(self.headers.items()), "body": body})
                doc = recorder.docs.get(self.path)
                out = doc if doc is not None else json.dumps({"server": name, "path": self.path,
                                                              "host": self.headers.get("Host")}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any

        self.server = http.server.ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.origin = f"http://{host}:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def saw(self, secret: str) -> bool:
        return any(secret in json.dumps(r) for r in self.requests)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def spec(server: str, title: str = "outbound") -> bytes:
    def op(op_id: str, params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        return {"get": {"operationId": op_id, "parameters": params or [], "responses": {"200": {"description": "ok"}}}}
    q = lambda name, required=False: {"name": name, "in": "query", "required": required, "schema": {"type": "string"}}  # noqa: E731
    return json.dumps({
        "openapi": "3.0.3", "info": {"title": title, "version": "1"}, "servers": [{"url": server}],
        "paths": {"/headers": op("headers"), "/anything": op("anything", [q("q")]),
                  "/redirect-to": op("redirectTo", [q("url", True), q("status_code")]), "/echo": op("echo")},
    }).encode()


@dataclass
class Env:
    stack: Stack
    api: httpx.Client
    token_b: str
    capture: Recorder
    checked: Recorder
    shim: str
    secrets: list[str] = field(default_factory=list)

    @property
    def hb(self) -> str:
        return self.stack.httpbin_url

    @property
    def spec_url(self) -> str:
        return self.capture.origin + "/spec.json"

    def secret(self, label: str) -> str:
        s = f"S3CRET-{label}-{len(self.secrets)}-{time.monotonic_ns() % 100000}"
        self.secrets.append(s)
        return s


def compile_shim(directory: Path) -> str:
    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    assert compiler, "a C compiler (cc, gcc or clang) is needed to build the getaddrinfo shim"
    source, lib = directory / "shim.c", directory / "rebind_shim.so"
    source.write_text(SHIM)
    r = subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-o", str(lib), str(source), "-ldl"], capture_output=True, text=True)
    assert r.returncode == 0, f"cannot build the shim: {r.stderr}"
    return str(lib)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("junction-outbound")
    shim = compile_shim(work)
    capture = Recorder("127.0.0.1")
    checked = Recorder("127.0.0.2", capture.port, name="checked")
    capture.docs["/spec.json"] = spec(capture.origin)
    capture.docs["/rebind.json"] = spec("http://rebind.junction.test:%d" % capture.port, "rebind")
    stack = Stack(workdir=work / "stack", execute_timeout_ms=15000,
                  extra_env={"LD_PRELOAD": shim, "JUNCTION_UPSTREAM_TIMEOUT_MS": "5000"})
    stack.start()
    try:
        with stack.api() as api:
            yield Env(stack=stack, api=api, token_b=stack.admin_token("bystander@example.com"), capture=capture,
                      checked=checked, shim=shim)
    finally:
        stack.stop()
        capture.close()
        checked.close()


# --------------------------------------------------------------------------- #
# helpers
# --------------------------------------------------------------------------- #

async def bystander_served(env: Env) -> None:
    """Another user's cheap run still succeeds."""
    async with mcp_client(env.stack, env.token_b) as client:
        out = await run_code(client, "execute", "async () => 6 * 7")
    assert out["result"] == 42, out


async def call(env: Env, slug: str, op: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    """Calls codemode.<slug>_<op>(args) as the owner: {"ok": response} or {"error", "code"}."""
    code = f"""async () => {{
      try {{ return {{ ok: await codemode.{slug}_{op}({json.dumps(args or {})}) }}; }}
      catch (e) {{ return {{ error: String(e.message ?? e), code: e.code ?? null }}; }} }}"""
    async with mcp_client(env.stack) as client:
        out = await run_code(client, "execute", code)
    return out["result"]


def create(env: Env, slug: str, auth: dict[str, Any], base: str | None = "hb", spec_url: str | None = None,
           kind: str = "openapi", status: tuple[str, ...] = ("ready",), api: httpx.Client | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"slug": slug, "type": kind, "name": slug, "auth": auth}
    if base:
        body["baseUrl"] = env.hb if base == "hb" else base
    if kind == "openapi":
        body["specUrl"] = spec_url or env.spec_url
    r = (api or env.api).post("/api/v1/sources", json=body)
    assert r.status_code == 201, r.text
    src = wait_source(env.api, slug, until=("ready", "error"))
    assert src["status"] in status, src
    return src


def patch(env: Env, slug: str, body: dict[str, Any], api: httpx.Client | None = None) -> httpx.Response:
    r = (api or env.api).patch(f"/api/v1/sources/{slug}", json=body)
    for s in env.secrets:
        assert s not in r.text, f"PATCH answered with a secret: {r.text}"
    return r


def refused(r: httpx.Response, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code, r.text


def source(env: Env, slug: str) -> dict[str, Any]:
    r = env.api.get(f"/api/v1/sources/{slug}")
    assert r.status_code == 200, r.text
    for s in env.secrets:
        assert s not in r.text
    return r.json()


def never_reached(env: Env, *secrets: str) -> None:
    for s in secrets:
        assert not env.capture.saw(s), f"the capture server received {s}"
        assert not env.checked.saw(s), f"the checked server received {s}"


AUTHS = {
    "bearer": lambda s: {"type": "bearer", "secret": s},
    "header": lambda s: {"type": "header", "headerName": "X-Api-Key", "secret": s},
    "query": lambda s: {"type": "query", "paramName": "api_key", "secret": s},
    "basic": lambda s: {"type": "basic", "secret": f"user:{s}"},
}


def echoed(response: dict[str, Any], secret: str) -> bool:
    """Whether httpbin's echo shows the secret (basic auth arrives base64-encoded)."""
    text = json.dumps(response)
    return secret in text or base64.b64encode(f"user:{secret}".encode()).decode() in text


# --------------------------------------------------------------------------- #
# 1-4: PATCH baseUrl to another origin, every auth placement
# --------------------------------------------------------------------------- #

@pytest.mark.parametrize("kind", list(AUTHS))
async def test_01_04_patch_baseurl_elsewhere_keeps_the_secret_home(env: Env, kind: str) -> None:
    slug, old, new = f"mv_{kind}", env.secret(kind), env.secret(kind + "-new")
    create(env, slug, AUTHS[kind](old))
    refused(patch(env, slug, {"baseUrl": env.capture.origin}), 409, "secret_origin_changed")
    src = source(env, slug)
    assert src["baseUrl"] == env.hb and src["secretOrigin"] == env.hb, src
    home = await call(env, slug, "anything" if kind == "query" else "headers")
    assert "ok" in home and echoed(home["ok"], old), home
    # Moving with the secret entered again binds the new one there; the old one never goes.
    r = patch(env, slug, {"baseUrl": env.capture.origin, "auth": AUTHS[kind](new)})
    assert r.status_code == 200 and r.json()["secretOrigin"] == env.capture.origin, r.text
    wait_source(env.api, slug)
    assert "ok" in await call(env, slug, "anything")
    assert env.capture.saw(new) or env.capture.saw(base64.b64encode(f"user:{new}".encode()).decode())
    never_reached(env, old)
    await bystander_served(env)


# --------------------------------------------------------------------------- #
# 5-10: odd spellings, origin confirmations and type swaps
# --------------------------------------------------------------------------- #

async def test_05_another_name_for_the_same_server_is_another_origin(env: Env) -> None:
    s = env.secret("name")
    create(env, "alias", AUTHS["bearer"](s))
    port = env.stack.httpbin_port
    refused(patch(env, "alias", {"baseUrl": f"http://localhost:{port}"}), 409, "secret_origin_changed")
    # The same origin spelled oddly (scheme case, explicit path) keeps the secret.
    r = patch(env, "alias", {"baseUrl": f"HTTP://127.0.0.1:{port}/"})
    assert r.status_code == 200 and r.json()["secretOrigin"] == env.hb, r.text
    wait_source(env.api, "alias")
    home = await call(env, "alias", "headers")
    assert echoed(home["ok"], s), home
    never_reached(env, s)
    await bystander_served(env)


async def test_06_ipv4_mapped_spelling_is_another_origin(env: Env) -> None:
    s = env.secret("mapped")
    create(env, "mapped", AUTHS["header"](s))
    r = patch(env, "mapped", {"baseUrl": f"http://[::ffff:127.0.0.1]:{env.stack.httpbin_port}"})
    refused(r, 409, "secret_origin_changed")
    assert source(env, "mapped")["baseUrl"] == env.hb
    never_reached(env, s)
    await bystander_served(env)


async def test_07_trailing_dot_is_another_origin(env: Env) -> None:
    s, port = env.secret("dot"), env.stack.httpbin_port
    create(env, "dotted", AUTHS["bearer"](s), base=f"http://hb.junction.test:{port}")
    home = await call(env, "dotted", "headers")
    assert echoed(home["ok"], s) and home["ok"]["body"]["headers"]["Host"] == f"hb.junction.test:{port}", home
    refused(patch(env, "dotted", {"baseUrl": f"http://hb.junction.test.:{port}"}), 409, "secret_origin_changed")
    r = patch(env, "dotted", {"baseUrl": f"http://HB.Junction.Test:{port}/"})
    assert r.status_code == 200, r.text
    never_reached(env, s)
    await bystander_served(env)


async def test_08_userinfo_and_fragment_tricks(env: Env) -> None:
    s, port = env.secret("userinfo"), env.stack.httpbin_port
    create(env, "tricks", AUTHS["bearer"](s))
    # Looks like httpbin, is the capture server (userinfo): refused as a URL with credentials.
    refused(patch(env, "tricks", {"baseUrl": f"http://127.0.0.1:{port}@127.0.0.1:{env.capture.port}/"}), 400, "outbound_forbidden")
    # Looks like httpbin after '#', is the capture server: another origin.
    refused(patch(env, "tricks", {"baseUrl": f"http://127.0.0.1:{env.capture.port}#@127.0.0.1:{port}"}), 409, "secret_origin_changed")
    assert source(env, "tricks")["baseUrl"] == env.hb
    never_reached(env, s)
    await bystander_served(env)


async def test_09_confirming_another_origin_needs_the_secret_again(env: Env) -> None:
    s = env.secret("confirm")
    create(env, "confirm", AUTHS["query"](s))
    refused(patch(env, "confirm", {"auth": {"origin": env.capture.origin}}), 409, "secret_origin_changed")
    refused(patch(env, "confirm", {"auth": {"origin": "https://evil.example/path"}}), 400, "invalid_origin")
    assert source(env, "confirm")["secretOrigin"] == env.hb
    never_reached(env, s)
    await bystander_served(env)


async def test_10_type_swap_to_mcp_elsewhere_is_refused(env: Env) -> None:
    s = env.secret("type")
    create(env, "typed", AUTHS["bearer"](s))
    r = patch(env, "typed", {"type": "mcp", "baseUrl": env.capture.origin + "/mcp"})
    assert r.status_code == 400 and "type cannot be changed" in r.text, r.text
    assert source(env, "typed")["baseUrl"] == env.hb
    never_reached(env, s)
    await bystander_served(env)


# --------------------------------------------------------------------------- #
# 11-14: spec URL and spec servers elsewhere
# --------------------------------------------------------------------------- #

async def test_11_spec_elsewhere_is_fetched_without_the_secret(env: Env) -> None:
    s = env.secret("spec")
    env.capture.docs["/other-spec.json"] = spec(env.capture.origin, "other")
    create(env, "specmove", AUTHS["header"](s))
    before = len(env.capture.requests)
    r = patch(env, "specmove", {"specUrl": env.capture.origin + "/other-spec.json"})
    assert r.status_code == 200, r.text
    assert wait_source(env.api, "specmove")["status"] == "ready"
    assert any(q["path"] == "/other-spec.json" for q in env.capture.requests[before:]), "the spec was fetched"
    home = await call(env, "specmove", "headers")
    assert echoed(home["ok"], s), "calls still go to baseUrl with the secret"
    never_reached(env, s)
    await bystander_served(env)


async def test_12_without_baseurl_the_spec_servers_never_get_the_secret(env: Env) -> None:
    s = env.secret("servers")
    create(env, "noserver", AUTHS["bearer"](s))
    r = patch(env, "noserver", {"baseUrl": None})
    assert r.status_code == 200 and r.json()["secretOrigin"] == env.hb, r.text
    wait_source(env.api, "noserver")
    before = len(env.capture.requests)
    out = await call(env, "noserver", "headers")
    assert out.get("code") == "secret_origin_mismatch" and env.capture.origin in out["error"], out
    assert not any(q["path"] == "/headers" for q in env.capture.requests[before:]), "nothing was sent to the spec's server"
    never_reached(env, s)
    await bystander_served(env)


async def test_13_a_secret_without_an_origin_is_refused_at_registration(env: Env) -> None:
    s = env.secret("noorigin")
    r = env.api.post("/api/v1/sources", json={"slug": "noorigin", "type": "openapi", "specUrl": env.spec_url,
                                              "auth": AUTHS["bearer"](s)})
    refused(r, 400, "secret_origin_required")
    assert s not in r.text
    r = env.api.post("/api/v1/sources", json={"slug": "noorigin", "type": "openapi", "specUrl": env.spec_url, "baseUrl": env.hb,
                                              "auth": {**AUTHS["bearer"](s), "origin": env.capture.origin}})
    refused(r, 400, "secret_origin_conflict")
    assert env.api.get("/api/v1/sources/noorigin").status_code == 404
    never_reached(env, s)
    await bystander_served(env)


async def test_14_confirmed_origin_does_not_cover_spec_servers_elsewhere(env: Env) -> None:
    s = env.secret("confirmed")
    src = create(env, "confirmed", {**AUTHS["basic"](s), "origin": env.hb}, base=None)
    assert src["secretOrigin"] == env.hb and src["baseUrl"] is None, src
    out = await call(env, "confirmed", "headers")
    assert out.get("code") == "secret_origin_mismatch", out
    never_reached(env, s)
    await bystander_served(env)


# --------------------------------------------------------------------------- #
# 15-20: redirects
# --------------------------------------------------------------------------- #

@pytest.mark.parametrize("kind", list(AUTHS))
async def test_15_18_credentials_never_follow_a_redirect_elsewhere(env: Env, kind: str) -> None:
    s = env.secret("redirect-" + kind)
    slug = f"rd_{kind}"
    create(env, slug, AUTHS[kind](s))
    before = len(env.capture.requests)
    out = await call(env, slug, "redirectTo", {"query": {"url": env.capture.origin + "/landing", "status_code": "307"}})
    assert "ok" in out and out["ok"]["body"]["server"] == "capture", out
    landed = [q for q in env.capture.requests[before:] if q["path"].startswith("/landing")]
    assert landed and "Authorization" not in landed[0]["headers"] and "X-Api-Key" not in landed[0]["headers"], landed
    never_reached(env, s)
    await bystander_served(env)


async def test_19_redirect_to_unspecified_address_is_refused(env: Env) -> None:
    s = env.secret("zero")
    create(env, "rdzero", AUTHS["bearer"](s))
    before = len(env.capture.requests)
    # 0.0.0.0:E would land on the capture server at 127.0.0.1:E.
    out = await call(env, "rdzero", "redirectTo", {"query": {"url": f"http://0.0.0.0:{env.capture.port}/zero"}})
    assert out.get("code") == "outbound_forbidden" and "unspecified" in out["error"], out
    assert not env.capture.requests[before:], env.capture.requests[before:]
    never_reached(env, s)
    await bystander_served(env)


async def test_20_redirect_to_metadata_address_is_refused(env: Env) -> None:
    create(env, "rdmeta", {"type": "none"})
    for target in ("http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/", "http://100.100.100.200/"):
        out = await call(env, "rdmeta", "redirectTo", {"query": {"url": target}})
        assert out.get("code") == "outbound_forbidden" and "metadata" in out["error"], (target, out)
    await bystander_served(env)


# --------------------------------------------------------------------------- #
# 21: a swap in the database
# --------------------------------------------------------------------------- #

async def test_21_origin_swapped_in_the_database_does_not_decrypt(env: Env) -> None:
    s = env.secret("db")
    create(env, "dbswap", AUTHS["bearer"](s))
    db = sqlite3.connect(env.stack.data_dir / "junction.sqlite", timeout=10)
    with db:
        db.execute("UPDATE sources SET baseUrl = ?, secretOrigin = ? WHERE slug = 'dbswap'",
                   (env.capture.origin, f"http://127.0.0.1:{env.capture.port}"))
    db.close()
    before = len(env.capture.requests)
    out = await call(env, "dbswap", "headers")
    assert "error" in out and "authentication" in out["error"], out
    assert not env.capture.requests[before:], "nothing was sent"
    never_reached(env, s)
    await bystander_served(env)


# --------------------------------------------------------------------------- #
# 22-25: MCP sources (bearer, header, redirects)
# --------------------------------------------------------------------------- #

@pytest.fixture(scope="module")
def mcp_server(env: Env) -> str:
    port = free_port()
    env.stack.start_upstream("fastmcp-outbound", [venv_exe("fastmcp", "python"), FIXTURE, "--transport", "http",
                                                   "--port", str(port), "--token", MCP_TOKEN], port)
    return f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("kind", ["bearer", "header"])
async def test_22_23_mcp_secret_stays_with_its_server(env: Env, mcp_server: str, kind: str) -> None:
    env.secrets.append(MCP_TOKEN)
    auth = {"type": "bearer", "secret": MCP_TOKEN} if kind == "bearer" else \
        {"type": "header", "headerName": "Authorization", "secret": f"Bearer {MCP_TOKEN}"}
    slug = f"mcp_{kind}"
    create(env, slug, auth, base=mcp_server + "/mcp", kind="mcp")
    out = await call(env, slug, "add", {"a": 2, "b": 3})
    assert out.get("ok") in (5, {"result": 5}), out
    refused(patch(env, slug, {"baseUrl": env.capture.origin + "/mcp"}), 409, "secret_origin_changed")
    refused(patch(env, slug, {"baseUrl": f"http://localhost:{mcp_server.rsplit(':', 1)[1]}/mcp"}), 409, "secret_origin_changed")
    assert (await call(env, slug, "add", {"a": 1, "b": 1})).get("ok") in (2, {"result": 2})
    never_reached(env, MCP_TOKEN)
    await bystander_served(env)


async def test_24_mcp_redirect_elsewhere_drops_the_secret(env: Env) -> None:
    s = env.secret("mcp-redirect")
    before = len(env.capture.requests)
    target = f"{env.hb}/redirect-to?url={env.capture.origin}/mcp-landing&status_code=307"
    create(env, "mcp_rd", AUTHS["bearer"](s), base=target, kind="mcp", status=("error",))
    landed = [q for q in env.capture.requests[before:] if q["path"].startswith("/mcp-landing")]
    assert landed and landed[0]["method"] == "POST", env.capture.requests[before:]
    assert all("Authorization" not in q["headers"] for q in landed), landed
    never_reached(env, s)
    await bystander_served(env)


async def test_25_mcp_source_moves_only_with_a_new_secret(env: Env) -> None:
    s, new = env.secret("mcp-move"), env.secret("mcp-move-new")
    create(env, "mcp_mv", AUTHS["header"](s), base=env.hb + "/anything/mcp", kind="mcp", status=("error", "ready"))
    refused(patch(env, "mcp_mv", {"auth": {"origin": env.capture.origin}}), 409, "secret_origin_changed")
    r = patch(env, "mcp_mv", {"baseUrl": env.capture.origin + "/mcp", "auth": AUTHS["header"](new)})
    assert r.status_code == 200 and r.json()["secretOrigin"] == env.capture.origin, r.text
    wait_source(env.api, "mcp_mv", until=("ready", "error"))
    assert env.capture.saw(new), "the new secret goes to the new origin"
    never_reached(env, s)
    await bystander_served(env)


# --------------------------------------------------------------------------- #
# 26-29: DNS rebinding
# --------------------------------------------------------------------------- #

def test_26_the_shim_rebinds(env: Env) -> None:
    """Control: the environment really answers differently on the second resolution."""
    code = ("import socket\nfor _ in range(3): print(socket.getaddrinfo('rebind.junction.test', 80, socket.AF_INET)[0][4][0])\n"
            "print(socket.getaddrinfo('hb.junction.test.', 80, socket.AF_INET)[0][4][0])")
    r = subprocess.run([sys.executable, "-c", code], env={"LD_PRELOAD": env.shim, "PATH": "/usr/bin:/bin"},
                       capture_output=True, text=True, timeout=30)
    assert r.stdout.split() == ["127.0.0.2", "0.0.0.0", "127.0.0.2", "127.0.0.1"], (r.stdout, r.stderr)


async def test_27_rebinding_never_reaches_the_second_answer(env: Env) -> None:
    s = env.secret("rebind")
    env.capture.docs["/rebind.json"] = spec(f"http://rebind.junction.test:{env.capture.port}", "rebind")
    # The frontend's check of the name takes its first answer (127.0.0.2).
    create(env, "rebind", {"type": "bearer", "secret": s}, base=f"http://rebind.junction.test:{env.capture.port}",
           spec_url=env.capture.origin + "/rebind.json")
    before = len(env.capture.requests)
    outcomes = [await call(env, "rebind", "echo") for _ in range(4)]
    ok = [o for o in outcomes if "ok" in o]
    bad = [o for o in outcomes if "error" in o]
    # Each call resolved once: 127.0.0.2 (checked, connected there) or 0.0.0.0 (refused).
    assert len(ok) == 2 and len(bad) == 2, outcomes
    assert all(o["ok"]["body"]["server"] == "checked" for o in ok), ok
    assert all(o["ok"]["body"]["host"] == f"rebind.junction.test:{env.capture.port}" for o in ok), "Host keeps the name"
    assert all(o["code"] == "outbound_forbidden" and "unspecified" in o["error"] for o in bad), bad
    assert not env.capture.requests[before:], f"a rebound connection reached 127.0.0.1: {env.capture.requests[before:]}"
    assert env.checked.saw(s), "the checked address got the call, with its secret (its origin)"
    assert not env.capture.saw(s)
    await bystander_served(env)


# --------------------------------------------------------------------------- #
# 28-38: private, loopback and metadata addresses with JUNCTION_ALLOW_LOOPBACK_HTTP off
# --------------------------------------------------------------------------- #

@pytest.fixture(scope="module")
def strict_api(env: Env):
    url = env.stack.start_frontend("frontend-strict", {"JUNCTION_ALLOW_LOOPBACK_HTTP": "0"})
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {env.stack.token}"}, timeout=60) as client:
        yield client


STRICT_TARGETS = [
    "http://169.254.169.254/latest/meta-data/", "https://[fd00:ec2::254]/", "https://10.0.0.1/", "https://192.168.1.1/",
    "https://127.0.0.1/", "https://localhost/", "https://2130706433/", "https://0x7f.1/", "https://[::ffff:127.0.0.1]/",
    "https://0.0.0.0/", "https://[::1]/",
]


@pytest.mark.parametrize("target", STRICT_TARGETS)
async def test_28_38_strict_mode_refuses_non_public_upstreams(env: Env, strict_api: httpx.Client, target: str) -> None:
    slug = "strict_" + str(STRICT_TARGETS.index(target))
    r = strict_api.post("/api/v1/sources", json={"slug": slug, "type": "mcp", "baseUrl": target,
                                                 "auth": {"type": "bearer", "secret": "strict-secret"}})
    refused(r, 400, "outbound_forbidden")
    assert strict_api.get(f"/api/v1/sources/{slug}").status_code == 404
    await bystander_served(env)


async def test_39_strict_mode_refuses_moving_a_source_to_metadata(env: Env, strict_api: httpx.Client) -> None:
    create(env, "strictmove", {"type": "none"})
    r = patch(env, "strictmove", {"baseUrl": "http://169.254.169.254/latest"}, api=strict_api)
    refused(r, 400, "outbound_forbidden")
    assert source(env, "strictmove")["baseUrl"] == env.hb
    await bystander_served(env)


# --------------------------------------------------------------------------- #
# 40: the API never shows a secret
# --------------------------------------------------------------------------- #

async def test_40_api_never_returns_a_secret(env: Env) -> None:
    listed = env.api.get("/api/v1/sources")
    assert listed.status_code == 200
    sources = listed.json()["sources"]
    assert sources
    texts = [listed.text] + [env.api.get(f"/api/v1/sources/{s['slug']}").text for s in sources]
    for secret in env.secrets:
        assert all(secret not in t for t in texts), secret
    for s in sources:
        assert set(s["auth"]) == {"type", "headerName", "hasSecret"}, s["auth"]
    await bystander_served(env)
