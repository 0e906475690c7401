#!/usr/bin/env bash
# A local kiln cluster (docs/cluster.md): a private PostgreSQL under a
# directory of its own, three kiln nodes sharing it as their registry, and
# HAProxy in front (health checks on /healthz, one module's requests to the
# same node by consistent hashing, retries elsewhere when a node is dead).
#
#   scripts/cluster.sh up       start it all; prints where to point kiln login
#   scripts/cluster.sh status   what runs, each node's /healthz, kiln nodes
#   scripts/cluster.sh down     stop it all and remove the directory
#   scripts/cluster.sh pg stop|start          PostgreSQL alone (failure drills)
#   scripts/cluster.sh node N stop|kill|start one node (N = 1..3; kill: -9)
#
# Env: KILN_CLUSTER_DIR (default /tmp/kiln-cluster), KILN_CLUSTER_PORT
# (HAProxy's, default 8080; 0: a free one), KILN (default build/kiln),
# KILN_CLUSTER_NODES (default 3). Every other port is a free one on
# 127.0.0.1, written to $KILN_CLUSTER_DIR/env. PostgreSQL refuses to run as
# root: as root, it runs as the unprivileged user nobody (runuser).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
DIR=${KILN_CLUSTER_DIR:-/tmp/kiln-cluster}
KILN=${KILN:-$root/build/kiln}
NODES=${KILN_CLUSTER_NODES:-3}

die() { echo "cluster: $*" >&2; exit 1; }
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
pgbin() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -n "$d" ] && [ -x "$d/initdb" ] || die "no PostgreSQL server (apt-get install postgresql; scripts/deps.sh)"
    echo "$d"
}
as_pg() { # runs a command as the user that owns the PostgreSQL cluster
    if [ "$(id -u)" -eq 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}
load_env() { [ -f "$DIR/env" ] || die "no cluster in $DIR (scripts/cluster.sh up)"; . "$DIR/env"; }
healthz() { curl -s -m 2 "http://127.0.0.1:$1/healthz"; }
wait_healthy() { # port
    for _ in $(seq 100); do
        curl -sf -m 1 "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

pg_start() {
    load_env
    as_pg "$(pgbin)/pg_ctl" -D "$DIR/pg/data" -l "$DIR/pg/log" -w -t 30 \
        -o "-p $PG_PORT -k $DIR/pg -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
}
pg_stop() { load_env; as_pg "$(pgbin)/pg_ctl" -D "$DIR/pg/data" -m fast -w stop >/dev/null; }

node_start() { # N
    load_env
    local n=$1 port var
    var=NODE${n}_PORT
    port=${!var}
    mkdir -p "$DIR/n$n"
    if [ "$n" != 1 ]; then # one cluster, one set of tokens and one secrets key
        for f in admin.token readonly.token secrets.key; do
            [ -f "$DIR/n$n/$f" ] || install -m 600 "$DIR/n1/$f" "$DIR/n$n/$f"
        done
    fi
    "$KILN" serve --listen "127.0.0.1:$port" --data "$DIR/n$n" --registry "$PG_URL" --node "n$n" \
        ${KILN_CLUSTER_SERVE_FLAGS:-} >>"$DIR/n$n.log" 2>&1 &
    echo $! >"$DIR/n$n.pid"
    wait_healthy "$port" || { tail -5 "$DIR/n$n.log" >&2; die "node $n did not start (log: $DIR/n$n.log)"; }
}
node_stop() { # N signal
    local pid
    pid=$(cat "$DIR/n$1.pid" 2>/dev/null) || return 0
    kill "-$2" "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$DIR/n$1.pid"
}

haproxy_cfg() {
    cat <<EOF
# Written by scripts/cluster.sh.
global
    maxconn 4096
    pidfile $DIR/haproxy.pid
defaults
    mode http
    timeout connect 1s
    timeout client 60s
    timeout server 60s
    # A request that finds its node dead goes to another one: a refused
    # connection, or an empty answer from a node killed while it worked.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout
frontend kiln
    bind 127.0.0.1:$HAPROXY_PORT
    default_backend nodes
backend nodes
    # One module's requests to one node (its compiled code and cache stay
    # warm there): the hash of /run/NAME, consistent so that a node leaving
    # moves only its own modules.
    balance uri depth 2
    hash-type consistent
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
    http-response set-header X-Kiln-Node %s
EOF
    for n in $(seq "$NODES"); do
        local var=NODE${n}_PORT
        echo "    server n$n 127.0.0.1:${!var} check"
    done
}

up() {
    [ -x "$KILN" ] || die "no kiln at $KILN (make, or set KILN)"
    command -v haproxy >/dev/null || die "no haproxy (apt-get install haproxy; scripts/deps.sh)"
    [ -f "$DIR/env" ] && die "a cluster runs in $DIR already (scripts/cluster.sh down)"
    local bin
    bin=$(pgbin)
    mkdir -p "$DIR/pg"
    chmod 711 "$DIR"
    if [ "$(id -u)" -eq 0 ]; then
        chown nobody "$DIR/pg"
        runuser -u nobody -- test -w "$DIR/pg" ||
            die "the user nobody cannot reach $DIR/pg (a parent directory is private): choose another KILN_CLUSTER_DIR"
    fi
    chmod 700 "$DIR/pg"
    local hp=${KILN_CLUSTER_PORT:-8080}
    [ "$hp" = 0 ] && hp=$(free_port)
    {
        echo "PG_PORT=$(free_port)"
        echo "HAPROXY_PORT=$hp"
        for n in $(seq "$NODES"); do echo "NODE${n}_PORT=$(free_port)"; done
    } >"$DIR/env.tmp"
    . "$DIR/env.tmp"
    echo "PG_URL=postgresql://kiln@127.0.0.1:$PG_PORT/kiln" >>"$DIR/env.tmp"
    mv "$DIR/env.tmp" "$DIR/env"
    as_pg "$bin/initdb" -D "$DIR/pg/data" -U kiln --auth=trust -E UTF8 >"$DIR/pg/initdb.log" 2>&1 ||
        { cat "$DIR/pg/initdb.log" >&2; die "initdb failed"; }
    pg_start
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U kiln kiln
    for n in $(seq "$NODES"); do node_start "$n"; done
    haproxy_cfg >"$DIR/haproxy.cfg"
    haproxy -q -f "$DIR/haproxy.cfg" -D || die "haproxy did not start ($DIR/haproxy.cfg)"
    wait_healthy "$HAPROXY_PORT" || die "HAProxy does not answer on $HAPROXY_PORT"
    echo "cluster: PostgreSQL $PG_URL, $NODES nodes, HAProxy on 127.0.0.1:$HAPROXY_PORT (state in $DIR)"
    echo "cluster: kiln login http://127.0.0.1:$HAPROXY_PORT --token-file $DIR/n1/admin.token"
}

down() {
    [ -f "$DIR/env" ] || { echo "cluster: nothing runs in $DIR"; return 0; }
    . "$DIR/env"
    [ -f "$DIR/haproxy.pid" ] && kill "$(cat "$DIR/haproxy.pid")" 2>/dev/null || true
    for n in $(seq "$NODES"); do node_stop "$n" TERM; done
    [ -d "$DIR/pg/data" ] && as_pg "$(pgbin)/pg_ctl" -D "$DIR/pg/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
    echo "cluster: stopped"
}

status() {
    load_env
    if as_pg "$(pgbin)/pg_ctl" -D "$DIR/pg/data" status >/dev/null 2>&1; then echo "postgresql  up    $PG_URL"
    else echo "postgresql  DOWN  $PG_URL"; fi
    for n in $(seq "$NODES"); do
        local var=NODE${n}_PORT h
        h=$(healthz "${!var}" || true)
        echo "node n$n     127.0.0.1:${!var}  ${h:-DOWN}"
    done
    if [ -f "$DIR/haproxy.pid" ] && kill -0 "$(cat "$DIR/haproxy.pid")" 2>/dev/null; then
        echo "haproxy     up    http://127.0.0.1:$HAPROXY_PORT"
    else echo "haproxy     DOWN"; fi
    KILN_SERVER=http://127.0.0.1:$HAPROXY_PORT KILN_TOKEN=$(cat "$DIR/n1/admin.token") "$KILN" nodes || true
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    status) status ;;
    pg) case "${2:-}" in start) pg_start ;; stop) pg_stop ;; *) die "usage: cluster.sh pg start|stop" ;; esac ;;
    node)
        load_env
        [[ "${2:-}" =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] && [ "$2" -le "$NODES" ] || die "usage: cluster.sh node N stop|kill|start"
        case "${3:-}" in
            start) node_start "$2" ;; stop) node_stop "$2" TERM ;; kill) node_stop "$2" KILL ;;
            *) die "usage: cluster.sh node N stop|kill|start" ;;
        esac ;;
    *) echo "usage: scripts/cluster.sh up|down|status | pg start|stop | node N stop|kill|start" >&2; exit 2 ;;
esac
