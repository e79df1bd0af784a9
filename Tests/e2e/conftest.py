"""Fixtures for the end-to-end tests.

One stack per test session (redis-server, httpbin under gunicorn, and the three
Junction binaries, each on a free loopback port with a temporary data dir and a
fresh master key). Every test registers its own sources under its own slugs.
When a test fails, the tail of every process log is attached to its report.
"""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import stack as stack_mod  # noqa: E402
from stack import Stack  # noqa: E402


# --------------------------------------------------------------------------- #
# fixtures
# --------------------------------------------------------------------------- #

@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Stack:
    workdir = tmp_path_factory.mktemp("junction")
    s = Stack(workdir=workdir, execute_timeout_ms=5000)
    s.start()
    print(f"\njunction stack: {s.base_url} (logs in {s.log_dir})")
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def api(stack: Stack) -> httpx.Client:
    with stack.api() as client:
        yield client


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed and stack_mod.ACTIVE_STACKS:
        for s in stack_mod.ACTIVE_STACKS:
            rep.sections.append(("junction stack process logs (tails)", s.tails(40)))
