#!/usr/bin/env bash
# The project's own PostGIS for local runs and tests, so a fresh machine needs no set-up by hand.
#
#   scripts/localdb.sh install   install PostgreSQL's PostGIS package when it is missing
#   scripts/localdb.sh start     create (once) and start the cluster under var/pg; print its URL
#   scripts/localdb.sh stop      stop it
#   scripts/localdb.sh url       print the URL of the database "tsuho"
#
# PostgreSQL refuses to run as root, so as root the cluster belongs to an unprivileged user
# (TSUHO_PG_USER, default "postgres"). When that user cannot reach the checkout (a private
# directory), the data lives in /var/tmp and var/pg links to it.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
link="$root/var/pg"
db=tsuho

log() { printf 'localdb: %s\n' "$*" >&2; }

pg_bindir() {
    local v
    for v in $(ls /usr/lib/postgresql 2>/dev/null | sort -rn); do
        if [ -x "/usr/lib/postgresql/$v/bin/initdb" ]; then
            echo "/usr/lib/postgresql/$v/bin"
            return
        fi
    done
    command -v initdb >/dev/null && dirname "$(command -v initdb)" && return
    return 1
}

pg_version() { basename "$(dirname "$1")"; }

has_postgis() {
    local sharedir
    sharedir=$("$1/pg_config" --sharedir 2>/dev/null || echo "/usr/share/postgresql/$(pg_version "$1")")
    ls "$sharedir"/extension/postgis.control >/dev/null 2>&1
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        # From /, since the owner may not be allowed into the current directory.
        (cd / && runuser -u "$owner" -- "$@")
    else
        "$@"
    fi
}

install() {
    local bindir
    bindir=$(pg_bindir || true)
    if [ -n "$bindir" ] && has_postgis "$bindir"; then
        return
    fi
    if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
        log "PostGIS is missing and I cannot install it without root: install postgresql-postgis"
        exit 1
    fi
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    log "installing PostgreSQL and PostGIS from the distribution's packages"
    $sudo apt-get update -qq
    local v
    v=$( [ -n "$bindir" ] && pg_version "$bindir" || echo "")
    if [ -n "$v" ] && apt-cache show "postgresql-$v-postgis-3" >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "postgresql-$v-postgis-3" >&2
    else
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql postgis >&2
    fi
}

# The port is chosen once per checkout and kept, so two checkouts on one machine do not collide.
choose_port() {
    local port=$((54330 + $(printf '%s' "$root" | cksum | cut -d' ' -f1) % 1000))
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
        port=$((port + 1))
    done
    echo "$port"
}

init_cluster() {
    local bindir=$1 data
    mkdir -p "$root/var"
    data="$root/var/pg"
    if [ "$(id -u)" = 0 ]; then
        id "$owner" >/dev/null 2>&1 || useradd --system --no-create-home "$owner"
    fi
    if [ "$(id -u)" = 0 ] && ! runuser -u "$owner" -- test -x "$root/var"; then
        data="/var/tmp/tsuho-pg-$(printf '%s' "$root" | cksum | cut -d' ' -f1)"
        ln -sfn "$data" "$link"
        # A checkout at this same path made it, and was deleted with its link: take it over.
        if [ -f "$data/PG_VERSION" ]; then
            log "using the cluster a checkout at this path left in $data"
            return
        fi
    fi
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown "$owner" "$data" && chmod 700 "$data"
    log "creating a PostgreSQL cluster in $data"
    as_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 \
        --locale=C.UTF-8 >/dev/null
    choose_port >"$data/tsuho.port"
    cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $(cat "$data/tsuho.port")
unix_socket_directories = '$data'
fsync = on
max_connections = 200
CONF
}

start() {
    install
    local bindir
    bindir=$(pg_bindir)
    [ -f "$link/PG_VERSION" ] || init_cluster "$bindir"
    # The real path: the owner may not be allowed to follow var/pg through the checkout.
    local data
    data=$(readlink -f "$link")
    if ! as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        as_owner "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start >/dev/null
    fi
    local port
    port=$(cat "$link/tsuho.port")
    if ! "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -Atqc \
        "select 1 from pg_database where datname = '$db'" postgres | grep -q 1; then
        "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db"
    fi
    url
}

stop() {
    [ -f "$link/PG_VERSION" ] || return 0
    as_owner "$(pg_bindir)/pg_ctl" -D "$(readlink -f "$link")" -m fast stop >/dev/null || true
}

url() {
    echo "postgresql://postgres@127.0.0.1:$(cat "$link/tsuho.port")/$db"
}

owner=${TSUHO_PG_USER:-postgres}

case "${1:-}" in
    install) install ;;
    start) start ;;
    stop) stop ;;
    url) url ;;
    *) echo "usage: $0 install|start|stop|url" >&2; exit 2 ;;
esac
