#!/usr/bin/env bash
# Makes sure a RabbitMQ broker answers on 127.0.0.1:5672 (unless RABBITMQ_URI points elsewhere):
# starts the locally installed one when it is not running, else says how to get one.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

if [ -z "${RABBITMQ_URI:-}" ] && ! port_open 127.0.0.1 5672; then
  if command -v rabbitmq-server >/dev/null 2>&1; then
    echo "broker: starting the local RabbitMQ broker"
    rabbitmq-server -detached
    for _ in $(seq 1 60); do port_open 127.0.0.1 5672 && break; sleep 1; done
  fi
  port_open 127.0.0.1 5672 || {
    echo "broker: no RabbitMQ on 127.0.0.1:5672 and RABBITMQ_URI is not set." >&2
    echo "  Install one (apt-get install -y rabbitmq-server), or set RABBITMQ_URI=amqp://user:pass@host:5672/" >&2
    exit 1
  }
fi
echo "broker: ready"
