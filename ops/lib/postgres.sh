# shellcheck shell=bash
# A private PostgreSQL for the tests: Debian's `postgresql` package, a cluster in a
# temporary folder, listening on a free loopback port, a superuser `junction` with a
# random password (scram-sha-256 over TCP). Source after common.sh:
#
#   start_test_postgres    # exports JUNCTION_TEST_DATABASE_URL
#   stop_test_postgres     # stops it and removes the folder (safe to call twice)
#
# PostgreSQL refuses to run as root: when the tests run as root, the cluster belongs to
# the `postgres` user the package creates, and its commands run through runuser.

_pg_dir=""
_pg_bin=""

# pg_bin_dir — the bin folder of the newest installed PostgreSQL server (15 on Debian 12).
pg_bin_dir() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

_as_pg() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start_test_postgres() {
    _pg_bin="$(pg_bin_dir)" || { warn "no PostgreSQL server found under /usr/lib/postgresql (apt package postgresql)"; return 1; }
    _pg_dir="$(mktemp -d "${TMPDIR:-/tmp}/junction-pg.XXXXXX")" || return 1
    local password port
    password="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
    printf '%s\n' "$password" >"$_pg_dir/pwfile"
    if [[ $(id -u) -eq 0 ]]; then
        chown -R postgres: "$_pg_dir" || return 1
    fi
    if ! _as_pg "$_pg_bin/initdb" -D "$_pg_dir/data" -U junction --pwfile="$_pg_dir/pwfile" -E UTF8 --no-locale \
        --auth-host=scram-sha-256 --auth-local=trust >"$_pg_dir/initdb.log" 2>&1; then
        cat "$_pg_dir/initdb.log" >&2
        warn "initdb failed"
        return 1
    fi
    rm -f "$_pg_dir/pwfile"
    port="$(free_port)"
    # Durability is not what the tests are about: no fsync, so creating a database per
    # test stays cheap.
    if ! _as_pg "$_pg_bin/pg_ctl" -D "$_pg_dir/data" -l "$_pg_dir/postgres.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $_pg_dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
        start >/dev/null; then
        cat "$_pg_dir/postgres.log" >&2
        warn "PostgreSQL did not start"
        return 1
    fi
    JUNCTION_TEST_DATABASE_URL="postgres://junction:${password}@127.0.0.1:${port}/postgres?sslmode=disable"
    export JUNCTION_TEST_DATABASE_URL
    log "PostgreSQL $("$_pg_bin/postgres" --version | awk '{print $3}') for the tests on 127.0.0.1:$port (data in $_pg_dir)"
}

stop_test_postgres() {
    [[ -n "$_pg_dir" && -d "$_pg_dir" ]] || return 0
    _as_pg "$_pg_bin/pg_ctl" -D "$_pg_dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$_pg_dir"
    _pg_dir=""
}
