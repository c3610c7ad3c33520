#!/usr/bin/env bash
# Starts two real SOCKS5 servers (Debian's dante-server) on loopback for the integration tests:
#   127.0.0.1:${AIJOBS_DANTE_PORT:-11080}       no authentication
#   127.0.0.1:${AIJOBS_DANTE_AUTH_PORT:-11081}  username/password (a throwaway system account)
# Both refuse (FORBIDDEN) connections to 127.0.0.99, and log every tunnel to
# /tmp/aijobs-dante/{noauth,auth}.log so tests can prove traffic crossed them.
# Installs dante-server when missing (needs root, as on CI). Idempotent: restarts both.
set -euo pipefail

DIR=/tmp/aijobs-dante
PORT="${AIJOBS_DANTE_PORT:-11080}"
AUTH_PORT="${AIJOBS_DANTE_AUTH_PORT:-11081}"
USER_NAME="${AIJOBS_DANTE_USER:-aijobs-socks}"
USER_PASS="${AIJOBS_DANTE_PASSWORD:-aijobs-socks-pw}"

if ! command -v danted >/dev/null 2>&1; then
  echo "dante: installing dante-server"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q dante-server >/dev/null 2>&1 || {
    apt-get update -q >/dev/null
    apt-get install -y -q dante-server >/dev/null
  }
fi

if ! id "$USER_NAME" >/dev/null 2>&1; then
  useradd --no-create-home --shell /usr/sbin/nologin "$USER_NAME"
fi
echo "$USER_NAME:$USER_PASS" | chpasswd

mkdir -p "$DIR"
write_conf() { # name port method
  cat >"$DIR/$1.conf" <<CONF
logoutput: $DIR/$1.log
internal: 127.0.0.1 port = $2
external: 127.0.0.1
clientmethod: none
socksmethod: $3
user.privileged: root
user.unprivileged: nobody
client pass {
  from: 127.0.0.0/8 to: 0.0.0.0/0
  log: error
}
socks block {
  from: 0.0.0.0/0 to: 127.0.0.99/32
  log: connect error
}
socks pass {
  from: 127.0.0.0/8 to: 0.0.0.0/0
  command: connect
  log: connect disconnect error
}
CONF
}
write_conf noauth "$PORT" none
write_conf auth "$AUTH_PORT" username

for name in noauth auth; do
  if [ -f "$DIR/$name.pid" ] && kill -0 "$(cat "$DIR/$name.pid")" 2>/dev/null; then
    kill "$(cat "$DIR/$name.pid")" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$(cat "$DIR/$name.pid")" 2>/dev/null || break; sleep 0.1; done
  fi
  : >"$DIR/$name.log"
  danted -f "$DIR/$name.conf" -D -p "$DIR/$name.pid"
done

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$PORT" "$AUTH_PORT"; do
  for _ in $(seq 1 50); do port_open "$p" && break; sleep 0.1; done
  port_open "$p" || { echo "dante: nothing listens on 127.0.0.1:$p; see $DIR/*.log" >&2; exit 1; }
done
echo "dante: socks5://127.0.0.1:$PORT (no auth), socks5://$USER_NAME:***@127.0.0.1:$AUTH_PORT"
