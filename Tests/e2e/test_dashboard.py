"""The dashboard in a real browser: Playwright driving Debian's chromium against a stack of
its own (first-run setup needs an empty user table). Screenshots of every page land in
.build/test-results/screenshots/ (desktop and phone widths).

Flows: first-run setup and sign-in, registering an OpenAPI source from an example against
the local httpbin, watching its refresh finish without a reload, catalog search (same
ranking as codemode.catalog), copying the endpoint, tokens, the execution log, toggling,
editing and deleting a source, admin, escaping of hostile names, and the MCP OAuth popup.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import time
import urllib.parse
from pathlib import Path

import anyio
import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from helpers import mcp_client, run_code
from stack import ACTIVE_STACKS, REPO_ROOT, Stack, free_port, venv_exe

SHOTS = Path(os.environ.get("JUNCTION_SCREENSHOTS") or REPO_ROOT / ".build" / "test-results" / "screenshots")
CHROMIUM = "/usr/bin/chromium"
EMAIL = "admin@example.com"
PASSWORD = "correct horse battery staple"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def dash(tmp_path_factory: pytest.TempPathFactory) -> Stack:
    """A stack with no user yet, so the browser goes through first-run setup."""
    s = Stack(workdir=tmp_path_factory.mktemp("dashboard"), execute_timeout_ms=10000)
    ACTIVE_STACKS.append(s)
    try:
        s.start_redis()
        s.start_httpbin()
        s.start_junction()
        s.wait_httpbin()
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def browser() -> Browser:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def context(browser: Browser, dash: Stack) -> BrowserContext:
    """One signed-in browser (desktop width) shared by the tests of this module, in order."""
    ctx = browser.new_context(viewport=DESKTOP, base_url=dash.base_url)
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=dash.base_url)
    yield ctx
    ctx.close()


@pytest.fixture(scope="module")
def state() -> dict:
    """What earlier tests hand to later ones (the token made on the endpoint page)."""
    return {}


@pytest.fixture
def page(context: BrowserContext) -> Page:
    p = context.new_page()
    p.errors = []  # type: ignore[attr-defined]
    p.on("pageerror", lambda e: p.errors.append(str(e)))  # type: ignore[attr-defined]
    def console(m) -> None:
        # A 4xx the test asked the API for on purpose is logged by chromium too; anything else counts.
        if m.type == "error" and not (m.text.startswith("Failed to load resource") and "/api/v1/" in m.location.get("url", "")):
            p.errors.append(f"{m.text} ({m.location.get('url')})")  # type: ignore[attr-defined]
    p.on("console", console)
    yield p
    errors = p.errors  # type: ignore[attr-defined]
    p.close()
    assert not errors, f"script errors or CSP violations in the page: {errors}"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def api(page: Page, method: str, path: str, body: dict | None = None) -> tuple[int, object]:
    """A management API call from inside the page: session cookie + CSRF header, as the script does."""
    return page.evaluate(
        """async ([method, path, body]) => {
            const csrf = document.querySelector('meta[name="csrf-token"]').content;
            const r = await fetch(path, {method, headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
                                         body: body === null ? undefined : JSON.stringify(body)});
            const text = await r.text();
            return [r.status, text ? JSON.parse(text) : null];
        }""",
        [method, path, body],
    )


def run_async(fn):
    """Runs an async MCP client call in a thread of its own (Playwright's sync API owns this thread's loop)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(anyio.run, fn).result(timeout=180)


def row(page: Page, slug: str):
    return page.locator(f'#sources-table tr[data-slug="{slug}"]')


# --------------------------------------------------------------------------- flows (in order)

def test_first_run_setup_then_sign_in_again(page: Page, dash: Stack) -> None:
    page.goto("/sources")
    expect(page).to_have_url(re.compile(r"/login\?next=/sources$"))
    shot(page, "login-desktop")
    page.get_by_role("link", name=re.compile("create the first")).click()
    expect(page).to_have_url(re.compile(r"/setup$"))
    shot(page, "setup-desktop")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label(re.compile("Password")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Create account")).click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.locator(".account-email")).to_have_text(EMAIL)
    headers = page.request.get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"] and "frame-ancestors 'none'" in headers["content-security-policy"]
    shot(page, "overview-empty-desktop")

    # Sign out and back in with the built-in account; `next` brings us back.
    page.get_by_role("button", name="Sign out").click()
    page.goto("/catalog")
    expect(page).to_have_url(re.compile(r"/login\?next=/catalog$"))
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/catalog$"))
    expect(page.get_by_role("heading", name="Catalog", exact=True)).to_be_visible()


def test_register_openapi_source_from_example_and_watch_refresh(page: Page, dash: Stack) -> None:
    page.goto("/sources")
    expect(page.locator("#sources-table")).to_contain_text("No sources yet")
    page.get_by_role("button", name=re.compile(r"httpbin \(OpenAPI\)")).click()
    form = page.locator("#register-form")
    expect(form.get_by_label("Slug")).to_have_value("httpbin")
    expect(form.get_by_label(re.compile("^Spec URL"))).to_have_value("http://127.0.0.1:8000/spec.json")
    # The example points at httpbin's usual port; this test's httpbin listens elsewhere.
    form.get_by_label(re.compile("^Spec URL")).fill(dash.httpbin_url + "/spec.json")
    form.get_by_label(re.compile("^Base URL")).fill(dash.httpbin_url)
    shot(page, "sources-form-filled-desktop")
    page.evaluate("window.__noReload = true")
    form.get_by_role("button", name=re.compile("Register")).click()

    r = row(page, "httpbin")
    expect(r).to_be_visible()
    expect(r.locator('[data-cell="status"]')).to_have_text("ready", timeout=90_000)
    expect(r.locator('[data-cell="entries"]')).to_have_text("78")
    expect(r.locator('[data-cell="refreshed"] time')).to_be_visible()
    shot(page, "sources-ready-desktop")

    # A refresh shows that it is under way, then its outcome, all without a reload.
    before = r.locator('[data-cell="refreshed"] time').get_attribute("datetime")
    time.sleep(1.1)  # lastRefreshAt has one-second resolution
    r.get_by_role("button", name="Refresh httpbin").click()
    expect(r.locator('[data-cell="status"] .badge-busy')).to_be_visible()
    shot(page, "sources-refreshing-desktop")
    expect(r.locator('[data-cell="status"]')).to_have_text("ready", timeout=90_000)
    expect(r.locator('[data-cell="refreshed"] time')).not_to_have_attribute("datetime", before or "")
    assert page.evaluate("window.__noReload") is True, "the page reloaded"

    # A source whose refresh fails shows its error in the table, again without a reload.
    status, _ = api(page, "POST", "/api/v1/sources", {
        "slug": "broken", "type": "openapi", "name": "Broken spec",
        "specUrl": dash.httpbin_url + "/status/404"})
    assert status == 201
    page.goto("/sources")
    b = row(page, "broken")
    expect(b.locator('[data-cell="status"]')).to_have_text("error", timeout=90_000)
    expect(b.locator('[data-cell="error"]')).not_to_have_text("—")


def test_catalog_search_matches_codemode_catalog(page: Page, dash: Stack, state: dict) -> None:
    page.goto("/catalog")
    page.get_by_role("searchbox", name="Search").fill("status code")
    # Search as you type: the address follows the query once the results are in.
    expect(page).to_have_url(re.compile(r"/catalog\?q=status(\+|%20)code$"))
    hits = page.locator("#hits .hit")
    expect(hits.first).to_be_visible()
    expect(page.locator("#hit-count")).to_contain_text("match")
    expect(hits.first.locator(".hit-sig")).to_contain_text("(")
    shown = [n.strip() for n in page.locator("#hits .hit-name").all_inner_texts()]
    assert any("status" in n for n in shown[:3]), shown
    shot(page, "catalog-desktop")

    # The server-rendered page (no script) and the JSON API agree with the search typed above.
    status, data = api(page, "GET", "/api/v1/catalog?q=status%20code&limit=50")
    assert status == 200
    assert [h["callName"] for h in data["results"]] == shown
    page.goto("/catalog?q=status+code")
    assert [n.strip() for n in page.locator("#hits .hit-name").all_inner_texts()] == shown
    state["catalog"] = shown


def test_endpoint_copy_and_personal_token(page: Page, dash: Stack, state: dict) -> None:
    page.goto("/endpoint")
    expect(page.locator("#mcp-url")).to_have_value(dash.mcp_url)
    page.locator("#copy-mcp-url").click()
    expect(page.locator("#copy-mcp-url")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == dash.mcp_url

    # Tabs of client configurations, keyboard-navigable.
    page.get_by_role("tab", name="Claude Code").focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="Claude Desktop")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#panel-claude-desktop")).to_be_visible()
    expect(page.locator("#panel-claude-code")).to_be_hidden()
    page.get_by_role("tab", name="Claude Code").click()
    expect(page.locator("#snippet-claude-code")).to_contain_text(f"claude mcp add --transport http junction {dash.mcp_url}")

    page.get_by_label("Token name").fill("e2e laptop")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#token-reveal")).to_be_visible()
    token = page.locator("#new-token").input_value()
    assert token.startswith("jct_"), token
    expect(page.locator("#tokens-body")).to_contain_text("e2e laptop")
    expect(page.locator("#snippet-claude-code")).to_contain_text(f"Authorization: Bearer {token}")
    page.locator('#panel-claude-code [data-copy]').click()
    assert token in page.evaluate("navigator.clipboard.readText()")
    shot(page, "endpoint-desktop")
    r = httpx.get(dash.base_url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["email"] == EMAIL
    state["token"] = token

    # The token is never shown again.
    page.reload()
    expect(page.locator("#tokens-body")).to_contain_text("e2e laptop")
    assert token not in page.content()


def test_execution_log_click_through(page: Page, dash: Stack, state: dict) -> None:
    token = state["token"]

    async def go() -> tuple[dict, dict]:
        async with mcp_client(dash, token) as client:
            found = await run_code(client, "search", 'async () => await codemode.catalog("status code")')
            ran = await run_code(client, "execute", """async () => {
                const r = await codemode.httpbin_get_get({ query: { dashboard: "yes" } });
                return { status: r.status, args: r.body.args };
            }""")
            return found, ran

    found, ran = run_async(go)
    assert ran["result"] == {"status": 200, "args": {"dashboard": "yes"}}, ran
    # codemode.catalog ranks exactly as the dashboard's search did.
    assert [h["callName"] for h in found["result"]] == state["catalog"][:len(found["result"])]

    # The worker answers before it writes the run's log row: reload until the row is there.
    deadline = time.monotonic() + 10
    while True:
        page.goto("/executions")
        rows = page.locator("table tbody tr")
        if "execute" in rows.first.inner_text() or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    expect(rows.first).to_contain_text("execute")
    expect(rows.first).to_contain_text("ok")
    shot(page, "executions-desktop")
    rows.first.get_by_role("link", name="execute").click()
    expect(page.get_by_role("heading", name="execute run")).to_be_visible()
    expect(page.locator("#run-code")).to_contain_text("codemode.httpbin_get_get")
    expect(page.locator("#run-result")).to_contain_text('"dashboard": "yes"')
    expect(page.locator("main")).to_contain_text("httpbin_get_get")
    shot(page, "execution-detail-desktop")

    # A failing run shows its error.
    async def fail() -> None:
        async with mcp_client(dash, token) as client:
            await client.call_tool("execute", {"code": 'async () => { throw new Error("boom from e2e") }'})
    run_async(fail)
    # The worker answers before it writes the run's log row: reload until the row is there.
    deadline = time.monotonic() + 10
    while True:
        page.goto("/executions")
        first = page.locator("table tbody tr").first
        if "error" in first.inner_text() or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    first.get_by_role("link").click()
    expect(page.locator("#run-error")).to_contain_text("boom from e2e")
    shot(page, "execution-error-desktop")


def test_toggle_edit_and_delete_source(page: Page, dash: Stack) -> None:
    page.goto("/sources")
    r = row(page, "httpbin")
    r.get_by_role("button", name="Disable httpbin").click()
    expect(row(page, "httpbin").locator('[data-cell="status"]')).to_have_text("disabled")
    expect(row(page, "httpbin").get_by_role("button", name="Enable httpbin")).to_be_focused()
    status, src = api(page, "GET", "/api/v1/sources/httpbin")
    assert status == 200 and src["enabled"] is False
    status, data = api(page, "GET", "/api/v1/catalog?q=status&source=httpbin")
    assert data["results"] == [], "a disabled source is not searchable"
    row(page, "httpbin").get_by_role("button", name="Enable httpbin").click()
    expect(row(page, "httpbin").locator('[data-cell="status"]')).to_have_text("ready")

    # Edit: rename and switch to bearer auth with a secret (write-only), which refreshes.
    row(page, "httpbin").get_by_role("button", name="Edit httpbin").click()
    dialog = page.locator("#edit-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Name", exact=True).fill("httpbin (edited)")
    dialog.get_by_label("Authentication").select_option("bearer")
    dialog.get_by_label(re.compile("^New secret")).fill("s3cret-token-value")
    shot(page, "sources-edit-dialog-desktop")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    edited = row(page, "httpbin")
    expect(edited).to_contain_text("httpbin (edited)")
    expect(edited.locator('[data-cell="status"]')).to_have_text("ready", timeout=90_000)
    status, src = api(page, "GET", "/api/v1/sources/httpbin")
    assert src["auth"] == {"type": "bearer", "headerName": None, "hasSecret": True}
    assert "s3cret-token-value" not in page.content()
    assert "s3cret-token-value" not in json.dumps(src)

    # Delete with confirmation: cancel first, then confirm.
    row(page, "broken").get_by_role("button", name="Delete Broken spec").click()
    page.locator("#delete-dialog").get_by_role("button", name="Cancel").click()
    expect(row(page, "broken")).to_be_visible()
    row(page, "broken").get_by_role("button", name="Delete Broken spec").click()
    expect(page.locator("#delete-name")).to_have_text("Broken spec (broken)")
    shot(page, "sources-delete-dialog-desktop")
    page.locator("#delete-dialog").get_by_role("button", name="Delete source").click()
    expect(row(page, "broken")).to_have_count(0)
    status, _ = api(page, "GET", "/api/v1/sources/broken")
    assert status == 404


def test_user_strings_are_escaped(page: Page, dash: Stack) -> None:
    page.goto("/sources")
    hostile = '<img src=x onerror="window.__xss=1">"\'&'
    status, _ = api(page, "POST", "/api/v1/sources", {
        "slug": "hostile", "type": "openapi", "name": hostile, "specUrl": dash.httpbin_url + "/status/404"})
    assert status == 201
    page.goto("/sources")
    expect(row(page, "hostile").locator("th")).to_contain_text(hostile)
    page.goto("/catalog?" + urllib.parse.urlencode({"q": hostile}))
    expect(page.get_by_role("searchbox", name="Search")).to_have_value(hostile)
    page.goto("/sources")
    assert page.evaluate("window.__xss") is None
    assert page.locator("img[src=x]").count() == 0
    api(page, "DELETE", "/api/v1/sources/hostile", None)


def test_admin_page(page: Page, dash: Stack) -> None:
    page.goto("/admin")
    expect(page.locator("#users-body")).to_contain_text(EMAIL)
    page.locator("#user-form").get_by_label("Email").fill("second@example.com")
    page.locator("#user-form").get_by_label(re.compile("^Password")).fill("another long password")
    page.locator("#user-form").get_by_role("button", name="Add user").click()
    second = page.locator("#users-body tr", has_text="second@example.com")
    expect(second).to_be_visible()
    second.get_by_role("button", name="Disable").click()
    expect(page.locator("#users-body tr", has_text="second@example.com")).to_contain_text("disabled")
    page.get_by_label("Email or @domain").fill("@example.org")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#allow-body")).to_contain_text("@example.org")
    shot(page, "admin-desktop")
    page.goto("/")
    shot(page, "overview-desktop")


def test_non_admin_cannot_open_admin(browser: Browser, dash: Stack) -> None:
    ctx = browser.new_context(viewport=DESKTOP, base_url=dash.base_url)
    p = ctx.new_page()
    api_page = p
    # second@example.com was disabled above; add a third user (on the allowlist, which is no longer empty).
    p.goto("/login")
    p.get_by_label("Email").fill(EMAIL)
    p.get_by_label("Password").fill(PASSWORD)
    p.get_by_role("button", name="Sign in").click()
    status, _ = api(api_page, "POST", "/api/v1/admin/users", {"email": "third@example.com", "password": "third long password"})
    assert status == 201
    status, _ = api(api_page, "POST", "/api/v1/admin/allowlist", {"email": "third@example.com"})
    assert status == 201
    p.get_by_role("button", name="Sign out").click()
    p.goto("/login")
    p.get_by_label("Email").fill("third@example.com")
    p.get_by_label("Password").fill("third long password")
    p.get_by_role("button", name="Sign in").click()
    expect(p.get_by_role("link", name="Admin")).to_have_count(0)
    resp = p.goto("/admin")
    assert resp is not None and resp.status == 403
    ctx.close()


def test_phone_width_every_page(browser: Browser, context: BrowserContext, dash: Stack) -> None:
    phone = browser.new_context(viewport=PHONE, base_url=dash.base_url, is_mobile=True, has_touch=True,
                                storage_state=context.storage_state())
    p = phone.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    for path, name in [("/", "overview"), ("/sources", "sources"), ("/catalog?q=anything", "catalog"), ("/endpoint", "endpoint"),
                       ("/executions", "executions"), ("/admin", "admin")]:
        p.goto(path)
        p.wait_for_load_state("networkidle")
        overflow = p.evaluate("document.documentElement.scrollWidth") - PHONE["width"]
        shot(p, f"{name}-phone")
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px at phone width"
    # Register and remove a source at phone width too.
    p.goto("/sources")
    p.get_by_role("button", name=re.compile(r"httpbin \(OpenAPI\)")).click()
    form = p.locator("#register-form")
    form.get_by_label("Slug").fill("phone_hb")
    form.get_by_label(re.compile("^Spec URL")).fill(dash.httpbin_url + "/spec.json")
    form.get_by_label(re.compile("^Base URL")).fill(dash.httpbin_url)
    form.get_by_role("button", name=re.compile("Register")).click()
    expect(row(p, "phone_hb").locator('[data-cell="status"]')).to_have_text("ready", timeout=90_000)
    shot(p, "sources-ready-phone")
    row(p, "phone_hb").get_by_role("button", name="Delete").click()
    p.locator("#delete-dialog").get_by_role("button", name="Delete source").click()
    expect(row(p, "phone_hb")).to_have_count(0)
    phone.close()
    assert not errors, errors


def test_keyboard_navigation(page: Page) -> None:
    page.goto("/sources")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    # Every action button of the table is reachable and labelled.
    for b in page.locator("#sources-table button").all():
        assert (b.get_attribute("aria-label") or b.inner_text()).strip()


# --------------------------------------------------------------------------- MCP OAuth (engineer A's routes)

OAUTH_SERVER = str(Path(__file__).parent / "mcp_oauth_server.py")


def start_oauth_upstream(dash: Stack, name: str) -> str:
    port = free_port()
    dash.start_upstream(name, [venv_exe("fastmcp", "python"), OAUTH_SERVER, "--port", str(port)], port)
    return f"http://127.0.0.1:{port}/mcp"


def register_oauth_source(page: Page, slug: str, url: str) -> None:
    page.goto("/sources")
    page.get_by_role("button", name=re.compile("MCP server with OAuth")).click()
    form = page.locator("#register-form")
    expect(form.get_by_label("Authentication")).to_have_value("oauth")
    form.get_by_label("Slug").fill(slug)
    form.get_by_label(re.compile("^Base URL")).fill(url)
    form.get_by_role("button", name=re.compile("Register")).click()
    expect(row(page, slug).locator('[data-cell="status"]')).to_have_text("needs sign in")


def test_mcp_oauth_popup_flow(page: Page, dash: Stack) -> None:
    url = start_oauth_upstream(dash, "oauth-upstream-popup")
    register_oauth_source(page, "oauth_popup", url)
    page.evaluate("window.__noReload = true")
    r = row(page, "oauth_popup")
    with page.expect_popup() as popup_info:
        r.get_by_role("button", name="Connect").click()
    popup = popup_info.value
    # The upstream approves at once; Junction's callback tells the opener and closes itself.
    popup.wait_for_event("close", timeout=60_000)
    expect(r.locator('[data-cell="status"]')).to_have_text("ready", timeout=90_000)
    # The tools listed after sign-in appear in the row without a reload.
    expect(r.locator('[data-cell="entries"]')).not_to_have_text("0", timeout=90_000)
    expect(r.locator('[data-cell="refreshed"] time')).to_be_visible()
    assert page.evaluate("window.__noReload") is True, "the table updated without a reload"
    shot(page, "sources-oauth-connected-desktop")
    status, src = api(page, "GET", "/api/v1/sources/oauth_popup")
    assert src["status"] == "ready" and src["auth"]["type"] == "oauth"


def test_mcp_oauth_messages_from_other_origins_are_ignored(page: Page, dash: Stack) -> None:
    page.goto("/sources")
    # Same message shape, wrong origin: a page on another origin (the upstream) posts to us.
    page.evaluate("""() => { window.__reloads = 0; const f = window.fetch;
        window.fetch = (...a) => { if (String(a[0]).startsWith('/sources/table')) window.__reloads++; return f(...a); }; }""")
    page.evaluate("""() => window.dispatchEvent(new MessageEvent('message', {
        origin: 'http://evil.example', data: {type: 'junction:upstream-oauth', ok: false, source: 'oauth_popup', message: 'forged'}}))""")
    page.wait_for_timeout(500)
    assert page.evaluate("window.__reloads") == 0
    assert "forged" not in page.locator("#toast").inner_text()
    # The same message from Junction's own origin is acted on.
    page.evaluate("""() => window.dispatchEvent(new MessageEvent('message', {
        origin: location.origin, data: {type: 'junction:upstream-oauth', ok: false, source: 'oauth_popup', message: 'from us'}}))""")
    expect(page.locator("#toast")).to_contain_text("from us")
    assert page.evaluate("window.__reloads") == 1


def test_mcp_oauth_blocked_popup_falls_back_to_redirect(page: Page, dash: Stack) -> None:
    url = start_oauth_upstream(dash, "oauth-upstream-redirect")
    register_oauth_source(page, "oauth_redirect", url)
    page.evaluate("window.open = () => null")  # what a popup blocker does
    row(page, "oauth_redirect").get_by_role("button", name="Connect").click()
    # Full redirect to the upstream, which approves and sends the browser back to Junction, then to /sources.
    page.wait_for_url(re.compile(r"/sources$"), timeout=60_000)
    expect(row(page, "oauth_redirect").locator('[data-cell="status"]')).to_have_text("ready", timeout=90_000)
