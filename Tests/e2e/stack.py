"""Start and stop a complete Junction stack on loopback, for tests and benchmarks.

A `Stack` owns every process it starts (redis-server, httpbin under gunicorn,
junction-frontend, junction-worker, junction-refresher): each listens on a free
127.0.0.1 port, writes stdout+stderr to its own log file, and is stopped by its
PID in `Stack.stop()` (also called at interpreter exit, and the kernel sends
SIGTERM to the children if this process dies: PR_SET_PDEATHSIG).

Used by Tests/e2e/conftest.py and ops/bench/bench.py. Standard library + httpx.
"""

from __future__ import annotations

import atexit
import http.server
import threading
import base64
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]

# Every Stack that is running, so failure reports and atexit can reach them.
ACTIVE_STACKS: list["Stack"] = []


# --------------------------------------------------------------------------- #
# locating the programs
# --------------------------------------------------------------------------- #

def build_config() -> str:
    config = os.environ.get("JUNCTION_BUILD", "debug")
    if config not in ("debug", "release"):
        raise ValueError(f"JUNCTION_BUILD must be debug or release, not {config!r}")
    return config


def bin_dir() -> Path:
    """Folder of the Junction binaries: $JUNCTION_BIN_DIR or .build/<JUNCTION_BUILD>."""
    explicit = os.environ.get("JUNCTION_BIN_DIR")
    return Path(explicit) if explicit else REPO_ROOT / ".build" / build_config()


def deno_path() -> str:
    """deno from this Python's venv (pip package `deno`), else from PATH."""
    explicit = os.environ.get("JUNCTION_E2E_DENO")
    if explicit:
        return explicit
    beside = Path(sys.executable).parent / "deno"
    if beside.exists():
        return str(beside)
    venv = REPO_ROOT / ".venv" / "bin" / "deno"
    if venv.exists():
        return str(venv)
    found = shutil.which("deno")
    if found:
        return found
    raise FileNotFoundError("deno not found: run ops/test (it installs deno into .venv)")


def redis_server_path() -> str:
    found = os.environ.get("JUNCTION_E2E_REDIS_SERVER") or shutil.which("redis-server")
    if not found and Path("/usr/bin/redis-server").exists():
        found = "/usr/bin/redis-server"
    if not found:
        raise FileNotFoundError("redis-server not found: apt-get install redis-server")
    return found


def redis_command(port: int, *args: str) -> Any:
    """One command to the redis-server on 127.0.0.1:`port`, its reply decoded (RESP2);
    a server error raises RuntimeError. Enough to set up a cluster without redis-cli."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        out = f"*{len(args)}\r\n".encode()
        for a in args:
            b = str(a).encode()
            out += f"${len(b)}\r\n".encode() + b + b"\r\n"
        s.sendall(out)
        f = s.makefile("rb")

        def read() -> Any:
            line = f.readline()[:-2]
            kind, rest = line[:1], line[1:]
            if kind == b"+":
                return rest.decode()
            if kind == b"-":
                raise RuntimeError(rest.decode())
            if kind == b":":
                return int(rest)
            if kind == b"$":
                n = int(rest)
                return None if n < 0 else f.read(n + 2)[:-2].decode()
            if kind == b"*":
                n = int(rest)
                return None if n < 0 else [read() for _ in range(n)]
            raise RuntimeError(f"unexpected reply {line!r}")

        return read()


def gunicorn_path() -> str:
    explicit = os.environ.get("JUNCTION_E2E_GUNICORN")
    if explicit:
        return explicit
    path = REPO_ROOT / ".venv-httpbin" / "bin" / "gunicorn"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run ops/test (it creates .venv-httpbin)")
    return str(path)


# --------------------------------------------------------------------------- #
# small helpers
# --------------------------------------------------------------------------- #

def free_port() -> int:
    """A TCP port free on 127.0.0.1 at the time of the call."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_master_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _set_pdeathsig() -> None:  # runs in the child between fork and exec
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class StackError(RuntimeError):
    pass


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    log_path: Path
    stop_signal: int = signal.SIGTERM

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 40) -> str:
        try:
            data = self.log_path.read_bytes()
        except OSError as e:
            return f"(no log: {e})"
        text = data[-64_000:].decode("utf-8", "replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 10.0) -> None:
        if self.popen.poll() is not None:
            return
        try:
            os.kill(self.pid, self.stop_signal)
        except ProcessLookupError:
            return
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.popen.wait(timeout=5)


@dataclass
class Stack:
    """A Junction stack in `workdir` (data dir and logs live there)."""

    workdir: Path
    with_httpbin: bool = True
    sandbox_processes: int | None = None
    sandbox_concurrency: int | None = None
    execute_timeout_ms: int | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    # Redis's `requirepass`: set, the stack's redis-server wants it (from a config file, so
    # it is on no command line) and REDIS_URL carries it.
    redis_password: str | None = None
    # Three redis-server primaries forming a Redis Cluster instead of one redis-server;
    # REDIS_URL names the first (Junction finds the others).
    redis_cluster: bool = False
    # Give the frontend, worker and refresher each a metrics listener (JUNCTION_METRICS_PORT)
    # on a free port of its own: `metrics_ports[name]`.
    metrics: bool = False
    metrics_ports: dict[str, int] = field(default_factory=dict)

    procs: dict[str, Proc] = field(default_factory=dict)
    redis_port: int = 0
    redis_cluster_ports: list[int] = field(default_factory=list)
    httpbin_port: int = 0
    frontend_port: int = 0
    master_key: str = field(default_factory=new_master_key)
    token: str = ""

    # ------------------------------------------------------------------ paths
    @property
    def data_dir(self) -> Path:
        return self.workdir / "data"

    @property
    def log_dir(self) -> Path:
        return self.workdir / "logs"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.frontend_port}"

    @property
    def mcp_url(self) -> str:
        return f"{self.base_url}/mcp"

    @property
    def httpbin_url(self) -> str:
        return f"http://127.0.0.1:{self.httpbin_port}"

    @property
    def redis_url(self) -> str:
        auth = f":{urllib.parse.quote(self.redis_password, safe='')}@" if self.redis_password else ""
        return f"redis://{auth}127.0.0.1:{self.redis_port}"

    def redis_cli(self, *args: str) -> str:
        """redis-cli against the stack's Redis; the password goes in REDISCLI_AUTH, never argv."""
        env = dict(os.environ)
        env.pop("REDISCLI_AUTH", None)
        if self.redis_password:
            env["REDISCLI_AUTH"] = self.redis_password
        return subprocess.run(["redis-cli", "-p", str(self.redis_port), *args], env=env,
                              capture_output=True, text=True, timeout=10).stdout

    def redis_command(self, *args: str) -> bytes:
        """One command over a raw socket (after AUTH when the stack has a password); the reply."""
        def encode(*parts: str) -> bytes:
            return (f"*{len(parts)}\r\n" + "".join(f"${len(a.encode())}\r\n{a}\r\n" for a in parts)).encode()
        with socket.create_connection(("127.0.0.1", self.redis_port), timeout=10) as s:
            if self.redis_password:
                s.sendall(encode("AUTH", self.redis_password))
                reply = s.recv(1024)
                if not reply.startswith(b"+OK"):
                    raise StackError(f"redis refused AUTH: {reply[:80]!r}")
            s.sendall(encode(*args))
            return s.recv(65536)

    # ------------------------------------------------------------ processes
    def _spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None,
               stop_signal: int = signal.SIGTERM) -> Proc:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        log = open(log_path, "ab", buffering=0)
        try:
            popen = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env if env is not None else os.environ.copy(),
                cwd=self.workdir,
                start_new_session=True,  # Ctrl-C of the test run reaches us, not them
                preexec_fn=_set_pdeathsig,
            )
        finally:
            log.close()
        proc = Proc(name, popen, log_path, stop_signal)
        self.procs[name] = proc
        return proc

    def junction_env(self) -> dict[str, str]:
        """Environment for every Junction process (and `admin token`)."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("JUNCTION_") and k != "REDIS_URL"}
        env.update({
            "REDIS_URL": self.redis_url,
            "JUNCTION_DATA_DIR": str(self.data_dir),
            "JUNCTION_MASTER_KEY": self.master_key,
            "JUNCTION_MASTER_KEY_ID": "k1",
            "JUNCTION_ALLOW_LOOPBACK_HTTP": "1",
            "JUNCTION_LOG_LEVEL": os.environ.get("JUNCTION_LOG_LEVEL", "info"),
            "JUNCTION_HOST": "127.0.0.1",
            "JUNCTION_PORT": str(self.frontend_port),
            "JUNCTION_DENO": deno_path(),
        })
        if self.execute_timeout_ms is not None:
            env["JUNCTION_EXECUTE_TIMEOUT_MS"] = str(self.execute_timeout_ms)
        if self.sandbox_processes is not None:
            env["JUNCTION_SANDBOX_PROCESSES"] = str(self.sandbox_processes)
        if self.sandbox_concurrency is not None:
            env["JUNCTION_SANDBOX_CONCURRENCY"] = str(self.sandbox_concurrency)
        env.update(self.extra_env)
        return env

    def _fail(self, message: str, proc: Proc | None = None) -> StackError:
        detail = f"\n--- {proc.name} log ({proc.log_path}) ---\n{proc.tail(60)}" if proc else ""
        return StackError(message + detail)

    def start_redis(self, same_port: bool = False) -> None:
        """Start redis-server (again, on the port it had, with `same_port`: in memory only,
        so a restarted Redis has none of the data it had)."""
        if not (same_port and self.redis_port):
            self.redis_port = free_port()
        argv = [redis_server_path()]
        if self.redis_password:
            self.workdir.mkdir(parents=True, exist_ok=True)
            conf = self.workdir / "redis.conf"
            fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                escaped = self.redis_password.replace("\\", "\\\\").replace('"', '\\"')
                f.write(f'requirepass "{escaped}"\n')
            argv.append(str(conf))
        proc = self._spawn("redis", argv + [
            "--bind", "127.0.0.1", "--port", str(self.redis_port),
            "--save", "", "--appendonly", "no", "--dir", str(self.workdir),
        ])
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if not proc.alive():
                raise self._fail("redis-server exited during start-up", proc)
            try:
                if self.redis_command("PING").startswith(b"+PONG"):
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise self._fail("redis-server did not answer PING within 15 s", proc)

    def kill_redis(self) -> None:
        """SIGKILL redis-server and wait until it is gone (its clients' sockets are closed)."""
        proc = self.procs["redis"]
        if proc.alive():
            os.kill(proc.pid, signal.SIGKILL)
            proc.popen.wait(timeout=10)

    def start_worker(self, name: str, extra_env: dict[str, str] | None = None) -> Proc:
        """Start one more junction-worker (stopped with the stack) against the same redis and
        data dir."""
        env = self.junction_env()
        env.update(extra_env or {})
        proc = self._spawn(name, [str(bin_dir() / "junction-worker")], env)
        time.sleep(0.3)
        if not proc.alive():
            raise self._fail(f"{name} exited during start-up (code {proc.popen.returncode})", proc)
        return proc

    def start_redis_cluster(self) -> None:
        """Three cluster-enabled redis-servers, slots split in three (ADDSLOTSRANGE), joined
        with CLUSTER MEET; returns once every node says cluster_state:ok."""
        ranges = [(0, 5460), (5461, 10922), (10923, 16383)]
        used: set[int] = set()
        procs = []
        for n in range(3):
            port, bus = free_port(), free_port()
            while port in used or bus in used or port == bus:
                port, bus = free_port(), free_port()
            used |= {port, bus}
            node_dir = self.workdir / f"redis-node{n}"
            node_dir.mkdir(parents=True, exist_ok=True)
            procs.append((port, bus, self._spawn(f"redis{n}", [
                redis_server_path(), "--bind", "127.0.0.1", "--port", str(port), "--cluster-enabled", "yes",
                "--cluster-port", str(bus), "--cluster-config-file", str(node_dir / "nodes.conf"),
                "--save", "", "--appendonly", "no", "--dir", str(node_dir),
            ])))
        self.redis_cluster_ports = [p for p, _, _ in procs]
        self.redis_port = procs[0][0]
        for port, _, proc in procs:
            self._wait_redis(port, proc)
        for (port, _, _), (lo, hi) in zip(procs, ranges):
            redis_command(port, "CLUSTER", "ADDSLOTSRANGE", str(lo), str(hi))
        for port, bus, _ in procs[1:]:
            redis_command(procs[0][0], "CLUSTER", "MEET", "127.0.0.1", str(port), str(bus))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            infos = [redis_command(p, "CLUSTER", "INFO") for p in self.redis_cluster_ports]
            if all("cluster_state:ok" in i and "cluster_known_nodes:3" in i for i in infos):
                return
            time.sleep(0.1)
        raise self._fail("the Redis Cluster did not reach cluster_state:ok within 30 s", procs[0][2])

    def _wait_redis(self, port: int, proc: Proc) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if not proc.alive():
                raise self._fail("redis-server exited during start-up", proc)
            try:
                if redis_command(port, "PING") == "PONG":
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise self._fail("redis-server did not answer PING within 15 s", proc)

    def start_httpbin(self) -> None:
        self.httpbin_port = free_port()
        self._spawn("httpbin", [
            gunicorn_path(), "-b", f"127.0.0.1:{self.httpbin_port}", "-w", "2", "--threads", "8",
            "--graceful-timeout", "2", "--no-control-socket", "--access-logfile", "-",
            "httpbin:app",
        ], stop_signal=signal.SIGINT)  # SIGINT is gunicorn's quick shutdown

    def wait_httpbin(self, timeout: float = 30) -> None:
        self._wait_http(self.procs["httpbin"], f"{self.httpbin_url}/get", timeout)

    def _wait_http(self, proc: Proc, url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if not proc.alive():
                raise self._fail(f"{proc.name} exited (code {proc.popen.returncode}) before {url} answered", proc)
            try:
                r = httpx.get(url, timeout=2)
                if r.status_code == 200:
                    return
                last = f"HTTP {r.status_code}"
            except httpx.HTTPError as e:
                last = repr(e)
            time.sleep(0.1)
        raise self._fail(f"{url} did not answer 200 within {timeout} s (last: {last})", proc)

    def start_junction(self, timeout: float = 60) -> None:
        bdir = bin_dir()
        for exe in ("junction-frontend", "junction-worker", "junction-refresher"):
            if not (bdir / exe).exists():
                raise StackError(f"{bdir / exe} not found: build first (swift build)")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.frontend_port = free_port()
        def env_of(name: str) -> dict[str, str]:
            env = self.junction_env()
            if self.metrics:
                self.metrics_ports[name] = free_port()
                env["JUNCTION_METRICS_PORT"] = str(self.metrics_ports[name])
            return env
        front = self._spawn("frontend", [str(bdir / "junction-frontend"), "serve"], env_of("frontend"))
        self._wait_http(front, f"{self.base_url}/healthz", timeout)
        worker = self._spawn("worker", [str(bdir / "junction-worker")], env_of("worker"))
        refresher = self._spawn("refresher", [str(bdir / "junction-refresher")], env_of("refresher"))
        time.sleep(0.5)
        for p in (worker, refresher):
            if not p.alive():
                raise self._fail(f"{p.name} exited during start-up (code {p.popen.returncode})", p)

    def start_frontend(self, name: str, extra_env: dict[str, str] | None = None, timeout: float = 60) -> str:
        """Start one more junction-frontend (stopped with the stack) against the same
        redis and data dir, on its own port; returns its base URL."""
        port = free_port()
        env = self.junction_env()
        env["JUNCTION_PORT"] = str(port)
        env.update(extra_env or {})
        proc = self._spawn(name, [str(bin_dir() / "junction-frontend"), "serve"], env)
        url = f"http://127.0.0.1:{port}"
        self._wait_http(proc, f"{url}/healthz", timeout)
        return url

    def admin_token(self, email: str = "e2e@example.com") -> str:
        exe = bin_dir() / "junction-frontend"
        r = subprocess.run([str(exe), "admin", "token", "--email", email],
                           env=self.junction_env(), cwd=self.workdir,
                           capture_output=True, text=True, timeout=60)
        lines = [l.strip() for l in r.stdout.splitlines() if l.strip()]
        if r.returncode != 0 or not lines:
            raise StackError(f"`junction-frontend admin token` failed (exit {r.returncode})\n"
                             f"stdout:\n{r.stdout}\nstderr:\n{r.stderr}")
        return lines[-1]

    def start(self) -> "Stack":
        ACTIVE_STACKS.append(self)
        try:
            self.workdir.mkdir(parents=True, exist_ok=True)
            if self.redis_cluster:
                self.start_redis_cluster()
            else:
                self.start_redis()
            if self.with_httpbin:
                self.start_httpbin()  # boots while Junction starts
            self.start_junction()
            if self.with_httpbin:
                self.wait_httpbin()
            self.token = self.admin_token()
        except BaseException:
            self.stop()
            raise
        return self

    def check_alive(self) -> list[str]:
        """Names of the processes that have exited."""
        return [p.name for p in self.procs.values() if not p.alive()]

    def tails(self, lines: int = 40) -> str:
        out = []
        for p in self.procs.values():
            state = "running" if p.alive() else f"exited with {p.popen.returncode}"
            out.append(f"--- {p.name} (pid {p.pid}, {state}) {p.log_path} ---\n{p.tail(lines)}")
        return "\n".join(out)

    def stop(self) -> None:
        # Junction first (it talks to redis), then the upstreams.
        order = ["frontend", "worker", "refresher", "httpbin", "redis", "redis0", "redis1", "redis2"]
        order = order[:3] + [n for n in self.procs if n not in order] + order[3:]
        for name in order:
            proc = self.procs.get(name)
            if proc is not None:
                proc.stop()
        if self in ACTIVE_STACKS:
            ACTIVE_STACKS.remove(self)

    def __enter__(self) -> "Stack":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def rss_kib(self) -> dict[str, dict[str, int]]:
        """VmHWM (peak) and VmRSS of each running process, in KiB, from /proc."""
        out: dict[str, dict[str, int]] = {}
        for p in self.procs.values():
            try:
                status = Path(f"/proc/{p.pid}/status").read_text()
            except OSError:
                continue
            vals = {}
            for line in status.splitlines():
                key, _, rest = line.partition(":")
                if key in ("VmHWM", "VmRSS"):
                    vals[key] = int(rest.split()[0])
            out[p.name] = vals
        return out

    # ------------------------------------------------------ MCP upstreams
    def start_upstream(self, name: str, argv: list[str], port: int, timeout: float = 30) -> Proc:
        """Start an upstream server (stopped with the stack) and wait until `port` accepts."""
        proc = self._spawn(name, argv)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not proc.alive():
                raise self._fail(f"{name} exited during start-up (code {proc.popen.returncode})", proc)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return proc
            except OSError:
                time.sleep(0.1)
        raise self._fail(f"{name} did not listen on {port} within {timeout} s", proc)

    # --------------------------------------------------------------- clients
    def api(self, token: str | None = None) -> httpx.Client:
        """An httpx client for the management API, authenticated by default."""
        headers = {"Authorization": f"Bearer {token or self.token}"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=60)


# --------------------------------------------------------------------------- #
# a document server (specs for tests and benchmarks)
# --------------------------------------------------------------------------- #

class DocServer:
    """Serves `docs[path]` on 127.0.0.1; `/endless` streams 100 MB without a length."""

    def __init__(self, docs: dict[str, bytes] | None = None) -> None:
        self.docs: dict[str, bytes] = dict(docs or {})
        docs = self.docs

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path == "/endless":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    block = b" " * 65536
                    try:
                        for _ in range(100 * 16):  # 100 MB
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))
                        self.wfile.write(b"0\r\n\r\n")
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    return
                body = docs.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/yaml" if self.path.endswith(".yaml") else "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()



@atexit.register
def _stop_all() -> None:
    for s in list(ACTIVE_STACKS):
        s.stop()


# --------------------------------------------------------------------------- #
# raw JSON-RPC over Streamable HTTP (2025-11-25, JSON responses)
# --------------------------------------------------------------------------- #

PROTOCOL_VERSION = "2025-11-25"


def mcp_headers(token: str | None, session_id: str | None = None) -> dict[str, str]:
    h = {
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": PROTOCOL_VERSION,
    }
    if token:
        h["Authorization"] = f"Bearer {token}"
    if session_id:
        h["Mcp-Session-Id"] = session_id
    return h


def parse_mcp_body(r: httpx.Response) -> Any:
    """The JSON-RPC message of a response: plain JSON, or the first SSE data event."""
    ctype = r.headers.get("content-type", "")
    if ctype.startswith("text/event-stream"):
        for line in r.text.splitlines():
            if line.startswith("data:"):
                return json.loads(line[5:].strip())
        raise ValueError(f"no data event in SSE response: {r.text[:500]!r}")
    return r.json()


# --------------------------------------------------------------------------- #
# MCP peers (virtual environments prepared by ops/lib/common.sh)
# --------------------------------------------------------------------------- #

def venv_exe(kind: str, exe: str) -> str:
    """`exe` from .venv-fastmcp (kind "fastmcp") or .venv-mcp1 (kind "mcp1")."""
    var = {"fastmcp": "JUNCTION_FASTMCP_VENV", "mcp1": "JUNCTION_MCP1_VENV"}[kind]
    root = Path(os.environ.get(var) or REPO_ROOT / f".venv-{kind}")
    path = root / "bin" / exe
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run ops/test (it creates .venv-{kind})")
    return str(path)
