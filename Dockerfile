# syntax=docker/dockerfile:1
# Images of aijobs, built from this repository:
#   docker build --target worker -t aijobs-worker .           the worker (default target: last stage)
#   docker build --target mock-upstream -t aijobs-mock .      mock OpenAI-compatible upstream (demo)
#   docker build --target socks5 -t aijobs-socks5 .           dante SOCKS5 proxy (demo)
# docker-compose.yml builds all three.

FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
# Every module of the root POM (DockerfileIT checks the list and builds a copy of this context).
COPY producer-sdk/ producer-sdk/
COPY testkit/ testkit/
COPY worker/ worker/
COPY bench/ bench/
# The test suites need a broker and proxies: they run in CI (.ci/run), not in the image build.
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -q -DskipTests -Dspotless.skip=true package

# Demo only: the testkit's mock upstream (latency, SSE streams, faults driven by the model name).
FROM eclipse-temurin:17-jre AS mock-upstream
RUN useradd --system --uid 10002 --no-create-home --shell /usr/sbin/nologin mock
COPY --from=build /src/testkit/target/aijobs-mock-upstream.jar /app/aijobs-mock-upstream.jar
USER 10002
EXPOSE 8089
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=50", "-XX:TieredStopAtLevel=1", "-jar", "/app/aijobs-mock-upstream.jar"]
CMD ["--port", "8089", "--host", "0.0.0.0"]

# Demo only: a SOCKS5 proxy (Debian's dante-server), config in ops/socks5/danted.conf.
FROM debian:bookworm-slim AS socks5
RUN apt-get update \
    && apt-get install -y --no-install-recommends dante-server \
    && rm -rf /var/lib/apt/lists/*
COPY ops/socks5/danted.conf /etc/danted.conf
EXPOSE 1080
# danted starts as root to bind and drops to 'nobody' for client traffic (user.unprivileged).
ENTRYPOINT ["danted", "-f", "/etc/danted.conf"]

# The worker: one runnable jar and its launcher, non-root, sized by the container's memory limit.
FROM eclipse-temurin:17-jre AS worker
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin aijobs
COPY --from=build /src/worker/target/aijobs-worker.jar /app/aijobs-worker.jar
COPY --from=build /src/worker/bin/aijobs-worker /app/bin/aijobs-worker
USER 10001
WORKDIR /app
EXPOSE 9090
# The launcher's JVM defaults (heap 75% of the container limit, Serial GC with a 256 MB young
# generation when the heap holds it, exit on OOM so the orchestrator restarts the worker and its
# unacked jobs return to ai.jobs); JAVA_OPTS adds to them.
# It execs java, so java is PID 1 and receives SIGTERM itself (drain, requeue, close, exit 0).
# Arguments pass through: `docker run aijobs-worker queues stats --uri ...` runs the queue tool.
ENTRYPOINT ["/app/bin/aijobs-worker"]
