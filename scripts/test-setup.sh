#!/usr/bin/env bash
# Makes sure what the integration tests need is installed and running on this machine (root, as on
# CI: missing Debian packages are installed): a RabbitMQ broker, two dante SOCKS5 servers,
# promtool and docker-compose for the ops files, and the Python packages for the Python example
# and the aijobs package's tests.
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

# Python for the asyncio example and the aijobs package (examples/python, clients/python;
# PythonExampleIT, PythonPackageIT): aio-pika, pytest with pytest-asyncio, and setuptools, wheel
# and pip to build the wheel offline. Debian's packages install for /usr/bin/python3, which the
# tests call explicitly. Installed only when missing.
PY_PACKAGES="python3-aio-pika python3-pytest python3-pytest-asyncio python3-setuptools python3-wheel python3-pip"
PY_IMPORTS='import aio_pika, pytest, pytest_asyncio, setuptools, wheel, pip'
if ! /usr/bin/python3 -c "$PY_IMPORTS" >/dev/null 2>&1; then
  echo "test-setup: installing $PY_PACKAGES"
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086
  apt-get install -y -q $PY_PACKAGES >/dev/null 2>&1 || {
    apt-get update -q >/dev/null && apt-get install -y -q $PY_PACKAGES >/dev/null
  }
fi
/usr/bin/python3 -c "$PY_IMPORTS" || {
  echo "test-setup: Python test packages are missing for /usr/bin/python3: run apt-get install -y $PY_PACKAGES" >&2
  exit 1
}
echo "test-setup: python3-aio-pika, pytest, pytest-asyncio, setuptools, wheel and pip ready"
