#!/usr/bin/env bash
# Makes sure what the integration tests need is installed and running on this machine (root, as on
# CI: missing Debian packages are installed): a RabbitMQ broker, two dante SOCKS5 servers,
# promtool and docker-compose for the ops files, and aio-pika for the Python example.
set -euo pipefail

bash "$(dirname "$0")/broker.sh"

# A real SOCKS5 server (dante) on loopback for the proxy integration tests.
bash "$(dirname "$0")/dante.sh"

# Tools that check the ops files (OpsFilesIT): promtool (Debian package prometheus) and
# docker-compose (validates docker-compose.yml; no Docker engine needed). Installed only when
# missing. The prometheus package would start a server on :9090 where services are allowed to
# start; stop that one, since workers in the tests use that port.
if ! command -v promtool >/dev/null 2>&1 || ! command -v docker-compose >/dev/null 2>&1; then
  echo "test-setup: installing promtool and docker-compose"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends prometheus docker-compose >/dev/null 2>&1 || {
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends prometheus docker-compose >/dev/null
  }
  if [ -f /run/prometheus.pid ] || pidof prometheus >/dev/null 2>&1; then
    (service prometheus stop || invoke-rc.d prometheus stop) >/dev/null 2>&1 || true
  fi
fi
echo "test-setup: $(promtool --version 2>&1 | head -1); $(docker-compose version --short 2>/dev/null || echo 'docker-compose ?')"

# aio-pika for the Python asyncio example's test (examples/python, PythonExampleIT). Debian's
# package installs for /usr/bin/python3, which the test calls explicitly.
if ! /usr/bin/python3 -c 'import aio_pika' >/dev/null 2>&1; then
  echo "test-setup: installing python3-aio-pika"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q python3-aio-pika >/dev/null 2>&1 || {
    apt-get update -q >/dev/null && apt-get install -y -q python3-aio-pika >/dev/null
  }
fi
/usr/bin/python3 -c 'import aio_pika' || {
  echo "test-setup: aio-pika is missing for /usr/bin/python3: run apt-get install -y python3-aio-pika" >&2
  exit 1
}
echo "test-setup: python3-aio-pika ready"
