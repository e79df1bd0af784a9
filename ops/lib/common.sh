# shellcheck shell=bash
# Shared helpers for ops/run, ops/test and ops/bench/run.
# Source it from a bash script:  . "$(dirname "$0")/lib/common.sh"
#
# Everything here is idempotent and quick when the machine is already set up:
# apt is only touched when a package is missing, a virtual environment is only
# (re)installed when its requirements file changed.

# The repository root (this file lives in ops/lib/).
JUNCTION_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export JUNCTION_ROOT

# Debian packages building and running Junction need (ops/run installs only these).
JUNCTION_RUN_APT_PACKAGES=(libhiredis-dev libsqlite3-dev libssl-dev libcurl4-openssl-dev redis-server)
JUNCTION_RUN_APT_PACKAGES+=(bubblewrap) # stdio MCP servers run in it
# Debian packages only the tests and benchmarks need (ops/test adds them): PostgreSQL for the
# store tests, chromium for the dashboard tests, wrk for the benchmarks, glewlwyd for the OIDC
# sign-in tests, openssl for the Redis TLS tests' certificates, systemd for
# `systemd-analyze verify` of ops/deploy's units, sqlite3 for the backup test.
JUNCTION_TEST_APT_PACKAGES=(openssl postgresql chromium wrk glewlwyd systemd sqlite3)

# Python requirements: ops/requirements-run.txt (deno, the sandbox runtime) is all that
# running needs; the rest are for the tests and benchmarks.
JUNCTION_RUN_REQUIREMENTS="$JUNCTION_ROOT/ops/requirements-run.txt"

# Virtual environments (ignored by git through `.venv*/`).
JUNCTION_VENV="$JUNCTION_ROOT/.venv"                   # deno (ops/run); + mcp 2.x SDK, pytest, httpx … (ops/test)
JUNCTION_HTTPBIN_VENV="$JUNCTION_ROOT/.venv-httpbin"   # httpbin + gunicorn (test upstream)
JUNCTION_MCP1_VENV="$JUNCTION_ROOT/.venv-mcp1"         # mcp 1.x peers: mcpo, mcp-proxy, mcp-server-time/git
JUNCTION_FASTMCP_VENV="$JUNCTION_ROOT/.venv-fastmcp"   # FastMCP (mcp 2.x) upstream servers and bench peer
JUNCTION_OIDC_VENV="$JUNCTION_ROOT/.venv-oidc"         # oidc-provider-mock (OpenID Connect provider for sign-in tests)
export JUNCTION_MCP1_VENV JUNCTION_FASTMCP_VENV

if [[ -t 2 && -z "${NO_COLOR:-}" ]]; then
    _c_bold=$'\e[1m'; _c_red=$'\e[31m'; _c_green=$'\e[32m'; _c_yellow=$'\e[33m'; _c_off=$'\e[0m'
else
    _c_bold=''; _c_red=''; _c_green=''; _c_yellow=''; _c_off=''
fi

log()  { printf '%s==>%s %s\n' "$_c_bold" "$_c_off" "$*" >&2; }
warn() { printf '%swarning:%s %s\n' "$_c_yellow" "$_c_off" "$*" >&2; }
die()  { printf '%serror:%s %s\n' "$_c_red" "$_c_off" "$*" >&2; exit 1; }
ok()   { printf '%s%s%s\n' "$_c_green" "$*" "$_c_off" >&2; }

# Run a command as root: directly when we are root, else through sudo.
as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root to run: $* (install sudo or run as root)"
    fi
}

_apt_installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

# ensure_apt PKG... — install the Debian packages that are missing.
# `apt-get update` runs only when something has to be installed.
ensure_apt() {
    local missing=() p
    for p in "$@"; do
        _apt_installed "$p" || missing+=("$p")
    done
    ((${#missing[@]} == 0)) && return 0
    command -v apt-get >/dev/null 2>&1 || die "missing packages ${missing[*]} and no apt-get on this machine"
    log "installing Debian packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 \
        || die "apt-get update failed"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 \
        || die "apt-get install ${missing[*]} failed"
}

# ensure_system [PKG...] — the Debian packages running needs plus PKG..., a Python able to
# make venvs, and Swift on PATH.
ensure_system() {
    local pkgs=("${JUNCTION_RUN_APT_PACKAGES[@]}" "$@")
    local py="${PYTHON:-python3}"
    if ! command -v "$py" >/dev/null 2>&1; then
        pkgs+=(python3 python3-venv)
    elif ! "$py" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        # Debian's own python3 ships venv/ensurepip separately.
        pkgs+=(python3-venv)
    fi
    ensure_apt "${pkgs[@]}"
    ensure_swift
}

# ensure_swift — put the Swift toolchain on PATH (it lives in /opt/swift here).
ensure_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        local d
        for d in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
            if [[ -x "$d/swift" ]]; then
                export PATH="$PATH:$d"
                break
            fi
        done
    fi
    command -v swift >/dev/null 2>&1 || die "swift not found (expected in PATH or /opt/swift/usr/bin)"
}

_sha256() { sha256sum "$1" | awk '{print $1}'; }

# ensure_venv DIR REQUIREMENTS_FILE — create DIR as a venv and install the pinned
# requirements; does nothing when the stamp says the same file is installed. Each
# requirements file has its own stamp, so one venv can hold several (.venv: run + tests).
ensure_venv() {
    local dir="$1" req="$2"
    local py="${PYTHON:-python3}"
    local stamp
    stamp="$dir/.junction-$(basename "$req" .txt).sha256"
    local want
    want="$(_sha256 "$req")-$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    if [[ -x "$dir/bin/python" ]] && "$dir/bin/python" -c 'pass' >/dev/null 2>&1 \
        && [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        return 0
    fi
    if ! [[ -x "$dir/bin/python" ]] || ! "$dir/bin/python" -c 'pass' >/dev/null 2>&1; then
        log "creating virtual environment ${dir#"$JUNCTION_ROOT"/}"
        rm -rf "$dir"
        "$py" -m venv "$dir" || die "python -m venv $dir failed"
    fi
    log "installing ${req#"$JUNCTION_ROOT"/} into ${dir#"$JUNCTION_ROOT"/}"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$dir/bin/python" -m pip install -q --no-input -r "$req" >&2 \
        || die "pip install -r $req failed"
    printf '%s\n' "$want" >"$stamp"
}

# ensure_deno — deno (from PyPI) in .venv, checked to run; exports JUNCTION_DENO_BIN.
ensure_deno() {
    ensure_venv "$JUNCTION_VENV" "$JUNCTION_RUN_REQUIREMENTS"
    "$JUNCTION_VENV/bin/deno" --version >/dev/null 2>&1 || die "deno from .venv does not run"
    export JUNCTION_DENO_BIN="$JUNCTION_VENV/bin/deno"
}

# ensure_test_venvs — the test and benchmark environments: the MCP SDK, pytest, Playwright,
# schemathesis … in .venv, and the upstreams' own venvs.
ensure_test_venvs() {
    ensure_venv "$JUNCTION_VENV" "$JUNCTION_ROOT/ops/requirements.txt"
    ensure_venv "$JUNCTION_HTTPBIN_VENV" "$JUNCTION_ROOT/ops/requirements-httpbin.txt"
    ensure_venv "$JUNCTION_MCP1_VENV" "$JUNCTION_ROOT/ops/requirements-mcp1.txt"
    ensure_venv "$JUNCTION_FASTMCP_VENV" "$JUNCTION_ROOT/ops/requirements-fastmcp.txt"
    ensure_venv "$JUNCTION_OIDC_VENV" "$JUNCTION_ROOT/ops/requirements-oidc.txt"
}

# ensure_run_deps — what building and running Junction needs, and nothing more (ops/run).
ensure_run_deps() {
    ensure_system
    ensure_deno
}

# ensure_all — everything: what running needs plus what the tests and benchmarks need
# (ops/test, ops/bench/*), so a fresh machine can run every test.
ensure_all() {
    ensure_system "${JUNCTION_TEST_APT_PACKAGES[@]}"
    ensure_deno
    ensure_test_venvs
}

# free_port — print a TCP port that is free on 127.0.0.1 right now.
free_port() {
    "${PYTHON:-python3}" - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

# port_in_use PORT — true when something listens on 127.0.0.1:PORT.
port_in_use() {
    "${PYTHON:-python3}" - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.settimeout(0.5)
try:
    s.connect(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
EOF
}

# build_config — debug (default) or release, from JUNCTION_BUILD.
build_config() {
    case "${JUNCTION_BUILD:-debug}" in
        debug) echo debug ;;
        release) echo release ;;
        *) die "JUNCTION_BUILD must be debug or release (got '${JUNCTION_BUILD}')" ;;
    esac
}

# bin_dir — where `swift build` puts the binaries for the chosen configuration
# ($JUNCTION_BIN_DIR overrides it, e.g. for binaries built elsewhere).
bin_dir() { echo "${JUNCTION_BIN_DIR:-$JUNCTION_ROOT/.build/$(build_config)}"; }

# build_swift [EXTRA_ARGS...] — swift build for the chosen configuration
# (skipped when JUNCTION_NO_BUILD=1).
build_swift() {
    if [[ ${JUNCTION_NO_BUILD:-0} == 1 ]]; then
        log "JUNCTION_NO_BUILD=1: not building"
        return 0
    fi
    ensure_swift
    local config
    config="$(build_config)"
    log "swift build -c $config $*"
    (cd "$JUNCTION_ROOT" && swift build -c "$config" "$@")
}

# ensure_master_key DATA_DIR — export JUNCTION_MASTER_KEY from DATA_DIR/master.key,
# generating the file (32 random bytes, base64, mode 0600) the first time.
ensure_master_key() {
    local data_dir="$1" file="$1/master.key"
    if [[ -n "${JUNCTION_MASTER_KEY:-}" ]]; then
        return 0
    fi
    mkdir -p "$data_dir"
    if [[ ! -s "$file" ]]; then
        log "generating a master key in ${file#"$JUNCTION_ROOT"/} (keep it: it encrypts stored secrets)"
        (umask 077 && head -c 32 /dev/urandom | base64 -w0 >"$file.tmp" && echo >>"$file.tmp" && mv "$file.tmp" "$file")
    fi
    chmod 600 "$file"
    JUNCTION_MASTER_KEY="$(tr -d '[:space:]' <"$file")"
    export JUNCTION_MASTER_KEY
}
