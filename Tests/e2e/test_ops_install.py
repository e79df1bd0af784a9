"""What `ops/run` and `ops/test` install: running needs only the build's Debian packages,
redis-server, bubblewrap and deno; everything only the tests use (PostgreSQL, chromium, wrk, glewlwyd,
openssl, systemd, sqlite3, the test Python environments) is installed by `ops/test` alone.

Each script runs on a copy of `ops/` in a temporary folder (so its `.venv*` are new, and
nothing here touches the repository's), with shims first on PATH: `dpkg-query` says every
package is missing, `apt-get` and `pip` record what they were asked for and install nothing,
and `python -m venv` makes a stand-in environment whose `deno` answers `--version`.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from stack import REPO_ROOT

RUN_PACKAGES = {"libhiredis-dev", "libsqlite3-dev", "libssl-dev", "libcurl4-openssl-dev", "redis-server",
                "bubblewrap"}  # bubblewrap: stdio MCP servers run in it
TEST_ONLY_PACKAGES = {"postgresql", "chromium", "wrk", "glewlwyd", "openssl", "systemd", "sqlite3"}
TEST_VENVS = {".venv-httpbin", ".venv-mcp1", ".venv-fastmcp", ".venv-oidc"}
TEST_ONLY_PYTHON = {"pytest", "playwright", "schemathesis", "mcp", "httpx", "hypothesis"}

SHIMS = {
    "dpkg-query": "#!/bin/sh\nexit 1\n",
    "apt-get": '#!/bin/sh\necho "apt-get $*" >>"$SHIM_LOG"\n',
    "sudo": '#!/bin/sh\nexec "$@"\n',
    "swift": "#!/bin/sh\necho 'Swift version 6.3 (shim)'\n",
    # python3: `-m venv DIR` makes a stand-in venv (this shim as its python, a fake deno);
    # `-m pip install … -r FILE` records FILE and its pins; anything else is the real python.
    "python3": r"""#!/usr/bin/env bash
if [[ $1 == -m && $2 == venv ]]; then
    mkdir -p "$3/bin"
    cp "$0" "$3/bin/python"
    printf '#!/bin/sh\necho "deno 0.0.0 (shim)"\n' >"$3/bin/deno"
    chmod +x "$3/bin/python" "$3/bin/deno"
    echo "venv $3" >>"$SHIM_LOG"
    exit 0
fi
if [[ $1 == -m && $2 == pip ]]; then
    shift 2
    while (($#)); do
        if [[ $1 == -r ]]; then
            echo "pip-requirements $2" >>"$SHIM_LOG"
            grep -v '^#' "$2" | sed -n 's/^\([A-Za-z0-9_.-]*\)==.*/pip-package \1/p' >>"$SHIM_LOG"
            shift
        fi
        shift
    done
    exit 0
fi
exec "$REAL_PYTHON" "$@"
""",
}


def run_install(tmp_path: Path, script: str) -> dict[str, set[str]]:
    """Run `ops/<script> install` on a copy of ops/ with the shims; what it asked for."""
    root = tmp_path / "repo"
    ops = root / "ops"
    ops.mkdir(parents=True)
    for name in ("run", "test"):
        shutil.copy2(REPO_ROOT / "ops" / name, ops / name)
    shutil.copytree(REPO_ROOT / "ops" / "lib", ops / "lib")
    for req in (REPO_ROOT / "ops").glob("requirements*.txt"):
        shutil.copy2(req, ops / req.name)
    shims = tmp_path / "shims"
    shims.mkdir()
    for name, text in SHIMS.items():
        (shims / name).write_text(text)
        (shims / name).chmod(0o755)
    log = tmp_path / "shim.log"
    log.touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUNCTION_")}
    env.update({"PATH": f"{shims}:{env.get('PATH', '/usr/bin:/bin')}", "SHIM_LOG": str(log),
                "REAL_PYTHON": shutil.which("python3") or "/usr/bin/python3", "PYTHON": str(shims / "python3"),
                "NO_COLOR": "1"})
    r = subprocess.run([str(ops / script), "install"], env=env, cwd=root, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"ops/{script} install failed:\n{r.stdout}\n{r.stderr}"
    asked: dict[str, set[str]] = {"apt": set(), "requirements": set(), "python": set(), "venvs": set()}
    for line in log.read_text().splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "apt-get" and rest.split()[0] == "install":
            asked["apt"].update(w for w in rest.split()[1:] if not w.startswith("-"))
        elif kind == "pip-requirements":
            asked["requirements"].add(Path(rest).name)
        elif kind == "pip-package":
            asked["python"].add(rest.lower())
        elif kind == "venv":
            asked["venvs"].add(Path(rest).name)
    return asked


def test_ops_run_installs_only_what_running_needs(tmp_path: Path) -> None:
    asked = run_install(tmp_path, "run")
    assert asked["apt"] == RUN_PACKAGES, asked["apt"]
    assert not asked["apt"] & TEST_ONLY_PACKAGES
    assert asked["requirements"] == {"requirements-run.txt"}
    assert asked["python"] == {"deno"}, "deno (from PyPI) is the one Python package running needs"
    assert asked["venvs"] == {".venv"}, "no test environment is created"
    assert not asked["python"] & TEST_ONLY_PYTHON


def test_ops_test_installs_everything_the_tests_need(tmp_path: Path) -> None:
    asked = run_install(tmp_path, "test")
    assert asked["apt"] == RUN_PACKAGES | TEST_ONLY_PACKAGES, asked["apt"]
    reqs = {p.name for p in (REPO_ROOT / "ops").glob("requirements*.txt")}
    assert asked["requirements"] == reqs, "every requirements file is installed"
    assert asked["venvs"] == {".venv"} | TEST_VENVS
    assert {"deno", "pytest", "playwright", "schemathesis", "mcp"} <= asked["python"]


def test_the_readme_two_commands_section_names_what_each_installs() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    run_part, _, test_part = section.partition("`ops/test` also installs")
    assert test_part, "README's Two commands section says what ops/test adds"

    def mentions(text: str, name: str) -> bool:
        return re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w-])", text) is not None

    for package in RUN_PACKAGES:
        assert mentions(run_part, package), f"{package} (ops/run) in README"
    for package in TEST_ONLY_PACKAGES | TEST_VENVS:
        assert mentions(test_part, package), f"{package} (ops/test only) in README"
        assert not mentions(run_part, package), f"README says ops/run installs {package}"
