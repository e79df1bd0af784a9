"""Stdio MCP servers end to end: the operator declares real PyPI servers (mcp-server-time,
mcp-server-sqlite on `{data}/notes.db`) in JUNCTION_STDIO_SERVERS; users register them as
`type: stdio` sources through the API, the refresher lists their tools and `execute` calls
them, each user in an instance of their own. Bad declarations and servers get clear errors.
"""

import json

import httpx
import pytest

from helpers import mcp_client, wait_source
from stack import Stack, venv_exe

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def sstack(tmp_path_factory: pytest.TempPathFactory):
    workdir = tmp_path_factory.mktemp("junction-stdio")
    servers = {"servers": [
        {"name": "time", "command": venv_exe("mcp1", "mcp-server-time")},
        {"name": "sqlite", "command": venv_exe("mcp1", "mcp-server-sqlite"), "args": ["--db-path", "{data}/notes.db"]},
        {"name": "needs-key", "command": venv_exe("mcp1", "mcp-server-time"), "secrets": ["API_KEY"]},
        {"name": "broken", "command": "/bin/sh", "args": ["-c", "echo 'cannot open {data}/config.toml' >&2; exit 2"]},
    ]}
    (workdir / "stdio-servers.json").write_text(json.dumps(servers))
    with Stack(workdir=workdir, with_httpbin=False, execute_timeout_ms=30000,
               extra_env={"JUNCTION_STDIO_SERVERS": str(workdir / "stdio-servers.json"),
                          "JUNCTION_STDIO_START_TIMEOUT_MS": "20000"}) as s:
        yield s


async def execute(stack: Stack, code: str, token: str) -> tuple[bool, dict]:
    async with mcp_client(stack, token) as client:
        result = await client.call_tool("execute", {"code": code})
        payload = result.structured_content or json.loads(result.content[0].text)
        return (not result.is_error), payload


def register(api: httpx.Client, body: dict) -> httpx.Response:
    return api.post("/api/v1/sources", json={"type": "stdio", **body})


async def test_two_users_each_write_through_their_own_sqlite_instance(sstack: Stack) -> None:
    tokens = {who: sstack.admin_token(f"{who}@example.com") for who in ("alice", "bob")}
    for who, token in tokens.items():
        with sstack.api(token) as api:
            r = register(api, {"slug": "notes", "name": "Notes", "server": "sqlite"})
            assert r.status_code == 201, r.text
            assert r.json()["server"] == "sqlite" and r.json()["baseUrl"] is None
            src = wait_source(api, "notes", timeout=90)
            assert src["status"] == "ready", src
            assert src["entryCount"] >= 5, src
        ok, payload = await execute(sstack, f"""async () => {{
            await codemode.notes_create_table({{query: "CREATE TABLE t (who TEXT)"}});
            await codemode.notes_write_query({{query: "INSERT INTO t VALUES ('{who}')"}});
            return await codemode.notes_read_query({{query: "SELECT who FROM t"}});
        }}""", token)
        assert ok, payload
        assert json.dumps(payload["result"]).count(who) == 1, payload
    # Each sees only their own row.
    for who, token in tokens.items():
        ok, payload = await execute(sstack, 'async () => await codemode.notes_read_query({query: "SELECT who FROM t"})', token)
        assert ok, payload
        text = json.dumps(payload["result"])
        other = "bob" if who == "alice" else "alice"
        assert who in text and other not in text, payload


async def test_time_server_answers_from_execute(sstack: Stack) -> None:
    token = sstack.admin_token("carol@example.com")
    with sstack.api(token) as api:
        assert register(api, {"slug": "clock", "server": "time"}).status_code == 201
        assert wait_source(api, "clock")["status"] == "ready"
    ok, payload = await execute(sstack, 'async () => await codemode.clock_get_current_time({timezone: "UTC"})', token)
    assert ok, payload
    assert "UTC" in json.dumps(payload["result"]), payload


def test_bad_input_gets_clear_errors(sstack: Stack) -> None:
    token = sstack.admin_token("dave@example.com")
    with sstack.api(token) as api:
        r = register(api, {"slug": "nope", "server": "not-declared"})
        assert r.status_code == 400 and r.json()["error"]["code"] == "stdio_server_unknown", r.text
        assert "declared: time, sqlite, needs-key, broken" in r.json()["error"]["message"]
        r = register(api, {"slug": "keyless", "server": "needs-key"})
        assert r.status_code == 400 and r.json()["error"]["code"] == "stdio_secret_missing", r.text
        r = register(api, {"slug": "extra", "server": "time", "secrets": {"OTHER": "x"}})
        assert r.status_code == 400 and r.json()["error"]["code"] == "stdio_secret_unknown", r.text
        r = register(api, {"slug": "urls", "server": "time", "baseUrl": "https://example.com/mcp"})
        assert r.status_code == 400, r.text
        # A secret is accepted, stored sealed and never shown.
        r = register(api, {"slug": "keyed", "server": "needs-key", "secrets": {"API_KEY": "k-very-secret"}})
        assert r.status_code == 201, r.text
        assert "k-very-secret" not in r.text and r.json()["auth"]["hasSecret"] is True
        assert wait_source(api, "keyed")["status"] == "ready"
        assert "k-very-secret" not in api.get("/api/v1/sources").text
        # Secrets are rotated by PATCH (all of them); undeclared ones are refused there too.
        r = api.patch("/api/v1/sources/keyed", json={"secrets": {"OTHER": "x"}})
        assert r.status_code == 400 and r.json()["error"]["code"] == "stdio_secret_unknown", r.text
        r = api.patch("/api/v1/sources/keyed", json={"secrets": {"API_KEY": "k-rotated"}, "name": "Keyed"})
        assert r.status_code == 200 and "k-rotated" not in r.text and r.json()["name"] == "Keyed", r.text
        assert wait_source(api, "keyed")["status"] == "ready"
        r = api.patch("/api/v1/sources/keyed", json={"baseUrl": "https://example.com/mcp"})
        assert r.status_code == 400, r.text
        # A server that exits at start-up: its stderr tail in lastError.
        assert register(api, {"slug": "broken", "server": "broken"}).status_code == 201
        src = wait_source(api, "broken")
        assert src["status"] == "error", src
        assert "exited with status 2 at start-up" in src["lastError"], src
        assert "cannot open /data/config.toml" in src["lastError"], src
