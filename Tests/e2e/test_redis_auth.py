"""Junction against a password-protected Redis, as an operator runs it.

The module's Redis wants a password (`requirepass`, from a config file) that needs
percent-encoding in REDIS_URL. Every process signs in with it; `execute` runs; a frontend
given the wrong password answers `queue_unavailable` and logs "Redis refused the
password" without the password; `ops/run` with REDIS_URL set runs the stack against it,
shows the URL redacted, and `ops/run token` (reading ops/run's run.env) prints a token that
works. No process's command line carries the password.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from helpers import mcp_client, run_code
from stack import REPO_ROOT, Stack, bin_dir, free_port

pytestmark = pytest.mark.anyio

PASSWORD = f"e2e p@ss/w%rd:{secrets.token_hex(6)}"


@pytest.fixture(scope="module")
def pw_stack() -> Iterator[Stack]:
    stack = Stack(workdir=Path(tempfile.mkdtemp(prefix="junction-redis-auth-")), with_httpbin=False,
                  redis_password=PASSWORD)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


def command_lines() -> list[str]:
    """Every process's command line we can read."""
    out = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                out.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace"))
            except OSError:
                pass
    return out


async def test_execute_runs_through_a_password_protected_redis(pw_stack: Stack) -> None:
    assert "%40" in pw_stack.redis_url and PASSWORD not in pw_stack.redis_url, "the password is percent-encoded"
    async with mcp_client(pw_stack) as client:
        payload = await run_code(client, "execute", "async () => ({ answer: 6 * 7 })")
    assert payload["result"] == {"answer": 42}, payload
    assert pw_stack.redis_cli("ACL", "WHOAMI").strip() == "default"
    for line in command_lines():
        assert PASSWORD not in line, f"a command line carries the Redis password: {line[:200]}"
    for name in ("frontend", "worker", "refresher"):
        assert PASSWORD not in pw_stack.procs[name].log_path.read_text(errors="replace"), f"{name} logged the password"


def test_a_wrong_password_is_refused_clearly_and_never_logged(pw_stack: Stack) -> None:
    wrong = f"wrong-{secrets.token_hex(6)}"
    url = pw_stack.start_frontend("frontend-wrong-pw", {"REDIS_URL": f"redis://:{wrong}@127.0.0.1:{pw_stack.redis_port}"})
    r = httpx.post(f"{url}/api/v1/sources", headers={"Authorization": f"Bearer {pw_stack.token}"}, timeout=30,
                   json={"slug": "nope", "type": "openapi", "name": "nope", "baseUrl": "http://127.0.0.1:9",
                         "specUrl": "http://127.0.0.1:9/spec.json", "auth": {"type": "none"}})
    assert r.status_code == 503 and r.json()["error"]["code"] == "queue_unavailable", r.text
    log = pw_stack.procs["frontend-wrong-pw"].log_path.read_text(errors="replace")
    assert "Redis refused the password" in log, log[-2000:]
    assert wrong not in log and PASSWORD not in log
    pw_stack.procs["frontend-wrong-pw"].stop()


def test_ops_run_and_its_token_command_use_the_password(pw_stack: Stack, tmp_path: Path) -> None:
    data = tmp_path / "data"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUNCTION_") and k not in ("REDIS_URL", "REDISCLI_AUTH")}
    env.update({"JUNCTION_NO_BUILD": "1", "JUNCTION_BIN_DIR": str(bin_dir()), "JUNCTION_DATA_DIR": str(data),
                "JUNCTION_PORT": str(port), "JUNCTION_LOG_LEVEL": "info"})
    log_path = tmp_path / "ops-run.log"
    with open(log_path, "wb") as log:
        # Database 1 of the same server: this stack's own refresher and worker must not take
        # ops/run's jobs (they would look for its source in their own store and drop them).
        run = subprocess.Popen([str(REPO_ROOT / "ops" / "run")], env={**env, "REDIS_URL": pw_stack.redis_url + "/1"},
                               stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while "Junction is running" not in log_path.read_text(errors="replace"):
            assert run.poll() is None, f"ops/run exited ({run.returncode}):\n{log_path.read_text(errors='replace')[-3000:]}"
            assert time.monotonic() < deadline, f"ops/run did not start:\n{log_path.read_text(errors='replace')[-3000:]}"
            time.sleep(0.2)
        time.sleep(0.5)  # the banner is written after the worker and refresher started
        banner = log_path.read_text(errors="replace")
        assert PASSWORD not in banner and pw_stack.redis_url not in banner
        assert f"redis://:***@127.0.0.1:{pw_stack.redis_port}" in banner, banner[-2000:]
        run_env = data / "run.env"
        assert run_env.stat().st_mode & 0o077 == 0, "run.env holds the password: only its owner may read it"

        # No REDIS_URL in this shell: `ops/run token` takes ops/run's.
        token = subprocess.run([str(REPO_ROOT / "ops" / "run"), "token", "--email", "operator@example.com"], env=env,
                               capture_output=True, text=True, timeout=120)
        assert token.returncode == 0, token.stderr[-2000:]
        assert PASSWORD not in token.stdout + token.stderr
        bearer = token.stdout.strip().splitlines()[-1]
        api = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {bearer}"}, timeout=30)
        # Creating a source queues its refresh through Redis: 201 only if the frontend signed in.
        r = api.post("/api/v1/sources", json={"slug": "opsrun", "type": "openapi", "name": "opsrun",
                                              "baseUrl": "http://127.0.0.1:9", "specUrl": "http://127.0.0.1:9/spec.json",
                                              "auth": {"type": "none"}})
        assert r.status_code == 201, r.text
        # The refresher (signed in too) takes the job: the unreachable spec ends in `error`.
        deadline = time.monotonic() + 60
        while api.get("/api/v1/sources/opsrun").json()["status"] != "error":
            assert time.monotonic() < deadline, api.get("/api/v1/sources/opsrun").text
            time.sleep(0.2)
        for line in command_lines():
            assert PASSWORD not in line, f"a command line carries the Redis password: {line[:200]}"
        assert PASSWORD not in log_path.read_text(errors="replace"), "ops/run's output shows the password"
    finally:
        if run.poll() is None:
            os.kill(run.pid, signal.SIGINT)
            try:
                run.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(run.pid, signal.SIGKILL)
                run.wait(timeout=10)
