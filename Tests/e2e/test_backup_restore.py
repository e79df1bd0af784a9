"""Backup and restore as ops/docs/DEPLOYMENT.md tells operators, on SQLite and PostgreSQL.

The stack reads its master key from a file (`JUNCTION_MASTER_KEY_FILE`, as the systemd units
do) and is administered through `ops/deploy/junction-admin`. An admin with a password and a
token registers an httpbin source whose bearer secret is sealed in the store. The store is
backed up while everything runs (`sqlite3 … .backup`, or `pg_dump --format=custom`); an account
made afterwards must not survive the restore. After the restore (copy the file back, or
`pg_restore` into an empty database) with the same key, the password, the token and the sealed
secret work; with another key the accounts and tokens do, but the secret is lost.
"""

from __future__ import annotations

import base64
import contextlib
import getpass
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import urllib.parse
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from helpers import create_source, execute_stateless, wait_source
from stack import REPO_ROOT, Stack, bin_dir

ADMIN = "keeper@backup.example"
PASSWORD = "backups are restores you tried"
SECRET = "kept-bearer-" + secrets.token_hex(8)


def tool(name: str) -> str:
    exe = shutil.which(name)
    if not exe:
        raise FileNotFoundError(f"{name} not found: run ops/test (it installs the sqlite3 and postgresql packages)")
    return exe


def run(*argv: str, **kwargs) -> subprocess.CompletedProcess[str]:
    r = subprocess.run(list(argv), capture_output=True, text=True, timeout=120, **kwargs)
    assert r.returncode == 0, f"{argv[0]} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
    return r


def psql(url: str, sql: str) -> None:
    run(tool("psql"), url, "-v", "ON_ERROR_STOP=1", "-qc", sql)


class Installation:
    """The stack plus what an operator keeps: the key file and junction-admin's env file."""

    def __init__(self, store: str) -> None:
        self.store = store
        self.stack = Stack(workdir=Path(tempfile.mkdtemp(prefix=f"junction-backup-{store}-")), execute_timeout_ms=10000)
        self.key_file = self.stack.workdir / "master.key"
        self.write_key(self.stack.master_key)
        self.stack.extra_env.update({"JUNCTION_MASTER_KEY": "", "JUNCTION_MASTER_KEY_FILE": str(self.key_file)})
        self.server = os.environ.get("JUNCTION_TEST_DATABASE_URL", "")
        self.databases: list[str] = []
        if store == "postgres":
            assert self.server, "JUNCTION_TEST_DATABASE_URL is not set: run through ops/test, which starts a private PostgreSQL"
            self.stack.extra_env["JUNCTION_DATABASE_URL"] = self.new_database()
        # junction-admin next to the binary it runs, as installed in /opt/junction/bin.
        self.bin = self.stack.workdir / "bin"
        self.bin.mkdir()
        shutil.copy2(REPO_ROOT / "ops" / "deploy" / "junction-admin", self.bin / "junction-admin")
        (self.bin / "junction-frontend").symlink_to(bin_dir() / "junction-frontend")

    def write_key(self, key: str) -> None:
        self.key_file.write_text(key + "\n")
        self.key_file.chmod(0o600)

    def new_database(self) -> str:
        name = "junction_backup_" + secrets.token_hex(6)
        psql(self.server, f"CREATE DATABASE {name}")
        self.databases.append(name)
        return urllib.parse.urlunsplit(urllib.parse.urlsplit(self.server)._replace(path="/" + name))

    @property
    def database_url(self) -> str:
        return self.stack.extra_env["JUNCTION_DATABASE_URL"]

    def admin(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """ops/deploy/junction-admin ARGS, reading an env file as /etc/junction/junction.env."""
        env_file = self.stack.workdir / "junction.env"
        lines = [f"REDIS_URL={self.stack.redis_url}", f"JUNCTION_DATA_DIR={self.stack.data_dir}"]
        if self.store == "postgres":
            lines.append(f"JUNCTION_DATABASE_URL='{self.database_url}'")
        env_file.write_text("\n".join(lines) + "\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("JUNCTION_") and k != "REDIS_URL"}
        env.update({"JUNCTION_ADMIN_ENV_FILE": str(env_file), "JUNCTION_ADMIN_KEY_FILE": str(self.key_file),
                    "JUNCTION_ADMIN_USER": getpass.getuser()})
        return run(str(self.bin / "junction-admin"), *args, input=stdin, env=env, cwd=self.stack.workdir)

    def stop_junction(self) -> None:
        for name in ("frontend", "worker", "refresher"):
            self.stack.procs[name].stop()

    def close(self) -> None:
        self.stack.stop()
        for name in self.databases:
            with contextlib.suppress(AssertionError):
                psql(self.server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgres"])
def installation(request: pytest.FixtureRequest) -> Iterator[Installation]:
    inst = Installation(request.param)
    try:
        inst.stack.start_redis()
        inst.stack.start_httpbin()
        inst.stack.start_junction()
        inst.stack.wait_httpbin()
        yield inst
    finally:
        inst.close()


def bearer_seen_upstream(stack: Stack, token: str, slug: str) -> tuple[dict, dict]:
    """An execute through the source's GET /bearer: (what httpbin saw or {}, the tool result)."""
    with stack.api(token) as api:
        hits = api.get("/api/v1/catalog", params={"q": "bearer", "source": slug}).json()["results"]
    name = next(h["callName"] for h in hits if h.get("path") == "/bearer" and h.get("method") == "GET")
    status, result = execute_stateless(stack.base_url, token, f"async () => await codemode.{name}({{}})")
    assert status == 200, result
    payload = (result.get("structuredContent") or {}).get("result") or {}
    body = payload.get("body")
    seen = json.loads(body) if isinstance(body, str) else (body or {})
    return (seen if payload.get("status") == 200 else {}), result


def sign_in(stack: Stack, email: str, password: str) -> int:
    with contextlib.closing(httpx.Client(base_url=stack.base_url, timeout=60)) as b:
        return b.post("/login", data={"email": email, "password": password, "next": "/"}).status_code


def test_a_backup_taken_while_running_restores_accounts_tokens_and_secrets(installation: Installation, tmp_path: Path) -> None:
    inst, stack = installation, installation.stack
    made = inst.admin("user", "--email", ADMIN, "--admin", "--password-stdin", stdin=PASSWORD + "\n")
    assert made.stdout.strip() == f"{ADMIN}: created as an administrator with a password", made.stdout
    token = inst.admin("token", "--email", ADMIN).stdout.strip().splitlines()[-1]
    with stack.api(token) as api:
        create_source(api, stack, "kept", auth={"type": "bearer", "secret": SECRET})
        assert wait_source(api, "kept")["status"] == "ready"
    assert bearer_seen_upstream(stack, token, "kept")[0] == {"authenticated": True, "token": SECRET}

    # The backup, while every process runs (DEPLOYMENT.md, "Backups").
    if inst.store == "sqlite":
        backup = tmp_path / "junction-backup.sqlite"
        run(tool("sqlite3"), str(stack.data_dir / "junction.sqlite"), f".backup '{backup}'")
    else:
        backup = tmp_path / "junction-backup.dump"
        run(tool("pg_dump"), "--format=custom", f"--file={backup}", inst.database_url)
    assert backup.stat().st_size > 0
    inst.admin("user", "--email", "later@backup.example", "--password-stdin", stdin="made after the backup\n")

    # The restore, into a stopped installation.
    inst.stop_junction()
    if inst.store == "sqlite":
        for stale in stack.data_dir.glob("junction.sqlite*"):
            stale.unlink()
        shutil.copy2(backup, stack.data_dir / "junction.sqlite")
    else:
        stack.extra_env["JUNCTION_DATABASE_URL"] = inst.new_database()
        run(tool("pg_restore"), "--no-owner", "--dbname", inst.database_url, str(backup))
    stack.start_junction()

    listed = json.loads(inst.admin("users", "--json").stdout)
    assert [u["email"] for u in listed] == [ADMIN], "the store is the backup's: the later account is not there"
    assert sign_in(stack, ADMIN, PASSWORD) == 303
    me = httpx.get(f"{stack.base_url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert me.status_code == 200 and me.json()["email"] == ADMIN
    seen, result = bearer_seen_upstream(stack, token, "kept")
    assert seen == {"authenticated": True, "token": SECRET}, f"the sealed secret opens after the restore: {result}"

    # The same store with another master key: accounts and tokens work, the secret is lost.
    inst.stop_junction()
    inst.write_key(base64.b64encode(os.urandom(32)).decode())
    stack.start_junction()
    assert sign_in(stack, ADMIN, PASSWORD) == 303
    seen, result = bearer_seen_upstream(stack, token, "kept")
    assert seen == {}, "a secret sealed with another key must not reach the upstream"
    assert SECRET not in json.dumps(result)
    error = (result.get("structuredContent") or {}).get("error") or {}
    assert result.get("isError") and "secret failed authentication" in error.get("message", ""), result
