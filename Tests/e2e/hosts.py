"""Separate "hosts" on one machine: network namespaces joined by a bridge.

Each host is a network namespace with its own address on a private /24 and its own
empty working folder; the test process stays in the root namespace and reaches every
host through the bridge. A host can reach the others only through that network (its
loopback is its own), so a process that works here shares nothing with its peers but
what it reaches over the network: PostgreSQL and Redis.

Every address is one this module made itself and removes in `close()`; nothing leaves
the machine.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stack import Proc, _set_pdeathsig

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _ip(*args: str) -> None:
    r = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)} failed: {r.stderr.strip()}")


@dataclass
class Host:
    name: str
    namespace: str
    address: str
    folder: Path
    procs: dict[str, Proc] = field(default_factory=dict)

    @classmethod
    def local(cls, name: str, folder: Path) -> "Host":
        """This machine's own namespace, on loopback (for benchmarks)."""
        folder.mkdir(parents=True, exist_ok=True)
        return cls(name, "", "127.0.0.1", folder)

    def _prefix(self, user: str | None) -> list[str]:
        prefix = ["ip", "netns", "exec", self.namespace] if self.namespace else []
        return prefix + (["runuser", "-u", user, "--"] if user else [])

    def spawn(self, name: str, argv: list[str], env: dict[str, str], user: str | None = None,
              cwd: Path | None = None) -> Proc:
        """Start `argv` inside this host's namespace, in its folder (or `cwd`), logging to its folder."""
        log_path = self.folder / f"{name}.log"
        log = open(log_path, "ab", buffering=0)
        prefix = self._prefix(user)
        try:
            popen = subprocess.Popen(prefix + argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                     env=env, cwd=cwd or self.folder, start_new_session=True, preexec_fn=_set_pdeathsig)
        finally:
            log.close()
        proc = Proc(f"{self.name}/{name}", popen, log_path)
        self.procs[name] = proc
        return proc

    def run(self, argv: list[str], env: dict[str, str] | None = None, user: str | None = None,
            timeout: float = 60, cwd: Path | None = None) -> subprocess.CompletedProcess:
        prefix = self._prefix(user)
        return subprocess.run(prefix + argv, env=env, cwd=cwd or self.folder, capture_output=True, text=True, timeout=timeout)

    def wait_port(self, port: int, proc: Proc, timeout: float = 30) -> None:
        """Wait until this host accepts TCP connections on `port` (checked from the root namespace)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not proc.alive():
                raise RuntimeError(f"{proc.name} exited (code {proc.popen.returncode})\n{proc.tail(60)}")
            try:
                socket.create_connection((self.address, port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{proc.name} did not listen on {self.address}:{port} within {timeout} s\n{proc.tail(60)}")


class Network:
    """A bridge in the root namespace (address .1) and hosts on it (.11, .12, …)."""

    def __init__(self, root: Path) -> None:
        self.tag = secrets.token_hex(3)
        self.subnet = f"10.{200 + secrets.randbelow(50)}.{secrets.randbelow(250) + 1}"
        self.bridge = f"jxbr{self.tag}"
        self.root = root
        self.hosts: list[Host] = []
        _ip("link", "add", self.bridge, "type", "bridge")
        _ip("addr", "add", f"{self.subnet}.1/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")

    def add_host(self, name: str) -> Host:
        index = len(self.hosts) + 11
        ns = f"jx{self.tag}{name}"
        outside, inside = f"jxv{self.tag}{index}", "eth0"
        _ip("netns", "add", ns)
        _ip("link", "add", outside, "type", "veth", "peer", "name", f"jxp{self.tag}{index}")
        _ip("link", "set", f"jxp{self.tag}{index}", "netns", ns)
        _ip("-n", ns, "link", "set", f"jxp{self.tag}{index}", "name", inside)
        _ip("link", "set", outside, "master", self.bridge)
        _ip("link", "set", outside, "up")
        address = f"{self.subnet}.{index}"
        _ip("-n", ns, "addr", "add", f"{address}/24", "dev", inside)
        _ip("-n", ns, "link", "set", inside, "up")
        _ip("-n", ns, "link", "set", "lo", "up")
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o755)
        host = Host(name, ns, address, folder)
        self.hosts.append(host)
        return host

    def close(self) -> None:
        for host in self.hosts:
            for proc in host.procs.values():
                proc.stop(timeout=10)
        for host in self.hosts:
            subprocess.run(["ip", "netns", "del", host.namespace], capture_output=True)
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)

    def tails(self, lines: int = 30) -> str:
        out = []
        for host in self.hosts:
            for proc in host.procs.values():
                state = "running" if proc.alive() else f"exited with {proc.popen.returncode}"
                out.append(f"--- {proc.name} ({state}) ---\n{proc.tail(lines)}")
        return "\n".join(out)


def can_make_namespaces() -> str | None:
    """Why network namespaces cannot be made here, or None when they can."""
    if os.geteuid() != 0:
        return "network namespaces need root (CI and ops/test run as root)"
    if shutil.which("ip") is None:
        return "the ip command (iproute2) is missing"
    return None


class Postgres:
    """A private PostgreSQL 15 server in `host`, listening on its address with password auth.

    Its files live in a folder of their own under the system temporary folder: the
    server runs as the `postgres` user, which cannot enter pytest's private folders."""

    def __init__(self, host: Host, password: str, port: int = 5432) -> None:
        self.host = host
        self.password = password
        self.port = port
        self.base = Path(tempfile.mkdtemp(prefix="junction-pg-"))
        self.data = self.base / "data"

    @property
    def url(self) -> str:
        return f"postgres://junction:{self.password}@{self.host.address}:{self.port}/junction"

    def start(self) -> None:
        self.base.chmod(0o700)
        shutil.chown(self.base, "postgres")
        pwfile = self.base / "pw"
        pwfile.write_text(self.password + "\n")
        shutil.chown(pwfile, "postgres")
        pwfile.chmod(0o600)
        env = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8"}
        r = self.host.run([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "junction", "--pwfile", str(pwfile),
                           "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8"],
                          env=env, user="postgres", timeout=120, cwd=self.base)
        if r.returncode != 0:
            raise RuntimeError(f"initdb failed: {r.stdout}\n{r.stderr}")
        with open(self.data / "pg_hba.conf", "a") as hba:
            network = "127.0.0.1/32" if self.host.address == "127.0.0.1" else self.host.address.rsplit(".", 1)[0] + ".0/24"
            hba.write(f"host all all {network} scram-sha-256\n")
        proc = self.host.spawn("postgres", [str(PG_BIN / "postgres"), "-D", str(self.data), "-p", str(self.port),
                                            "-c", f"listen_addresses={self.host.address}",
                                            "-c", f"unix_socket_directories={self.base}",
                                            "-c", "max_connections=200"], env, user="postgres", cwd=self.base)
        self.host.wait_port(self.port, proc, timeout=60)
        r = self.host.run(["psql", "-h", str(self.base), "-p", str(self.port), "-U", "junction", "-d", "postgres",
                           "-c", "CREATE DATABASE junction"], env=env, user="postgres", cwd=self.base)
        if r.returncode != 0:
            raise RuntimeError(f"CREATE DATABASE failed: {r.stdout}\n{r.stderr}")

    def remove(self) -> None:
        """Delete its files (after the server stopped)."""
        shutil.rmtree(self.base, ignore_errors=True)


class Redis:
    """A password-protected redis-server in `host`, listening on its address."""

    def __init__(self, host: Host, password: str, redis_server: str) -> None:
        self.host = host
        self.password = password
        self.redis_server = redis_server
        self.port = 6379
        self.proc: Proc | None = None

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@{self.host.address}:{self.port}/0"

    def start(self) -> float:
        """Start (or restart) the server; returns when it accepts commands (monotonic time)."""
        conf = self.host.folder / "redis.conf"
        conf.write_text(f"requirepass {self.password}\n")
        conf.chmod(0o600)
        self.proc = self.host.spawn("redis", [self.redis_server, str(conf), "--bind", self.host.address,
                                              "--port", str(self.port), "--save", "", "--appendonly", "no",
                                              "--dir", str(self.host.folder)], {"PATH": os.environ.get("PATH", "")})
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.host.address, self.port), timeout=0.5) as s:
                    s.sendall(f"AUTH {self.password}\r\nPING\r\n".encode())
                    data = b""
                    while b"PONG" not in data:
                        chunk = s.recv(100)
                        if not chunk:
                            break
                        data += chunk
                    if b"PONG" in data:
                        return time.monotonic()
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError(f"redis did not start\n{self.proc.tail(40)}")

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.popen.wait(timeout=10)


def environment(**values: Any) -> dict[str, str]:
    """A process environment: PATH and locale from ours, Junction's keys from `values`."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "HOME")}
    env.update({k: str(v) for k, v in values.items() if v is not None})
    return env
