"""The systemd units in ops/deploy/: `systemd-analyze verify` accepts them without a single
warning, `systemd-analyze security --offline` rates each well hardened, and each carries the
hardening, paths and settings ops/docs/DEPLOYMENT.md promises.

verify runs here on copies whose `/opt/junction/bin/` is the build folder (verify checks that
each ExecStart program exists and is executable); nothing is started: these machines run no
systemd as PID 1.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from stack import REPO_ROOT, bin_dir

DEPLOY = REPO_ROOT / "ops" / "deploy"
SERVICES = {
    "junction-frontend.service": "junction-frontend",
    "junction-worker@.service": "junction-worker",
    "junction-refresher.service": "junction-refresher",
}
# Every unit: no privileges, a read-only system, only the data folder writable.
HARDENING = {
    "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
    "PrivateDevices": "yes", "PrivateMounts": "yes", "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes", "ProtectControlGroups": "yes", "ProtectClock": "yes", "ProtectHostname": "yes",
    "ProtectProc": "invisible", "RestrictSUIDSGID": "yes", "RestrictRealtime": "yes", "LockPersonality": "yes",
    "RemoveIPC": "yes", "SystemCallArchitectures": "native", "CapabilityBoundingSet": "", "AmbientCapabilities": "",
    "UMask": "0077", "User": "junction", "Group": "junction", "StateDirectory": "junction",
    "ReadWritePaths": "/var/lib/junction", "EnvironmentFile": "/etc/junction/junction.env",
    "LoadCredential": "master.key:/etc/junction/master.key", "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
}
MAX_EXPOSURE = 2.0


def systemd_analyze() -> str:
    exe = shutil.which("systemd-analyze")
    if not exe:
        raise FileNotFoundError("systemd-analyze not found: run ops/test (apt package systemd)")
    return exe


def parse(path: Path) -> dict[str, list[str]]:
    """Every `Key=value` of a unit file, by key, in order (sections flattened)."""
    keys: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if line.startswith(("#", ";", "[")) or "=" not in line:
            continue
        key, _, value = line.partition("=")
        keys.setdefault(key.strip(), []).append(value.strip())
    return keys


def documented_variables() -> set[str]:
    text = (REPO_ROOT / "ops" / "docs" / "CONFIGURATION.md").read_text()
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", text, re.M))


def installed_copies(tmp_path: Path, edit=None) -> Path:
    """The units with /opt/junction/bin/ pointing at the build (optionally edited)."""
    folder = tmp_path / "units"
    folder.mkdir()
    for unit in DEPLOY.iterdir():
        if unit.suffix in (".service", ".target"):
            text = unit.read_text().replace("/opt/junction/bin/", f"{bin_dir()}/")
            (folder / unit.name).write_text(edit(unit.name, text) if edit else text)
    return folder


def verify(folder: Path) -> subprocess.CompletedProcess[str]:
    names = ["junction-frontend.service", "junction-worker@1.service", "junction-worker@2.service",
             "junction-refresher.service", "junction.target"]
    return subprocess.run([systemd_analyze(), "verify", *[f"./{n}" for n in names]], cwd=folder,
                          capture_output=True, text=True, timeout=120)


def test_systemd_analyze_verify_accepts_every_unit_without_a_warning(tmp_path: Path) -> None:
    for exe in SERVICES.values():
        assert (bin_dir() / exe).exists(), f"{bin_dir() / exe} not built"
    r = verify(installed_copies(tmp_path))
    assert r.returncode == 0 and r.stderr.strip() == "" and r.stdout.strip() == "", r.stdout + r.stderr


def test_verify_as_run_here_does_catch_a_misspelt_setting(tmp_path: Path) -> None:
    folder = installed_copies(tmp_path, lambda name, text: text.replace("ProtectSystem=strict", "ProtectSytem=strict"))
    r = verify(folder)
    assert "Unknown key" in r.stderr and "ProtectSytem" in r.stderr, r.stderr


@pytest.mark.parametrize("unit", ["junction-frontend.service", "junction-worker@1.service", "junction-refresher.service"])
def test_each_service_is_rated_well_hardened(tmp_path: Path, unit: str) -> None:
    folder = installed_copies(tmp_path)
    r = subprocess.run([systemd_analyze(), "security", "--offline=true", "--no-pager", f"./{unit}"], cwd=folder,
                       capture_output=True, text=True, timeout=120)
    m = re.search(r"Overall exposure level for \S+: (\d+(?:\.\d+)?)", r.stdout + r.stderr)
    assert m, r.stdout + r.stderr
    assert float(m.group(1)) <= MAX_EXPOSURE, f"{unit}: exposure {m.group(1)}\n{r.stdout}"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_service_has_the_documented_hardening_paths_and_settings(name: str) -> None:
    keys = parse(DEPLOY / name)
    for key, value in HARDENING.items():
        assert keys.get(key) == [value], f"{name}: {key}={value} (found {keys.get(key)})"
    assert keys["ExecStart"][0].split()[0] == f"/opt/junction/bin/{SERVICES[name]}"
    filters = [v.split() for v in keys["SystemCallFilter"]]
    assert "@system-service" in filters[0] and filters[1] == ["~@privileged"], filters
    # The master key comes as a credential, never from the environment file.
    environment = dict(v.split("=", 1) for v in keys["Environment"])
    assert environment["JUNCTION_MASTER_KEY_FILE"] == "%d/master.key"
    assert environment["JUNCTION_DATA_DIR"] == "/var/lib/junction"
    assert set(environment) <= documented_variables(), "the units set only documented settings"
    # SIGTERM drains for JUNCTION_DRAIN_SECONDS (30 by default): stop must allow it.
    assert int(keys["TimeoutStopSec"][0]) > 30 and keys["KillMode"] == ["mixed"]
    assert keys["Restart"] == ["on-failure"]
    assert keys["WantedBy"] == ["junction.target"] and keys["PartOf"] == ["junction.target"]


def test_only_the_worker_may_map_writable_code_for_v8() -> None:
    # Deno's V8 compiles JavaScript to machine code at run time; the Swift binaries never do.
    assert "MemoryDenyWriteExecute" not in parse(DEPLOY / "junction-worker@.service")
    for name in ("junction-frontend.service", "junction-refresher.service"):
        assert parse(DEPLOY / name)["MemoryDenyWriteExecute"] == ["yes"], name
    assert parse(DEPLOY / "junction-frontend.service")["ExecStart"] == ["/opt/junction/bin/junction-frontend serve"]


def example_settings() -> dict[str, str]:
    """ops/deploy/junction.env.example as systemd reads it, with every commented-out default
    set too (so each value shown there is one the binaries accept)."""
    settings: dict[str, str] = {}
    for line in (DEPLOY / "junction.env.example").read_text().splitlines():
        m = re.match(r"^#?([A-Z][A-Z0-9_]*)=(.*)$", line)
        if m and m.group(2):
            value = m.group(2)
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            settings[m.group(1)] = value
    return settings


def test_every_binary_starts_with_the_example_settings_and_the_units_environment(tmp_path: Path) -> None:
    from stack import Stack, deno_path, free_port

    stack = Stack(workdir=tmp_path / "stack", with_httpbin=False)
    try:
        stack.start_redis()
        key = tmp_path / "credentials" / "master.key"
        key.parent.mkdir()
        key.write_text(stack.master_key + "\n")
        key.chmod(0o600)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("JUNCTION_") and k != "REDIS_URL"}
        # What the units set (Environment=), then the file (EnvironmentFile= wins), then what
        # differs on this machine: Redis, deno, the port, and the folders the units own.
        unit_environment = dict(v.split("=", 1) for v in parse(DEPLOY / "junction-frontend.service")["Environment"])
        env.update(unit_environment)
        env.update(example_settings())
        env.update({"REDIS_URL": stack.redis_url, "JUNCTION_DENO": deno_path(), "JUNCTION_PORT": str(port),
                    "JUNCTION_DATA_DIR": str(tmp_path / "var-lib-junction"),
                    "JUNCTION_MASTER_KEY_FILE": unit_environment["JUNCTION_MASTER_KEY_FILE"].replace("%d", str(key.parent))})
        assert "JUNCTION_MASTER_KEY" not in env, "the key comes from the credential file only"
        front = stack._spawn("frontend", [str(bin_dir() / "junction-frontend"), "serve"], env)
        stack._wait_http(front, f"http://127.0.0.1:{port}/healthz", 60)
        meta = httpx.get(f"http://127.0.0.1:{port}/.well-known/oauth-protected-resource", timeout=30).json()
        assert meta["resource"] == env["JUNCTION_PUBLIC_URL"] + "/mcp", meta
        workers = [stack._spawn(name, [str(bin_dir() / name)], env) for name in ("junction-worker", "junction-refresher")]
        time.sleep(1.5)
        for proc in [front, *workers]:
            assert proc.alive(), f"{proc.name} exited with the example settings:\n{proc.tail(30)}"
        assert (tmp_path / "var-lib-junction" / "junction.sqlite").exists()
    finally:
        stack.stop()


def test_junction_admin_runs_as_the_service_user_so_the_store_stays_theirs() -> None:
    """As root, junction-admin runs the command as JUNCTION_ADMIN_USER (here `nobody`, standing
    in for `junction`): the SQLite store it creates belongs to that user, not to root. As
    anyone else it cannot switch users and says so."""
    import getpass
    import pwd
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="junction-admin-user-"))
    try:
        work.chmod(0o711)
        (work / "bin").mkdir(mode=0o755)
        shutil.copy2(DEPLOY / "junction-admin", work / "bin" / "junction-admin")
        (work / "bin" / "junction-frontend").symlink_to(bin_dir() / "junction-frontend")
        data = work / "data"
        data.mkdir(mode=0o750)
        key = work / "master.key"
        key.write_text("BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU=\n")
        key.chmod(0o600)
        env_file = work / "junction.env"
        env_file.write_text(f"JUNCTION_DATA_DIR={data}\nREDIS_URL=redis://127.0.0.1:1\n")
        env_file.chmod(0o640)
        env = {k: v for k, v in os.environ.items() if not k.startswith("JUNCTION_")}
        env.update({"JUNCTION_ADMIN_ENV_FILE": str(env_file), "JUNCTION_ADMIN_KEY_FILE": str(key), "JUNCTION_ADMIN_USER": "nobody"})
        nobody = pwd.getpwnam("nobody")
        if os.geteuid() == 0:
            os.chown(data, nobody.pw_uid, nobody.pw_gid)
        r = subprocess.run([str(work / "bin" / "junction-admin"), "user", "--email", "svc@deploy.example", "--password-stdin"],
                           input="a service-owned password\n", env=env, cwd=work, capture_output=True, text=True, timeout=120)
        if os.geteuid() != 0:
            assert r.returncode != 0 and "runuser" in r.stderr, (getpass.getuser(), r.stdout, r.stderr)
            return
        assert r.returncode == 0, r.stdout + r.stderr
        assert r.stdout.strip() == "svc@deploy.example: created as an administrator with a password"
        store = data / "junction.sqlite"
        assert store.stat().st_uid == nobody.pw_uid, "the store belongs to the service user, never to root"
        assert all(p.stat().st_uid == nobody.pw_uid for p in data.iterdir()), list(data.iterdir())
    finally:
        shutil.rmtree(work, ignore_errors=True)
