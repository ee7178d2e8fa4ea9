# A throwaway PostgreSQL cluster for the tests, sourced by .ci/run.
# `pg_start` makes one in a temporary folder (initdb, trust auth on
# loopback, a free port, its socket in the folder), exports
# TILL_TEST_DATABASE_URL and sets a trap that stops the cluster and removes
# the folder on any exit, failure included. Server binaries: PostgreSQL 15's
# (/usr/lib/postgresql/15/bin), else the newest installed, else installed
# with apt-get. initdb refuses root: as root, the cluster runs as `postgres`.

PG_DIR=""
PG_BIN=""
PG_AS=()

pg_find_bin() {
    local d
    for d in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
            PG_BIN="$d"
            return 0
        fi
    done
    return 1
}

pg_stop() {
    if [ -n "$PG_DIR" ] && [ -d "$PG_DIR" ]; then
        if [ -f "$PG_DIR/data/postmaster.pid" ]; then
            "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
        fi
        rm -rf "$PG_DIR"
        echo "ci: PostgreSQL cluster stopped and removed" >&2
    fi
    PG_DIR=""
}

pg_start() {
    if ! pg_find_bin; then
        echo "ci: no PostgreSQL server binaries; installing them with apt-get" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        pg_find_bin || { echo "ci: PostgreSQL could not be installed" >&2; return 1; }
    fi
    PG_DIR="$(mktemp -d -t till-pg.XXXXXX)"
    trap pg_stop EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    if [ "$(id -u)" = 0 ]; then
        id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
        chown postgres "$PG_DIR"
        PG_AS=(runuser -u postgres --)
    fi
    # The server's user may not enter the caller's directory (/root): run
    # the server's commands from the cluster's folder, then come back.
    local here
    here="$(pwd)"
    cd "$PG_DIR"
    "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres --no-sync >"$PG_DIR/initdb.log" 2>&1 || {
        cat "$PG_DIR/initdb.log" >&2
        return 1
    }
    local port attempt
    for attempt in $(seq 1 20); do
        port=$((20000 + RANDOM % 40000))
        # Taken when something answers on it.
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            continue
        fi
        if "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
            -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$PG_DIR -c fsync=off -c max_connections=300" \
            start >/dev/null; then
            export TILL_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
            echo "ci: $("$PG_BIN/postgres" --version) on 127.0.0.1:$port ($PG_DIR)" >&2
            cd "$here"
            return 0
        fi
        # Only a port taken meanwhile is worth another try.
        grep -q "already in use" "$PG_DIR/server.log" 2>/dev/null || break
    done
    cat "$PG_DIR/server.log" >&2 || true
    echo "ci: PostgreSQL did not start" >&2
    return 1
}
