"""The stack, the people and the HTTP tools of the `auth` adversarial suite (test_auth.py).

One module-scoped stack: redis-server, the three Junction binaries, oidc-provider-mock as
the OpenID Connect issuer, FastMCP's OAuth provider as an OAuth-protected upstream. It
trusts 127.0.0.1 as a reverse proxy, so each throttling attempt can come from its own
`X-Forwarded-For` address, and its throttle limits are low enough to reach quickly.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import re
import secrets
import socket
import sqlite3
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from stack import REPO_ROOT, Stack, free_port, venv_exe

PASSWORD = "correct horse battery staple"
MODERN = "2026-07-28"
META = {"io.modelcontextprotocol/protocolVersion": MODERN, "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "adversary", "version": "1"}}
UNUSED_CLIENT_TTL = 8
OAUTH_SERVER = str(Path(__file__).resolve().parents[1] / "mcp_oauth_server.py")
_addresses = itertools.count(1)


def fresh_ip() -> str:
    """A client address no other attempt uses (TEST-NET-2 / benchmarking ranges)."""
    n = next(_addresses)
    return f"198.18.{n // 250}.{n % 250 + 1}"


# --------------------------------------------------------------------------- #
# the stack and its people
# --------------------------------------------------------------------------- #

@dataclass
class World:
    stack: Stack
    issuer: str
    oauth_upstream: str
    bystander: str                      # API token of a user whose runs must keep working
    mallory: httpx.Client               # the attacker's signed-in browser
    mallory_api: str                    # the attacker's personal API token
    mallory_api_id: str
    access_token: str                   # the attacker's OAuth access token (scope mcp)
    victor: httpx.Client                # another person's signed-in browser


def browser(stack: Stack, ip: str | None = None) -> httpx.Client:
    return httpx.Client(base_url=stack.base_url, timeout=30, follow_redirects=False,
                        headers={"X-Forwarded-For": ip or fresh_ip()})


def make_person(stack: Stack, email: str) -> None:
    with stack.api() as api:
        r = api.post("/api/v1/admin/users", json={"email": email, "password": PASSWORD})
        assert r.status_code in (201, 409), r.text


def sign_in(stack: Stack, email: str) -> httpx.Client:
    b = browser(stack)
    r = b.post("/login", data={"email": email, "password": PASSWORD, "next": "/"})
    assert r.status_code == 303, f"login {email}: {r.status_code} {r.text[:300]}"
    return b


def csrf_of(b: httpx.Client) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', b.get("/logout").text)
    assert m
    return html.unescape(m.group(1))


def hidden_fields(page: str) -> dict[str, str]:
    return {html.unescape(m.group(1)): html.unescape(m.group(2))
            for m in re.finditer(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page)}


def register_client(stack: Stack, redirect: str = "http://127.0.0.1/cb", ip: str | None = None) -> httpx.Response:
    return httpx.post(f"{stack.base_url}/oauth/register", headers={"X-Forwarded-For": ip or fresh_ip()}, timeout=30, json={
        "client_name": "adversary", "redirect_uris": [redirect], "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"], "token_endpoint_auth_method": "none"})


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def access_token_for(stack: Stack, b: httpx.Client) -> str:
    """The full authorization-code flow for the person signed in to `b`."""
    r = register_client(stack)
    assert r.status_code == 201, r.text
    client_id = r.json()["client_id"]
    verifier, challenge = pkce()
    q = {"response_type": "code", "client_id": client_id, "redirect_uri": "http://127.0.0.1/cb", "code_challenge": challenge,
         "code_challenge_method": "S256", "state": "s", "resource": stack.mcp_url, "scope": "mcp"}
    r = b.get("/oauth/authorize?" + urllib.parse.urlencode(q))
    if r.status_code == 200:
        fields = hidden_fields(r.text)
        fields["decision"] = "approve"
        r = b.post("/oauth/authorize", data=fields)
    assert r.status_code == 303, r.text[:400]
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(r.headers["location"]).query))["code"]
    r = httpx.post(f"{stack.base_url}/oauth/token", headers={"X-Forwarded-For": fresh_ip()}, timeout=30, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": "http://127.0.0.1/cb", "client_id": client_id,
        "code_verifier": verifier, "resource": stack.mcp_url})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    stack = Stack(workdir=tmp_path_factory.mktemp("adv-auth"), with_httpbin=False, execute_timeout_ms=10000, extra_env={
        "JUNCTION_TRUSTED_PROXIES": "127.0.0.1",
        "JUNCTION_THROTTLE_SIGNIN_IP": "5/m",
        "JUNCTION_THROTTLE_SIGNIN_ACCOUNT": "4/h",
        "JUNCTION_THROTTLE_REGISTER_IP": "5/h",
        "JUNCTION_THROTTLE_TOKEN_IP": "10/m",
        "JUNCTION_THROTTLE_TOKEN_CLIENT": "5/m",
        "JUNCTION_OAUTH_UNUSED_CLIENT_TTL": str(UNUSED_CLIENT_TTL),
        "JUNCTION_CLIENT_METADATA_CACHE_MAX": "3",
        "JUNCTION_ALLOWED_DOMAINS": "allowed.example,example.com",
        "JUNCTION_OIDC_CLIENT_ID": "junction-adv",
        "JUNCTION_OIDC_CLIENT_SECRET": "mock-secret",
    })
    try:
        oidc_port = free_port()
        stack.start_upstream("oidc-mock", [str(REPO_ROOT / ".venv-oidc" / "bin" / "oidc-provider-mock"),
                                           "--host", "127.0.0.1", "--port", str(oidc_port)], oidc_port)
        issuer = httpx.get(f"http://127.0.0.1:{oidc_port}/.well-known/openid-configuration", timeout=30).json()["issuer"]
        stack.extra_env["JUNCTION_OIDC_ISSUER"] = issuer
        up_port = free_port()
        stack.start_upstream("oauth-upstream", [venv_exe("fastmcp", "python"), OAUTH_SERVER, "--port", str(up_port)], up_port)
        stack.start()
        bystander = stack.admin_token("bystander@example.com")
        for email in ("mallory@example.com", "victor@example.com"):
            make_person(stack, email)
        mallory = sign_in(stack, "mallory@example.com")
        api_token = mallory.post("/api/v1/tokens", json={"name": "mine"}, headers={"X-CSRF-Token": csrf_of(mallory)}).json()
        world = World(stack=stack, issuer=issuer, oauth_upstream=f"http://127.0.0.1:{up_port}", bystander=bystander,
                      mallory=mallory, mallory_api=api_token["token"], mallory_api_id=api_token["id"],
                      access_token=access_token_for(stack, mallory), victor=sign_in(stack, "victor@example.com"))
        yield world
    finally:
        stack.stop()


def execute(stack: Stack, token: str, code: str = "async () => 6 * 7") -> httpx.Response:
    h = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept": "application/json",
         "MCP-Protocol-Version": MODERN, "Mcp-Method": "tools/call", "Mcp-Name": "execute"}
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "execute", "arguments": {"code": code}, "_meta": META}}
    return httpx.post(stack.mcp_url, headers=h, json=body, timeout=60)


def bystander_served(w: World) -> None:
    """Another user's run is served while (and after) the attack."""
    r = execute(w.stack, w.bystander)
    assert r.status_code == 200, r.text
    result = r.json()["result"]
    assert not result.get("isError") and result["structuredContent"]["result"] == 42, result


def raw(stack: Stack, method: str, target: str, headers: dict[str, str] | None = None, body: bytes = b"") -> tuple[int, dict, bytes]:
    """One HTTP/1.1 request with the request-target sent exactly as given (no client normalisation)."""
    head = {"Host": f"127.0.0.1:{stack.frontend_port}", "Connection": "close", "Content-Length": str(len(body))}
    head.update(headers or {})
    data = f"{method} {target} HTTP/1.1\r\n".encode("latin-1")
    data += "".join(f"{k}: {v}\r\n" for k, v in head.items()).encode("latin-1") + b"\r\n" + body
    with socket.create_connection(("127.0.0.1", stack.frontend_port), timeout=30) as s:
        s.sendall(data)
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    response = b"".join(chunks)
    header_blob, _, payload = response.partition(b"\r\n\r\n")
    lines = header_blob.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
    fields = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:] if ":" in l)}
    if fields.get("transfer-encoding", "").lower() == "chunked":
        out, rest = b"", payload
        while rest:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0] or b"0", 16)
            if size == 0:
                break
            out, rest = out + rest[:size], rest[size + 2:]
        payload = out
    return status, fields, payload


def mallory_tokens(w: World) -> list[dict]:
    r = httpx.get(f"{w.stack.base_url}/api/v1/tokens", headers={"Authorization": f"Bearer {w.mallory_api}"}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["tokens"]


def db(w: World) -> sqlite3.Connection:
    return sqlite3.connect(w.stack.data_dir / "junction.sqlite", timeout=10)


def wait_stopped(pid: int, timeout: float = 10) -> None:
    """Until the kernel reports `pid` stopped (a stop signal may take effect a little later)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state in ("T", "t"):
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} did not stop")


def redis_command(stack: Stack, *args: str) -> int:
    reply = stack.redis_command(*args).decode()
    assert reply.startswith(":"), reply
    return int(reply[1:].strip())
