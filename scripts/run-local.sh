#!/usr/bin/env bash
# Runs the system on this machine without Docker: the mock OpenAI-compatible upstream and one
# worker against the local RabbitMQ (started if it is installed but not running).
# Builds the jars first when they are missing. Ctrl-C stops both. The worker runs through its
# launcher (worker/bin/aijobs-worker: measured JVM defaults, JAVA_OPTS adds to them).
#
#   MOCK_PORT=8089 MOCK_LATENCY_MS=0 AIJOBS_HTTP_PORT=9090 scripts/run-local.sh
#
# Any AIJOBS_* or provider variable in the environment is passed to the worker, so real providers
# can be added (e.g. OPENROUTER_API_KEY=...).
set -euo pipefail
cd "$(dirname "$0")/.."

MOCK_PORT="${MOCK_PORT:-8089}"
MOCK_LATENCY_MS="${MOCK_LATENCY_MS:-0}"
WORKER_JAR=worker/target/aijobs-worker.jar
MOCK_JAR=testkit/target/aijobs-mock-upstream.jar

bash scripts/broker.sh >/dev/null

if [ ! -f "$WORKER_JAR" ] || [ ! -f "$MOCK_JAR" ]; then
  echo "run-local: building (first run only)..."
  ./mvnw -B -q -DskipTests package
fi

java -jar "$MOCK_JAR" --port "$MOCK_PORT" --latency-ms "$MOCK_LATENCY_MS" &
MOCK_PID=$!
trap 'kill "$MOCK_PID" 2>/dev/null || true; wait "$MOCK_PID" 2>/dev/null || true' EXIT

export AIJOBS_PROVIDER_MOCK_BASE_URL="${AIJOBS_PROVIDER_MOCK_BASE_URL:-http://127.0.0.1:${MOCK_PORT}/v1}"
export AIJOBS_HTTP_HOST="${AIJOBS_HTTP_HOST:-127.0.0.1}"
echo "run-local: worker with provider 'mock' -> $AIJOBS_PROVIDER_MOCK_BASE_URL"
echo "run-local: try  /usr/bin/python3 examples/python/publish_job.py --provider mock --model demo --prompt hi"
worker/bin/aijobs-worker &
WORKER_PID=$!
trap 'kill "$WORKER_PID" 2>/dev/null || true; wait "$WORKER_PID" 2>/dev/null || true; kill "$MOCK_PID" 2>/dev/null || true; wait "$MOCK_PID" 2>/dev/null || true' EXIT INT TERM
wait "$WORKER_PID"
