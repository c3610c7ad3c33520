package dev.aijobs.worker.config;

import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a worker needs, in groups that each hold their defaults ({@code DEFAULTS}) and check
 * their values once, in their constructor, naming the configuration key of a bad value. Load from
 * the environment and a YAML file with {@link ConfigLoader}; start from {@link #defaults()} in
 * code. Immutable and thread-safe.
 *
 * @param amqp the broker connection
 * @param endpoint the metrics and health endpoint, and the latency summary log line
 * @param jobs how many jobs at once, how large, how long
 * @param retry attempts per job and the backoff between them
 * @param chunks how stream chunks are coalesced
 * @param breakers circuit breaker settings
 * @param upstream the HTTP side: event-loop threads and the providers' trust store
 * @param logging log level and format
 * @param providers enabled providers by id
 */
public record WorkerConfig(
    Amqp amqp,
    Endpoint endpoint,
    Jobs jobs,
    Retry retry,
    Chunks chunks,
    Breakers breakers,
    Upstream upstream,
    Logging logging,
    Lanes lanes,
    Map<String, ProviderConfig> providers) {

  /**
   * Longest a job may run, whatever its {@code deadline_ms}: well under RabbitMQ's consumer timeout
   * (30 min by default), past which the broker would close the consuming channel.
   */
  public static final Duration MAX_JOB_TIME = Duration.ofMinutes(25);

  public WorkerConfig {
    Objects.requireNonNull(amqp, "amqp");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(jobs, "jobs");
    Objects.requireNonNull(retry, "retry");
    Objects.requireNonNull(chunks, "chunks");
    Objects.requireNonNull(breakers, "breakers");
    Objects.requireNonNull(upstream, "upstream");
    Objects.requireNonNull(logging, "logging");
    Objects.requireNonNull(lanes, "lanes");
    providers = Collections.unmodifiableMap(new LinkedHashMap<>(providers));
    for (String id : lanes.serve()) {
      if (!providers.containsKey(id)) {
        throw ConfigException.invalid(
            ConfigKeys.SERVE,
            "names provider '"
                + id
                + "', which is not configured (configured: "
                + String.join(", ", providers.keySet())
                + ")");
      }
    }
  }

  /** Every default, no provider. */
  public static WorkerConfig defaults() {
    return new WorkerConfig(
        Amqp.DEFAULTS,
        Endpoint.DEFAULTS,
        Jobs.DEFAULTS,
        Retry.DEFAULTS,
        Chunks.DEFAULTS,
        Breakers.DEFAULTS,
        Upstream.DEFAULTS,
        Logging.DEFAULTS,
        Lanes.DEFAULTS,
        Map.of());
  }

  /** This config with another broker connection. */
  public WorkerConfig withAmqp(Amqp v) {
    return new WorkerConfig(
        v, endpoint, jobs, retry, chunks, breakers, upstream, logging, lanes, providers);
  }

  /** This config with other job settings. */
  public WorkerConfig withJobs(Jobs v) {
    return new WorkerConfig(
        amqp, endpoint, v, retry, chunks, breakers, upstream, logging, lanes, providers);
  }

  /** This config with one provider added or replaced. */
  public WorkerConfig withProvider(ProviderConfig p) {
    Map<String, ProviderConfig> all = new LinkedHashMap<>(providers);
    all.put(p.id(), p);
    return new WorkerConfig(
        amqp, endpoint, jobs, retry, chunks, breakers, upstream, logging, lanes, all);
  }

  /** The providers whose lanes this worker consumes: those of {@link Lanes#serve}, or all. */
  public java.util.Collection<String> servedProviders() {
    return lanes.serve().isEmpty() ? providers.keySet() : lanes.serve();
  }

  /**
   * Provider lanes.
   *
   * @param enabled whether jobs wait in a queue per provider ({@code ai.jobs.lane.<id>}, bound by
   *     the provider id) instead of the one {@code ai.jobs} queue
   * @param serve the providers whose lanes this worker consumes; empty means every configured one
   */
  public record Lanes(boolean enabled, List<String> serve) {
    public static final Lanes DEFAULTS = new Lanes(false, List.of());

    public Lanes {
      serve = List.copyOf(serve);
    }
  }

  /** A trust store file (PKCS12 or JKS) and its password (null when it has none). */
  public record TrustStore(String path, Secret password) {
    public TrustStore {
      Objects.requireNonNull(path, "path");
    }
  }

  /**
   * The broker connection.
   *
   * @param uri credentials, vhost, TLS ({@code amqps://}) and the host when no address list
   * @param addresses cluster node addresses {@code host:port}; empty means the URI's host
   * @param trustStore trust store for {@code amqps://}; null means the JVM's default
   */
  public record Amqp(String uri, List<String> addresses, TrustStore trustStore) {
    public static final Amqp DEFAULTS =
        new Amqp("amqp://guest:guest@localhost:5672/%2F", List.of(), null);

    public Amqp {
      Check.notNull(ConfigKeys.AMQP_URI, uri);
      URI parsed = Check.url(ConfigKeys.AMQP_URI, uri);
      if (!"amqp".equals(parsed.getScheme()) && !"amqps".equals(parsed.getScheme())) {
        throw ConfigException.invalid(ConfigKeys.AMQP_URI, "scheme must be amqp or amqps");
      }
      addresses = List.copyOf(addresses);
      for (String a : addresses) {
        Check.hostPort(ConfigKeys.AMQP_ADDRESSES, a);
      }
    }

    /** Never prints the credentials. */
    @Override
    public String toString() {
      return "Amqp[uri=" + Check.redact(uri) + ", addresses=" + addresses + "]";
    }
  }

  /**
   * The operators' view of a worker.
   *
   * @param host address of the metrics and health endpoint
   * @param port its port; 0 picks a free port
   * @param summaryInterval period of the latency summary log line; zero disables it
   * @param livenessTimeout {@code /health/live} fails once the worker has not been consuming for
   *     this long while not stopping, so that an orchestrator restarts it
   */
  public record Endpoint(
      String host, int port, Duration summaryInterval, Duration livenessTimeout) {
    public static final Endpoint DEFAULTS =
        new Endpoint("0.0.0.0", 9090, Duration.ofSeconds(60), Duration.ofMinutes(2));

    public Endpoint {
      Check.notNull(ConfigKeys.HTTP_HOST, host);
      Check.range(ConfigKeys.HTTP_PORT, port, 0, 65535);
      Check.notNegative(ConfigKeys.SUMMARY_INTERVAL, summaryInterval);
      Check.positive(ConfigKeys.LIVENESS_TIMEOUT, livenessTimeout);
    }
  }

  /**
   * How many jobs at once, how large, how long.
   *
   * @param maxInFlight jobs processed at once by this worker (= consumer prefetch)
   * @param maxBodyBytes largest accepted job body in bytes
   * @param defaultTimeout deadline of jobs without {@code deadline_ms}, from when they are consumed
   * @param drainTimeout how long a stopping worker waits for in-flight jobs before requeueing them
   * @param replyToPattern when set, a job's {@code reply_to} must match it entirely, or the job is
   *     dead-lettered without any reply (keeps results out of queues that are not reply queues)
   * @param maxInFlightBytes job bodies held at once, in bytes: past it, deliveries pause until jobs
   *     finish (memory bounded in bytes, next to the count)
   */
  public record Jobs(
      int maxInFlight,
      int maxBodyBytes,
      Duration defaultTimeout,
      Duration drainTimeout,
      java.util.regex.Pattern replyToPattern,
      long maxInFlightBytes) {
    /**
     * Default byte budget: an eighth of the heap (a job holds its body several times over while it
     * runs: the message, the parsed chat, the request sent), at least 16 MiB.
     */
    public static final long DEFAULT_MAX_IN_FLIGHT_BYTES =
        Math.max(16L << 20, Runtime.getRuntime().maxMemory() / 8);

    public static final Jobs DEFAULTS =
        new Jobs(
            2000,
            1024 * 1024,
            Duration.ofSeconds(120),
            Duration.ofSeconds(30),
            null,
            DEFAULT_MAX_IN_FLIGHT_BYTES);

    public Jobs {
      Check.range(ConfigKeys.MAX_IN_FLIGHT, maxInFlight, 1, 65535);
      if (maxInFlightBytes < 1) {
        throw ConfigException.invalid(ConfigKeys.MAX_IN_FLIGHT_BYTES, "must be > 0");
      }
      Check.range(ConfigKeys.MAX_BODY_BYTES, maxBodyBytes, 1, 64 * 1024 * 1024);
      Check.positive(ConfigKeys.DEFAULT_JOB_TIMEOUT, defaultTimeout);
      Check.notNegative(ConfigKeys.DRAIN_TIMEOUT, drainTimeout);
    }

    /** These settings with another in-flight budget. */
    public Jobs withMaxInFlight(int v) {
      return new Jobs(
          v, maxBodyBytes, defaultTimeout, drainTimeout, replyToPattern, maxInFlightBytes);
    }

    /** Whether results may be published to {@code replyTo}. */
    public boolean allowsReplyTo(String replyTo) {
      return replyToPattern == null || replyToPattern.matcher(replyTo).matches();
    }
  }

  /**
   * Attempts per job and the backoff between retries.
   *
   * @param maxAttempts most provider calls one job may make, across retries, routes and fallbacks
   * @param baseDelay first backoff; doubles per retry (with jitter) up to {@code maxDelay}
   * @param maxDelay longest backoff between retries
   */
  public record Retry(int maxAttempts, Duration baseDelay, Duration maxDelay) {
    public static final Retry DEFAULTS =
        new Retry(6, Duration.ofMillis(250), Duration.ofSeconds(10));

    public Retry {
      Check.range(ConfigKeys.MAX_ATTEMPTS, maxAttempts, 1, 50);
      Check.positive(ConfigKeys.RETRY_BASE_DELAY, baseDelay);
      Check.positive(ConfigKeys.RETRY_MAX_DELAY, maxDelay);
      if (maxDelay.compareTo(baseDelay) < 0) {
        throw ConfigException.invalid(
            ConfigKeys.RETRY_MAX_DELAY, "must be >= " + ConfigKeys.RETRY_BASE_DELAY);
      }
    }
  }

  /**
   * How stream chunks of one job are coalesced.
   *
   * @param interval chunks are published at most this often
   * @param chars a chunk is published early once it holds this many characters
   */
  public record Chunks(Duration interval, int chars) {
    public static final Chunks DEFAULTS = new Chunks(Duration.ofMillis(50), 200);

    public Chunks {
      Check.positive(ConfigKeys.CHUNK_INTERVAL, interval);
      Check.range(ConfigKeys.CHUNK_CHARS, chars, 1, 1_000_000);
    }
  }

  /**
   * Circuit breaker settings, the same for every deployment (provider, model, route) and proxy
   * breaker.
   *
   * @param failureRatePercent failure rate that opens a breaker
   * @param window calls in the sliding window
   * @param minCalls calls needed before the rate is judged
   * @param openDuration how long a breaker that has just opened rejects calls before letting a
   *     probe through; it doubles each time a probe fails
   * @param maxOpenDuration the longest an open breaker waits before its next probe
   */
  public record Breakers(
      int failureRatePercent,
      int window,
      int minCalls,
      Duration openDuration,
      Duration maxOpenDuration) {
    public static final Breakers DEFAULTS =
        new Breakers(50, 20, 10, Duration.ofSeconds(5), Duration.ofSeconds(60));

    public Breakers {
      Check.range(ConfigKeys.BREAKER_FAILURE_RATE, failureRatePercent, 1, 100);
      Check.range(ConfigKeys.BREAKER_WINDOW, window, 1, 10_000);
      Check.range(ConfigKeys.BREAKER_MIN_CALLS, minCalls, 1, 10_000);
      Check.positive(ConfigKeys.BREAKER_OPEN_DURATION, openDuration);
      Check.positive(ConfigKeys.BREAKER_MAX_OPEN_DURATION, maxOpenDuration);
      if (maxOpenDuration.compareTo(openDuration) < 0) {
        throw ConfigException.invalid(
            ConfigKeys.BREAKER_MAX_OPEN_DURATION,
            "must be at least "
                + ConfigKeys.BREAKER_OPEN_DURATION
                + " ("
                + openDuration
                + "), was "
                + maxOpenDuration);
      }
    }
  }

  /**
   * The I/O side.
   *
   * @param ioThreads Netty event-loop threads shared by the HTTP client, AMQP and the endpoint
   * @param trustStore trust store for TLS to providers; null means the JVM's default CAs
   * @param warmUpJobs synthetic jobs run through the job path against a loopback stub at start-up,
   *     before the first real one is taken (0: none)
   */
  public record Upstream(int ioThreads, TrustStore trustStore, int warmUpJobs) {
    /** Enough for the JIT to compile the job path (about 1 to 3 s of a fresh worker's start). */
    public static final int DEFAULT_WARM_UP_JOBS = 10_000;

    public static final Upstream DEFAULTS =
        new Upstream(
            Math.max(2, Runtime.getRuntime().availableProcessors()), null, DEFAULT_WARM_UP_JOBS);

    public Upstream {
      Check.range(ConfigKeys.IO_THREADS, ioThreads, 1, 256);
      Check.range(ConfigKeys.WARM_UP_JOBS, warmUpJobs, 0, 1_000_000);
    }
  }

  /** How the worker logs. */
  public enum LogFormat {
    /** One human-readable line per event. */
    TEXT,
    /** One JSON object per line, for log shippers. */
    JSON
  }

  /**
   * Logging.
   *
   * @param level level of the worker's own loggers: TRACE, DEBUG, INFO, WARN, ERROR or OFF
   * @param format text or JSON lines
   */
  public record Logging(String level, LogFormat format) {
    public static final List<String> LEVELS =
        List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");
    public static final Logging DEFAULTS = new Logging("INFO", LogFormat.TEXT);

    public Logging {
      Check.notNull(ConfigKeys.LOG_LEVEL, level);
      Check.notNull(ConfigKeys.LOG_FORMAT, format);
      level = level.trim().toUpperCase(Locale.ROOT);
      if (!LEVELS.contains(level)) {
        throw ConfigException.invalid(
            ConfigKeys.LOG_LEVEL, "must be one of " + String.join(", ", LEVELS) + ", got " + level);
      }
    }
  }
}
