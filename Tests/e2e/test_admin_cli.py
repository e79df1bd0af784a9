"""The first admin made from a terminal signs in to the dashboard.

`ops/run token` (`junction-frontend admin token`) creates an account without a password, and
`/setup` closes as soon as any account exists; `junction-frontend admin user` gives that
account a password (from stdin) and the admin flag, and the person then signs in through the
real sign-in form. Runs on SQLite and on PostgreSQL (a fresh database on the server
`ops/test` starts).
"""

from __future__ import annotations

import contextlib
import html
import json
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

from stack import Stack, bin_dir

ADMIN = "ops@cli.example"
PASSWORD = "a terminal-made admin password"
MEMBER = "member@cli.example"
MEMBER_PASSWORD = "member's own password"


def psql(url: str, sql: str) -> None:
    exe = shutil.which("psql") or "/usr/bin/psql"
    r = subprocess.run([exe, url, "-v", "ON_ERROR_STOP=1", "-qc", sql], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"psql failed: {r.stderr}"


@pytest.fixture(params=["sqlite", "postgres"])
def cli_stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    stack = Stack(workdir=Path(tempfile.mkdtemp(prefix=f"junction-admin-cli-{request.param}-")), with_httpbin=False)
    database = None
    if request.param == "postgres":
        server = os.environ.get("JUNCTION_TEST_DATABASE_URL")
        assert server, "JUNCTION_TEST_DATABASE_URL is not set: run through ops/test, which starts a private PostgreSQL"
        name = "junction_cli_" + secrets.token_hex(6)
        psql(server, f"CREATE DATABASE {name}")
        database = (server, name)
        stack.extra_env["JUNCTION_DATABASE_URL"] = urllib.parse.urlunsplit(
            urllib.parse.urlsplit(server)._replace(path="/" + name))
    try:
        stack.start_redis()
        stack.frontend_port = urllib.parse.urlsplit(stack.start_frontend("frontend")).port or 0
        yield stack
    finally:
        stack.stop()
        if database:
            psql(database[0], f"DROP DATABASE IF EXISTS {database[1]} WITH (FORCE)")


def admin(stack: Stack, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`junction-frontend admin ARGS` with the stack's settings (store, master key, Redis)."""
    return subprocess.run([str(bin_dir() / "junction-frontend"), "admin", *args], input=stdin,
                          env=stack.junction_env(), cwd=stack.workdir, capture_output=True, text=True, timeout=120)


def browser(stack: Stack) -> httpx.Client:
    return httpx.Client(base_url=stack.base_url, timeout=60, follow_redirects=False)


def sign_in(b: httpx.Client, email: str, password: str) -> httpx.Response:
    """Fill in and send the sign-in form as a browser would: the form's own action, method
    and field names, read from GET /login."""
    page = b.get("/login")
    assert page.status_code == 200, page.text[:300]
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', page.text, re.S)
    assert form, page.text[:600]
    names = re.findall(r'<input[^>]*name="([^"]+)"', form.group(2))
    assert {"email", "password"} <= set(names), names
    fields = {n: html.unescape(v) for n, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(2))}
    fields.update({"email": email, "password": password})
    return b.post(html.unescape(form.group(1)), data=fields)


def test_a_terminal_made_admin_signs_in_to_the_dashboard(cli_stack: Stack) -> None:
    stack = cli_stack
    # The path: a token from the terminal makes the first account, without a password.
    made = admin(stack, "token", "--email", ADMIN)
    assert made.returncode == 0, made.stderr
    assert "has no password" in made.stderr and "admin user --email ops@cli.example --password-stdin" in made.stderr
    with contextlib.closing(browser(stack)) as b:
        assert b.get("/setup").status_code == 303, "/setup is closed once an account exists"
        assert sign_in(b, ADMIN, PASSWORD).status_code == 401, "no password yet: no sign-in"

    given = admin(stack, "user", "--email", ADMIN, "--password-stdin", stdin=PASSWORD + "\n")
    assert given.returncode == 0, given.stderr
    assert given.stdout.strip() == f"{ADMIN}: password set"
    assert PASSWORD not in given.stdout + given.stderr

    with contextlib.closing(browser(stack)) as b:
        r = sign_in(b, ADMIN, PASSWORD)
        assert r.status_code == 303, r.text[:300]
        assert "junction_session=" in r.headers.get("set-cookie", "")
        me = b.get("/api/v1/me").json()
        assert me["email"] == ADMIN and me["isAdmin"] is True
        home = b.get("/")
        assert home.status_code == 200 and 'href="/admin"' in home.text, "an admin is shown the Admin page"
        page = b.get("/admin")
        assert page.status_code == 200 and "Administrator" in page.text

    with contextlib.closing(browser(stack)) as b:
        r = sign_in(b, ADMIN, PASSWORD + "!")
        assert r.status_code == 401 and "Wrong email or password" in r.text
        assert b.get("/api/v1/me").status_code == 401


def test_password_policy_errors_are_clear_and_change_nothing(cli_stack: Stack) -> None:
    stack = cli_stack
    short = admin(stack, "user", "--email", ADMIN, "--admin", "--password-stdin", stdin="short\n")
    assert short.returncode != 0
    assert "The password must have at least 10 characters (this one has 5)." in short.stderr, short.stderr
    empty = admin(stack, "user", "--email", ADMIN, "--password-stdin", stdin="")
    assert empty.returncode != 0 and "The password is empty." in empty.stderr, empty.stderr
    two = admin(stack, "user", "--email", ADMIN, "--password-stdin", stdin="first line is long\nsecond\n")
    assert two.returncode != 0 and "more than one line" in two.stderr, two.stderr
    both = admin(stack, "user", "--email", ADMIN, "--password", PASSWORD, "--password-stdin", stdin=PASSWORD)
    assert both.returncode != 0 and "not both" in both.stderr, both.stderr
    listed = admin(stack, "users", "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout) == [], "a refused password creates nothing"
    bad_email = admin(stack, "user", "--email", "not-an-email", "--password-stdin", stdin=PASSWORD)
    assert bad_email.returncode != 0 and "not-an-email" in bad_email.stderr, bad_email.stderr


def test_a_non_admin_is_not_shown_admin_pages_until_made_admin(cli_stack: Stack) -> None:
    stack = cli_stack
    assert admin(stack, "user", "--email", ADMIN, "--admin", "--password-stdin", stdin=PASSWORD).returncode == 0
    made = admin(stack, "user", "--email", MEMBER, "--password-stdin", stdin=MEMBER_PASSWORD)
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == f"{MEMBER}: created with a password", "not the first account: not an admin"

    with contextlib.closing(browser(stack)) as b:
        assert sign_in(b, MEMBER, MEMBER_PASSWORD).status_code == 303
        home = b.get("/")
        assert home.status_code == 200 and 'href="/admin"' not in home.text
        assert b.get("/admin").status_code == 403
        assert b.get("/api/v1/admin/users").status_code == 403

        # Made admin from the terminal: the same session sees it on its next request.
        promoted = admin(stack, "user", "--email", MEMBER, "--admin")
        assert promoted.stdout.strip() == f"{MEMBER}: now an administrator", promoted.stderr
        assert b.get("/admin").status_code == 200
        demoted = admin(stack, "user", "--email", MEMBER, "--no-admin")
        assert demoted.stdout.strip() == f"{MEMBER}: no longer an administrator", demoted.stderr
        assert b.get("/admin").status_code == 403

    table = admin(stack, "users")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["EMAIL", "ADMIN", "DISABLED", "PASSWORD", "CREATED"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    assert rows[ADMIN][:3] == ["yes", "no", "yes"] and rows[MEMBER][:3] == ["no", "no", "yes"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", rows[MEMBER][3])
    as_json = json.loads(admin(stack, "users", "--json").stdout)
    assert {u["email"]: (u["admin"], u["password"]) for u in as_json} == {ADMIN: (True, True), MEMBER: (False, True)}
    for text in (table.stdout, json.dumps(as_json)):
        assert "pbkdf2" not in text and PASSWORD not in text and MEMBER_PASSWORD not in text, "never a hash or password"
