"""Sign-in for people: first-run setup, built-in accounts, sessions with CSRF, personal
API tokens, the allowlist, and OpenID Connect against a real provider (oidc-provider-mock,
lenient: no PKCE enforcement, no `kid`, `aud` as an array).

This module runs its own Junction (redis + frontend + worker + refresher, no httpbin):
first-run setup needs an empty user table, and OIDC settings are read at start-up.
"""

from __future__ import annotations

import contextlib
import html
import re
import subprocess
import tempfile
import urllib.parse
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from stack import REPO_ROOT, Stack, free_port

ADMIN = "root@admin.example"
PASSWORD = "correct horse battery staple"


def oidc_mock_exe() -> str:
    path = REPO_ROOT / ".venv-oidc" / "bin" / "oidc-provider-mock"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run ops/test (it creates .venv-oidc)")
    return str(path)


@pytest.fixture(scope="module")
def signin_stack() -> Iterator[tuple[Stack, str]]:
    workdir = Path(tempfile.mkdtemp(prefix="junction-signin-"))
    stack = Stack(workdir=workdir, with_httpbin=False)
    port = free_port()
    mock = stack.start_upstream("oidc-mock", [oidc_mock_exe(), "--host", "127.0.0.1", "--port", str(port)], port)
    issuer = httpx.get(f"http://127.0.0.1:{port}/.well-known/openid-configuration", timeout=30).json()["issuer"]
    stack.extra_env.update({
        "JUNCTION_OIDC_ISSUER": issuer,
        "JUNCTION_OIDC_CLIENT_ID": "junction-e2e",
        "JUNCTION_OIDC_CLIENT_SECRET": "mock-secret",
        "JUNCTION_ALLOWED_DOMAINS": "allowed.example",
    })
    try:
        stack.start_redis()
        stack.start_junction()
        yield stack, issuer
    finally:
        stack.stop()
        mock.stop()


def browser(stack: Stack) -> httpx.Client:
    return httpx.Client(base_url=stack.base_url, timeout=30, follow_redirects=False)


def csrf_of(b: httpx.Client) -> str:
    page = b.get("/logout").text
    m = re.search(r'name="csrf" value="([^"]+)"', page)
    assert m, page[:400]
    return html.unescape(m.group(1))


def login(b: httpx.Client, email: str, password: str = PASSWORD, next_: str = "/") -> httpx.Response:
    return b.post("/login", data={"email": email, "password": password, "next": next_})


def test_first_run_setup_creates_the_admin_once(signin_stack: tuple[Stack, str]) -> None:
    stack, _ = signin_stack
    with contextlib.closing(browser(stack)) as b:
        assert b.get("/login").text.count('href="/setup"') == 1, "login offers setup while no account exists"
        assert b.get("/setup").status_code == 200
        r = b.post("/setup", data={"email": ADMIN, "password": "short"})
        assert r.status_code == 400
        r = b.post("/setup", data={"email": ADMIN, "password": PASSWORD})
        assert r.status_code == 303, r.text
        cookie = r.headers["set-cookie"]
        assert "junction_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie, "plain-http loopback: no Secure flag"
        me = b.get("/api/v1/me").json()
        assert me["email"] == ADMIN and me["isAdmin"] is True
    with contextlib.closing(browser(stack)) as other:
        r = other.post("/setup", data={"email": "late@admin.example", "password": PASSWORD})
        assert r.status_code == 409
        assert other.get("/setup").status_code == 303
    # The password is stored as a slow hash, never in clear.
    import sqlite3
    with sqlite3.connect(stack.data_dir / "junction.sqlite") as conn:
        (stored,) = conn.execute("SELECT passwordHash FROM password_credentials").fetchone()
    assert stored.startswith("pbkdf2-sha256$600000$") and PASSWORD not in stored


def test_login_next_logout_and_csrf(signin_stack: tuple[Stack, str]) -> None:
    stack, _ = signin_stack
    with contextlib.closing(browser(stack)) as b:
        assert login(b, ADMIN, "wrong password!").status_code == 401
        assert login(b, "nobody@admin.example").status_code == 401
        r = login(b, ADMIN, next_="/sources?x=1")
        assert r.status_code == 303 and r.headers["location"] == "/sources?x=1"
        for evil in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
            with contextlib.closing(browser(stack)) as c:
                assert login(c, ADMIN, next_=evil).headers["location"] == "/", evil
        # Cookie-authenticated writes need the session's CSRF token.
        assert b.post("/api/v1/tokens", json={"name": "x"}).status_code == 403
        csrf = csrf_of(b)
        r = b.post("/api/v1/tokens", json={"name": "ci"}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 201, r.text
        created = r.json()
        secret = created["token"]
        listed = b.get("/api/v1/tokens").json()["tokens"]
        row = next(t for t in listed if t["id"] == created["id"])
        assert "token" not in row and secret not in str(listed) and row["lastUsedAt"] is None
        assert httpx.get(f"{stack.base_url}/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json()["email"] == ADMIN
        row = next(t for t in b.get("/api/v1/tokens").json()["tokens"] if t["id"] == created["id"])
        assert row["lastUsedAt"] is not None
        assert b.delete(f"/api/v1/tokens/{created['id']}", headers={"X-CSRF-Token": csrf}).status_code == 204
        assert httpx.get(f"{stack.base_url}/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
        assert b.delete("/api/v1/tokens/nope", headers={"X-CSRF-Token": csrf}).status_code == 404
        # Logout needs the CSRF token too, then the session is gone server-side.
        old = b.cookies["junction_session"]
        assert b.post("/logout", data={"csrf": "forged"}).status_code == 403
        r = b.post("/logout", data={"csrf": csrf})
        assert r.status_code == 303 and r.headers["location"] == "/login"
        r = httpx.get(f"{stack.base_url}/api/v1/me", cookies={"junction_session": old})
        assert r.status_code == 401


def oidc_sign_in(stack: Stack, b: httpx.Client, email: str, next_: str = "/") -> httpx.Response:
    """Junction → provider's authorize form → submit as `email` → Junction's callback.
    The provider asserts the email as verified (Junction requires `email_verified`)."""
    r = b.get("/signin/oidc", params={"next": next_})
    assert r.status_code == 303, r.text
    authorize = r.headers["location"]
    provider = urllib.parse.urlsplit(authorize)
    r = httpx.put(f"{provider.scheme}://{provider.netloc}/users/{urllib.parse.quote(email)}",
                  json={"email": email, "email_verified": True}, timeout=30)
    assert r.status_code == 204, r.text
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(authorize).query))
    assert q["code_challenge_method"] == "S256" and q["nonce"] and q["state"]
    assert q["redirect_uri"] == f"{stack.base_url}/signin/oidc/callback"
    r = httpx.post(authorize, data={"sub": email}, follow_redirects=False, timeout=30)
    assert r.status_code in (302, 303), r.text[:400]
    callback = urllib.parse.urlsplit(r.headers["location"])
    return b.get(callback.path + "?" + callback.query)


def test_oidc_sign_in_creates_allowlisted_users(signin_stack: tuple[Stack, str]) -> None:
    stack, _ = signin_stack
    with contextlib.closing(browser(stack)) as b:
        r = oidc_sign_in(stack, b, "alice@allowed.example", next_="/catalog")
        assert r.status_code == 303 and r.headers["location"] == "/catalog", r.text[:400]
        me = b.get("/api/v1/me").json()
        assert me["email"] == "alice@allowed.example" and me["isAdmin"] is False
        # Not an admin: the admin API refuses.
        assert b.get("/api/v1/admin/users").status_code == 403


def test_allowlist_refusal_and_admin_managed_entries(signin_stack: tuple[Stack, str]) -> None:
    stack, _ = signin_stack
    with contextlib.closing(browser(stack)) as b:
        r = oidc_sign_in(stack, b, "bob@elsewhere.example")
        assert r.status_code == 403 and "may not sign in" in r.text
        assert "junction_session" not in b.cookies
    with contextlib.closing(browser(stack)) as admin:
        assert login(admin, ADMIN).status_code == 303
        csrf = csrf_of(admin)
        r = admin.post("/api/v1/admin/allowlist", json={"email": "bob@elsewhere.example"}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 201, r.text
        entry = r.json()
        assert admin.post("/api/v1/admin/allowlist", json={"domain": "not a domain"}, headers={"X-CSRF-Token": csrf}).status_code == 400
        with contextlib.closing(browser(stack)) as b:
            r = oidc_sign_in(stack, b, "bob@elsewhere.example")
            assert r.status_code == 303 and b.get("/api/v1/me").json()["email"] == "bob@elsewhere.example"
        assert admin.delete(f"/api/v1/admin/allowlist/{entry['id']}", headers={"X-CSRF-Token": csrf}).status_code == 204
        assert all(e["id"] != entry["id"] for e in admin.get("/api/v1/admin/allowlist").json()["entries"])
        # With an allowlist configured, an existing non-admin account no longer on it is refused too.
        with contextlib.closing(browser(stack)) as b:
            r = oidc_sign_in(stack, b, "bob@elsewhere.example")
            assert r.status_code == 403


def test_oidc_state_must_match_the_browser(signin_stack: tuple[Stack, str]) -> None:
    stack, _ = signin_stack
    with contextlib.closing(browser(stack)) as victim, contextlib.closing(browser(stack)) as attacker:
        r = attacker.get("/signin/oidc")
        authorize = r.headers["location"]
        r = httpx.post(authorize, data={"sub": "alice@allowed.example"}, follow_redirects=False, timeout=30)
        callback = urllib.parse.urlsplit(r.headers["location"])
        # The attacker's callback URL replayed in another browser (login CSRF) is refused.
        r = victim.get(callback.path + "?" + callback.query)
        assert r.status_code == 400 and "state" in r.text
        assert "junction_session" not in victim.cookies
        # A forged state with the right cookie name is refused as well.
        q = dict(urllib.parse.parse_qsl(callback.query))
        r = attacker.get("/signin/oidc/callback", params={**q, "state": "forged"})
        assert r.status_code == 400


# --------------------------------------------------------------------------- #
# glewlwyd: a strict provider (PKCE enforced, kid-signed RS256 ID tokens, aud as a string)
# --------------------------------------------------------------------------- #

GLEWLWYD = Path("/usr/bin/glewlwyd")
GLEWLWYD_INIT = Path("/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz")


def start_glewlwyd(stack: Stack) -> tuple[str, httpx.Client]:
    """glewlwyd on a free port with a temp config and SQLite DB; an OIDC plugin instance
    with a fresh RSA key, PKCE required; returns (issuer, admin session)."""
    import gzip
    import sqlite3
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    if not GLEWLWYD.exists() or not GLEWLWYD_INIT.exists():
        raise FileNotFoundError("glewlwyd not installed: run ops/test (apt package glewlwyd)")
    home = stack.workdir / "glewlwyd"
    home.mkdir(parents=True, exist_ok=True)
    db_path = home / "glewlwyd.db"
    with sqlite3.connect(db_path) as conn:
        conn.executescript(gzip.decompress(GLEWLWYD_INIT.read_bytes()).decode())
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    conf = Path("/etc/glewlwyd/glewlwyd.conf").read_text()
    conf = re.sub(r"(?m)^port=.*$", f"port={port}", conf)
    conf = re.sub(r"(?m)^external_url=.*$", f'external_url="{base}"\nbind_address="127.0.0.1"', conf)
    conf = re.sub(r"(?m)^log_mode=.*$", 'log_mode="console"', conf)
    conf = conf.replace('@include "/etc/glewlwyd/glewlwyd-db.conf"', f'database = {{ type = "sqlite3" path = "{db_path}" }};')
    (home / "glewlwyd.conf").write_text(conf)
    stack.start_upstream("glewlwyd", [str(GLEWLWYD), "-c", str(home / "glewlwyd.conf")], port)
    admin = httpx.Client(base_url=base + "/api", timeout=30)
    assert admin.post("/auth/", json={"username": "admin", "password": "password"}).status_code == 200
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                    serialization.NoEncryption()).decode()
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    issuer = f"{base}/api/oidc"
    r = admin.post("/mod/plugin/", json={"module": "oidc", "name": "oidc", "display_name": "OIDC", "enabled": True, "parameters": {
        "iss": issuer, "jwt-type": "rsa", "jwt-key-size": "256", "key": private_pem, "cert": public_pem,
        "code-duration": 600, "refresh-token-duration": 1209600, "access-token-duration": 3600,
        "auth-type-code-enabled": True, "auth-type-refresh-enabled": True, "auth-type-client-enabled": False,
        "auth-type-implicit-enabled": False, "auth-type-password-enabled": False,
        "pkce-allowed": True, "pkce-method-plain-allowed": False, "pkce-required": True, "allow-non-oidc": False,
        "discovery-enabled": True, "email-claim": "mandatory", "name-claim": "on-demand", "scope-claim": "no"}})
    assert r.status_code == 200, r.text
    r = admin.post("/user/", json={"username": "carol", "name": "Carol", "email": "carol@allowed.example", "enabled": True,
                                   "password": "carol-password-1", "scope": ["openid", "g_profile"]})
    assert r.status_code == 200, r.text
    return issuer, admin


@pytest.fixture(scope="module")
def glewlwyd_stack() -> Iterator[tuple[Stack, httpx.Client]]:
    workdir = Path(tempfile.mkdtemp(prefix="junction-glewlwyd-"))
    stack = Stack(workdir=workdir, with_httpbin=False)
    try:
        issuer, admin = start_glewlwyd(stack)
        # glewlwyd sends no `email_verified` (its admins set the emails), so this stack uses the
        # documented relaxation: a missing claim is accepted (an explicit false never is).
        stack.extra_env.update({"JUNCTION_OIDC_ISSUER": issuer, "JUNCTION_OIDC_CLIENT_ID": "junction",
                                "JUNCTION_OIDC_CLIENT_SECRET": "glewlwyd-client-secret", "JUNCTION_ALLOWED_DOMAINS": "allowed.example",
                                "JUNCTION_OIDC_REQUIRE_EMAIL_VERIFIED": "false"})
        stack.start_redis()
        stack.start_junction()
        r = admin.post("/client/", json={
            "client_id": "junction", "name": "Junction", "enabled": True, "confidential": True, "password": "glewlwyd-client-secret",
            "redirect_uri": [f"{stack.base_url}/signin/oidc/callback"], "authorization_type": ["code", "refresh_token"],
            "scope": ["openid"], "token_endpoint_auth_method": ["client_secret_basic"]})
        assert r.status_code == 200, r.text
        yield stack, admin
    finally:
        stack.stop()


def test_oidc_sign_in_against_glewlwyd(glewlwyd_stack: tuple[Stack, httpx.Client]) -> None:
    stack, admin = glewlwyd_stack
    idp = httpx.Client(base_url=str(admin.base_url), timeout=30)
    # The person signs in at the provider and grants Junction (glewlwyd's own API).
    assert idp.post("/auth/", json={"username": "carol", "password": "carol-password-1"}).status_code == 200
    assert idp.put("/auth/grant/junction", json={"scope": "openid"}).status_code == 200
    with contextlib.closing(browser(stack)) as b:
        r = b.get("/signin/oidc", params={"next": "/executions"})
        assert r.status_code == 303
        authorize = r.headers["location"]
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(authorize).query))
        # glewlwyd refuses the same request without PKCE: Junction's PKCE is what makes it pass.
        no_pkce = {k: v for k, v in q.items() if not k.startswith("code_challenge")}
        bare = idp.get(authorize.split("?")[0] + "?" + urllib.parse.urlencode(no_pkce) + "&g_continue", follow_redirects=False)
        assert "code=" not in bare.headers.get("location", ""), "glewlwyd must enforce PKCE"
        r = idp.get(authorize + "&g_continue", follow_redirects=False)
        assert r.status_code == 302 and "code=" in r.headers["location"], (r.status_code, r.headers.get("location"), r.text[:300])
        callback = urllib.parse.urlsplit(r.headers["location"])
        r = b.get(callback.path + "?" + callback.query)
        assert r.status_code == 303 and r.headers["location"] == "/executions", r.text[:500]
        me = b.get("/api/v1/me").json()
        assert me["email"] == "carol@allowed.example"
        # The code is single-use at the provider too: replaying the callback fails (state consumed first).
        assert b.get(callback.path + "?" + callback.query).status_code == 400
