"""Fuzz the management API with schemathesis (PyPI) from Junction's own /api/openapi.json,
against a running stack of its own: no response may be a 5xx, and no process may crash.
Generated source URLs are pinned to a closed loopback port (fuzz_hooks.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from stack import ACTIVE_STACKS, REPO_ROOT, Stack

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Stack:
    s = Stack(workdir=tmp_path_factory.mktemp("fuzz"), with_httpbin=False)
    s.start()
    yield s
    s.stop()


def test_openapi_document_is_valid_and_covers_the_management_api(fuzz_stack: Stack) -> None:
    r = httpx.get(fuzz_stack.base_url + "/api/openapi.json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    doc = r.json()
    assert doc["openapi"].startswith("3.1")
    paths = set(doc["paths"])
    for p in ["/api/v1/me", "/api/v1/sources", "/api/v1/sources/{slug}", "/api/v1/sources/{slug}/refresh",
              "/api/v1/sources/{slug}/oauth/start", "/api/v1/executions", "/api/v1/catalog", "/api/v1/tokens",
              "/api/v1/tokens/{id}", "/api/v1/admin/users", "/api/v1/admin/users/{id}", "/api/v1/admin/allowlist",
              "/api/v1/admin/allowlist/{id}"]:
        assert p in paths, p
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "patch" in doc["paths"]["/api/v1/sources/{slug}"]
    # Every operation documents what happens without credentials.
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "patch", "delete"):
                assert "401" in op["responses"], f"{method} {path}"


def test_schemathesis_finds_no_server_error(fuzz_stack: Stack, tmp_path: Path) -> None:
    api = fuzz_stack.api()
    # Some state for the fuzzer to hit: a source and a token.
    assert api.post("/api/v1/sources", json={"slug": "fuzzed", "type": "mcp", "baseUrl": "http://127.0.0.1:9/mcp"}).status_code == 201
    assert api.post("/api/v1/tokens", json={"name": "fuzz"}).status_code == 201
    st = Path(sys.executable).parent / "st"
    env = dict(os.environ, SCHEMATHESIS_HOOKS="fuzz_hooks", PYTHONPATH=str(HERE))
    report = tmp_path / "report.xml"
    cmd = [str(st), "run", fuzz_stack.base_url + "/api/openapi.json", "--url", fuzz_stack.base_url,
           "-H", f"Authorization: Bearer {fuzz_stack.token}",
           "--checks", "not_a_server_error", "--max-examples", os.environ.get("JUNCTION_FUZZ_EXAMPLES", "25"),
           "--phases", "examples,coverage,fuzzing", "--request-timeout", "30", "--seed", "7",
           "--no-color", "--report", "junit", "--report-junit-path", str(report)]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900, cwd=HERE)
    out = r.stdout + r.stderr
    print(out[-6000:])
    assert r.returncode == 0, f"schemathesis found failures (exit {r.returncode}):\n{out[-12000:]}"
    assert "No issues found" in out or "passed" in out, out[-3000:]
    assert not fuzz_stack.check_alive(), f"processes died during fuzzing: {fuzz_stack.check_alive()}\n{fuzz_stack.tails()}"
    # The process still serves everyone afterwards.
    assert httpx.get(fuzz_stack.base_url + "/healthz").status_code == 200
    # (The fuzzer may legitimately revoke its own token through DELETE /api/v1/tokens/{id}; use a new one.)
    with fuzz_stack.api(fuzz_stack.admin_token()) as fresh:
        assert fresh.get("/api/v1/sources").status_code == 200
    # It really exercised the operations (one JUnit test case per operation).
    cases = report.read_text().count("<testcase")
    assert cases >= 15, f"schemathesis ran only {cases} operations"
