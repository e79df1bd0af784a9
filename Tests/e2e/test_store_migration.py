"""Moving an installation from SQLite to PostgreSQL (`junction-frontend admin migrate-store`).

The stack runs on SQLite: first-run setup makes the admin with a password, the admin makes a
personal token and registers an httpbin source whose bearer secret is sealed in the store.
Everything stops, the store is copied into a fresh database of the test PostgreSQL
(JUNCTION_TEST_DATABASE_URL, which ops/test starts), the SQLite file is moved away, and the
stack starts again with JUNCTION_DATABASE_URL and the same master key: the token, the password
and the sealed secret (an execute whose upstream checks it) work as before.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import urllib.parse
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from helpers import as_json, create_source, find_call_name, mcp_client, run_code, wait_source
from stack import Stack, bin_dir

ADMIN = "owner@migrate.example"
PASSWORD = "moving day is a good day"
SECRET = "moved-bearer-" + secrets.token_hex(8)


def psql(url: str, sql: str) -> None:
    exe = shutil.which("psql") or "/usr/bin/psql"
    r = subprocess.run([exe, url, "-v", "ON_ERROR_STOP=1", "-qc", sql], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"psql failed: {r.stderr}"


@pytest.fixture
def database() -> Iterator[str]:
    """A fresh database on the test server, dropped afterwards; its URL."""
    server = os.environ.get("JUNCTION_TEST_DATABASE_URL")
    assert server, "JUNCTION_TEST_DATABASE_URL is not set: run through ops/test, which starts a private PostgreSQL"
    name = "junction_e2e_" + secrets.token_hex(6)
    psql(server, f"CREATE DATABASE {name}")
    parts = urllib.parse.urlsplit(server)
    try:
        yield urllib.parse.urlunsplit(parts._replace(path="/" + name))
    finally:
        psql(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def sqlite_stack() -> Iterator[Stack]:
    stack = Stack(workdir=Path(tempfile.mkdtemp(prefix="junction-migrate-")), execute_timeout_ms=10000)
    try:
        stack.start_redis()
        stack.start_httpbin()
        stack.start_junction()
        stack.wait_httpbin()
        yield stack
    finally:
        stack.stop()


def stop_junction(stack: Stack) -> None:
    for name in ("frontend", "worker", "refresher"):
        stack.procs[name].stop()


def migrate_store(stack: Stack, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(bin_dir() / "junction-frontend"), "admin", "migrate-store", "--to", url],
                          env=stack.junction_env(), cwd=stack.workdir, capture_output=True, text=True, timeout=120)


async def bearer_seen_upstream(stack: Stack, token: str, slug: str) -> dict:
    """What httpbin's /bearer answered to an execute through the source (its secret attached)."""
    async with mcp_client(stack, token) as client:
        name = await find_call_name(client, slug, "GET", "/bearer", "bearer")
        payload = await run_code(client, "execute", f"async () => await codemode.{name}({{}})")
    result = payload["result"]
    assert result["status"] == 200, result
    return as_json(result["body"])


@pytest.mark.anyio
async def test_a_sqlite_installation_moves_to_postgresql_keeping_tokens_passwords_and_secrets(
        sqlite_stack: Stack, database: str) -> None:
    stack = sqlite_stack
    with contextlib.closing(httpx.Client(base_url=stack.base_url, timeout=30)) as browser:
        r = browser.post("/setup", data={"email": ADMIN, "password": PASSWORD})
        assert r.status_code == 303, r.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', browser.get("/logout").text).group(1)
        r = browser.post("/api/v1/tokens", json={"name": "laptop"}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 201, r.text
        token = r.json()["token"]
    with stack.api(token) as api:
        create_source(api, stack, "moved", auth={"type": "bearer", "secret": SECRET})
        assert wait_source(api, "moved")["status"] == "ready"
    before = await bearer_seen_upstream(stack, token, "moved")
    assert before == {"authenticated": True, "token": SECRET}, before

    stop_junction(stack)
    out = migrate_store(stack, database)
    assert out.returncode == 0, f"migrate-store failed:\nstdout:\n{out.stdout}\nstderr:\n{out.stderr}"
    text = out.stdout + out.stderr
    assert re.search(r"^\s+users\s+1 row$", out.stdout, re.M), out.stdout
    assert re.search(r"^\s+sources\s+1 row$", out.stdout, re.M), out.stdout
    assert "sealed secrets: 1, all open with the configured master key" in out.stdout, out.stdout
    assert "JUNCTION_MASTER_KEY" in out.stdout and "JUNCTION_DATABASE_URL" in out.stdout
    password_in_url = urllib.parse.urlsplit(database).password
    for secret in (SECRET, token, PASSWORD, stack.master_key, password_in_url):
        assert secret and secret not in text, "migrate-store printed a secret"

    again = migrate_store(stack, database)
    assert again.returncode != 0 and "already holds data" in again.stderr + again.stdout, again.stderr

    # From now on only PostgreSQL holds the store.
    sqlite = stack.data_dir / "junction.sqlite"
    sqlite.rename(sqlite.with_name("junction.sqlite.backup"))
    stack.extra_env["JUNCTION_DATABASE_URL"] = database
    stack.start_junction()
    assert not sqlite.exists(), "the stack on PostgreSQL must not create a SQLite store"

    me = httpx.get(f"{stack.base_url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert me.status_code == 200 and me.json()["email"] == ADMIN, me.text
    with contextlib.closing(httpx.Client(base_url=stack.base_url, timeout=30)) as browser:
        assert browser.post("/login", data={"email": ADMIN, "password": PASSWORD, "next": "/"}).status_code == 303
        assert browser.get("/api/v1/me").json()["email"] == ADMIN
    with stack.api(token) as api:
        moved = api.get("/api/v1/sources/moved").json()
        moved = moved.get("source", moved)
        assert moved["status"] == "ready" and moved["auth"]["hasSecret"] is True, moved
    after = await bearer_seen_upstream(stack, token, "moved")
    assert after == {"authenticated": True, "token": SECRET}, "the sealed secret opens on PostgreSQL with the same master key"
