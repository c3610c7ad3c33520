#!/usr/bin/env bash
# Makes sure what the integration tests need is running on this machine:
# a RabbitMQ broker on 127.0.0.1:5672 (unless RABBITMQ_URI points elsewhere).
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

if [ -z "${RABBITMQ_URI:-}" ] && ! port_open 127.0.0.1 5672; then
  if command -v rabbitmq-server >/dev/null 2>&1; then
    echo "test-setup: starting the local RabbitMQ broker"
    rabbitmq-server -detached
    for _ in $(seq 1 60); do port_open 127.0.0.1 5672 && break; sleep 1; done
  fi
  port_open 127.0.0.1 5672 || {
    echo "test-setup: no RabbitMQ on 127.0.0.1:5672 and RABBITMQ_URI is not set." >&2
    echo "  Install one (apt-get install -y rabbitmq-server), or set RABBITMQ_URI=amqp://user:pass@host:5672/" >&2
    exit 1
  }
fi
echo "test-setup: broker ready"

# A real SOCKS5 server (dante) on loopback for the proxy integration tests.
bash "$(dirname "$0")/dante.sh"

# aio-pika for the Python asyncio example's test (examples/python, PythonExampleIT). Debian's
# package installs for /usr/bin/python3, which the test calls explicitly.
if ! /usr/bin/python3 -c 'import aio_pika' >/dev/null 2>&1; then
  echo "test-setup: installing python3-aio-pika"
  apt-get install -y python3-aio-pika >/dev/null || {
    apt-get update >/dev/null && apt-get install -y python3-aio-pika >/dev/null
  }
fi
/usr/bin/python3 -c 'import aio_pika' || {
  echo "test-setup: aio-pika is missing for /usr/bin/python3: run apt-get install -y python3-aio-pika" >&2
  exit 1
}
echo "test-setup: python3-aio-pika ready"
