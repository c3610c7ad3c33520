#!/usr/bin/env bash
# A throwaway 3-node RabbitMQ cluster on loopback, next to the default node (127.0.0.1:5672, which
# this script never touches). Used by ClusterFailoverIT; handy for trying failover by hand.
#
#   scripts/cluster.sh start        fresh cluster c1..c3@localhost on 127.0.0.1:5681..5683
#                                   (guest/guest, vhost /); leftovers of an earlier run are removed
#   scripts/cluster.sh stop         stops the three nodes, removes their files (idempotent)
#   scripts/cluster.sh status       "up" (exit 0) when all three nodes run and are clustered, else "down"
#   scripts/cluster.sh pid cN       OS pid of node cN (to kill -9 it)
#   scripts/cluster.sh restart cN   starts node cN again after it was killed (it rejoins the cluster)
#   scripts/cluster.sh ctl cN ARGS  rabbitmqctl ARGS on node cN (e.g. stop_app, start_app)
#   scripts/cluster.sh leader [Q]   node name of the leader of quorum queue Q (default ai.jobs)
#   scripts/cluster.sh queues       the cluster's queues, one a line: name, ready, unacked,
#                                   consumers, leader
#   scripts/cluster.sh connections  the cluster's AMQP connections, one a line: the node it is on
#                                   (cN), the client's port, the name the client gave it
#
# Each node gets its own rabbitmq.conf: /etc/rabbitmq/rabbitmq.conf pins the listener to
# 127.0.0.1:5672, so RABBITMQ_NODE_PORT alone would be ignored. Nodes run as user rabbitmq with
# HOME=/var/lib/rabbitmq (the shared Erlang cookie); no plugins, so no management port clashes.
# Must run as root or as rabbitmq. Every wait is bounded; failures say what went wrong.
set -euo pipefail

BASE="${AIJOBS_CLUSTER_DIR:-/tmp/aijobs-cluster}"
NODES=(c1 c2 c3)
BOOT_TIMEOUT="${AIJOBS_CLUSTER_BOOT_TIMEOUT:-90}"
CTL=/usr/lib/rabbitmq/bin/rabbitmqctl
SERVER=/usr/lib/rabbitmq/bin/rabbitmq-server

die() {
  echo "cluster: $*" >&2
  exit 1
}

idx() { echo "${1#c}"; }
amqp_port() { echo $((5680 + $(idx "$1"))); }
dist_port() { echo $((25680 + $(idx "$1"))); }
node_name() { echo "$1@localhost"; }

# Runs a command as rabbitmq with the cookie's HOME, whether we are root or rabbitmq already, from
# / : in a working directory rabbitmq may not read (a checkout in a mktemp -d folder) the Erlang
# code server prints eacces errors on stdout, which would garble the output read below.
as_rabbitmq() {
  if [ "$(id -u)" = "$(id -u rabbitmq)" ]; then
    (cd / && env HOME=/var/lib/rabbitmq "$@")
  elif [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u rabbitmq -- env HOME=/var/lib/rabbitmq "$@")
  else
    die "run me as root or as rabbitmq"
  fi
}

ctl() { as_rabbitmq timeout 60 "$CTL" "$@"; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_of() {
  local f="$BASE/$1/rabbitmq.pid"
  [ -s "$f" ] || return 1
  local pid
  pid="$(tr -dc '0-9' <"$f")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

start_node() {
  local n="$1" dir="$BASE/$1"
  mkdir -p "$dir/mnesia" "$dir/log"
  cat >"$dir/rabbitmq.conf" <<EOF
listeners.tcp.local = 127.0.0.1:$(amqp_port "$n")
loopback_users = none
EOF
  echo '[].' >"$dir/enabled_plugins"
  chown -R rabbitmq:rabbitmq "$dir"
  as_rabbitmq \
    RABBITMQ_NODENAME="$(node_name "$n")" \
    RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" \
    RABBITMQ_DIST_PORT="$(dist_port "$n")" \
    RABBITMQ_MNESIA_BASE="$dir/mnesia" \
    RABBITMQ_LOG_BASE="$dir/log" \
    RABBITMQ_PID_FILE="$dir/rabbitmq.pid" \
    "$SERVER" -detached >"$dir/log/startup.out" 2>&1 ||
    die "rabbitmq-server of $n did not start; see $dir/log/startup.out"
}

await_node() {
  local n="$1"
  # await_startup fails at once while the node is not up yet: retry until the deadline.
  local deadline=$((SECONDS + BOOT_TIMEOUT))
  until ctl -q -n "$(node_name "$n")" await_startup --timeout 10 >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      tail -n 20 "$BASE/$n/log/"*.log 2>/dev/null >&2 || true
      die "node $n not up after ${BOOT_TIMEOUT}s; logs in $BASE/$n/log"
    fi
    sleep 1
  done
  port_open "$(amqp_port "$n")" || die "node $n is up but 127.0.0.1:$(amqp_port "$n") is closed"
}

stop_all() {
  for n in "${NODES[@]}"; do
    local pid=""
    pid="$(pid_of "$n")" || pid=""
    if [ -n "$pid" ] || ctl -q -n "$(node_name "$n")" ping --timeout 5 >/dev/null 2>&1; then
      ctl -q -n "$(node_name "$n")" stop >/dev/null 2>&1 || true
    fi
    if [ -n "$pid" ]; then
      for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$BASE"
}

is_up() {
  local running
  running="$(ctl -q -n "$(node_name c1)" eval \
    'length([N || N <- rabbit_nodes:all_running(), lists:member(N, [c1@localhost, c2@localhost, c3@localhost])]).' \
    2>/dev/null)" || return 1
  [ "$running" = 3 ]
}

case "${1:-}" in
  start)
    stop_all
    for n in "${NODES[@]}"; do
      for p in "$(amqp_port "$n")" "$(dist_port "$n")"; do
        port_open "$p" && die "port $p is taken; is another cluster running? (scripts/cluster.sh stop)"
      done
    done
    mkdir -p "$BASE"
    for n in "${NODES[@]}"; do start_node "$n"; done
    for n in "${NODES[@]}"; do await_node "$n"; done
    for n in c2 c3; do
      node="$(node_name "$n")"
      # join_cluster prints harmless feature-flag warnings: kept in join.log, shown on failure.
      {
        ctl -q -n "$node" stop_app &&
          ctl -q -n "$node" reset &&
          ctl -q -n "$node" join_cluster "$(node_name c1)" &&
          ctl -q -n "$node" start_app
      } >>"$BASE/join.log" 2>&1 || {
        cat "$BASE/join.log" >&2
        die "$n could not join c1 (log above)"
      }
      await_node "$n"
    done
    is_up || die "the nodes run but do not form one cluster: $(ctl -n "$(node_name c1)" cluster_status 2>&1)"
    echo "cluster: up (c1..c3@localhost on 127.0.0.1:5681..5683, guest/guest)"
    ;;
  stop)
    stop_all
    echo "cluster: stopped"
    ;;
  status)
    if is_up; then
      echo "cluster: up"
    else
      echo "cluster: down"
      exit 1
    fi
    ;;
  pid)
    [ -n "${2:-}" ] || die "usage: $0 pid c1|c2|c3"
    pid_of "$2" || die "node $2 is not running"
    ;;
  restart)
    [ -n "${2:-}" ] || die "usage: $0 restart c1|c2|c3"
    pid_of "$2" >/dev/null && die "node $2 is running"
    start_node "$2"
    await_node "$2"
    echo "cluster: $2 up again"
    ;;
  ctl)
    [ -n "${2:-}" ] && [ -n "${3:-}" ] || die "usage: $0 ctl c1|c2|c3 ARGS"
    n="$2"
    shift 2
    ctl -q -n "$(node_name "$n")" "$@"
    ;;
  leader)
    queue="${2:-ai.jobs}"
    for n in "${NODES[@]}"; do
      out="$(ctl -q -n "$(node_name "$n")" list_queues name leader 2>/dev/null)" || continue
      leader="$(awk -v q="$queue" '$1 == q { print $2 }' <<<"$out")"
      [ -n "$leader" ] && { echo "$leader"; exit 0; }
    done
    die "no running node knows a leader of $queue"
    ;;
  queues)
    for n in "${NODES[@]}"; do
      ctl -q -n "$(node_name "$n")" list_queues --no-table-headers \
        name messages_ready messages_unacknowledged consumers leader 2>/dev/null && exit 0
    done
    die "no running node answers"
    ;;
  connections)
    for n in "${NODES[@]}"; do
      out="$(ctl -q -n "$(node_name "$n")" list_connections --no-table-headers port peer_port client_properties 2>/dev/null)" || continue
      # The node from the port it listens on (5681 is c1); the name from client_properties.
      awk -F'\t' 'NF >= 3 {
        name = "-"
        if (match($3, /"connection_name","[^"]*"/)) name = substr($3, RSTART + 19, RLENGTH - 20)
        print "c" ($1 - 5680), $2, name
      }' <<<"$out"
      exit 0
    done
    die "no running node answers"
    ;;
  *)
    die "usage: $0 start|stop|status|pid cN|restart cN|ctl cN ARGS|leader [queue]|queues|connections"
    ;;
esac
