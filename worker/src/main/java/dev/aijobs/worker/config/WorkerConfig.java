package dev.aijobs.worker.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a worker needs, validated. Build with {@link #builder()}; load from the environment
 * and a YAML file with {@link ConfigLoader}. Immutable and thread-safe.
 */
public final class WorkerConfig {
  public static final String DEFAULT_AMQP_URI = "amqp://guest:guest@localhost:5672/%2F";
  public static final int DEFAULT_MAX_IN_FLIGHT = 2000;
  public static final int DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
  public static final Duration DEFAULT_JOB_TIMEOUT = Duration.ofSeconds(120);
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
  public static final String DEFAULT_HTTP_HOST = "0.0.0.0";
  public static final int DEFAULT_HTTP_PORT = 9090;
  public static final Duration DEFAULT_SUMMARY_INTERVAL = Duration.ofSeconds(60);
  public static final int DEFAULT_MAX_ATTEMPTS = 6;

  /**
   * Longest a job may run, whatever its {@code deadline_ms}: well under RabbitMQ's consumer timeout
   * (30 min by default), past which the broker would close the consuming channel.
   */
  public static final Duration MAX_JOB_TIME = Duration.ofMinutes(25);

  public static final Duration DEFAULT_RETRY_BASE_DELAY = Duration.ofMillis(250);
  public static final Duration DEFAULT_RETRY_MAX_DELAY = Duration.ofSeconds(10);
  public static final Duration DEFAULT_CHUNK_INTERVAL = Duration.ofMillis(50);
  public static final int DEFAULT_CHUNK_CHARS = 200;
  public static final BreakerSettings DEFAULT_BREAKER =
      new BreakerSettings(50, 20, 10, Duration.ofSeconds(30));

  /**
   * Circuit breaker settings, the same for every (provider, route) and proxy breaker.
   *
   * @param failureRatePercent failure rate that opens a breaker
   * @param window calls in the sliding window
   * @param minCalls calls needed before the rate is judged
   * @param openDuration how long an open breaker rejects calls before probing again
   */
  public record BreakerSettings(
      int failureRatePercent, int window, int minCalls, Duration openDuration) {}

  private final String amqpUri;
  private final List<String> amqpAddresses;
  private final String tlsTrustStore;
  private final Secret tlsTrustStorePassword;
  private final String upstreamTrustStore;
  private final Secret upstreamTrustStorePassword;
  private final int maxInFlight;
  private final int maxBodyBytes;
  private final Duration defaultJobTimeout;
  private final Duration drainTimeout;
  private final String httpHost;
  private final int httpPort;
  private final int ioThreads;
  private final Duration summaryInterval;
  private final Map<String, ProviderConfig> providers;
  private final int maxAttempts;
  private final Duration retryBaseDelay;
  private final Duration retryMaxDelay;
  private final Duration chunkInterval;
  private final int chunkChars;
  private final BreakerSettings breaker;

  private WorkerConfig(Builder b) {
    this.breaker = b.breaker;
    this.maxAttempts = b.maxAttempts;
    this.retryBaseDelay = b.retryBaseDelay;
    this.retryMaxDelay = b.retryMaxDelay;
    this.chunkInterval = b.chunkInterval;
    this.chunkChars = b.chunkChars;
    this.amqpUri = b.amqpUri;
    this.amqpAddresses = List.copyOf(b.amqpAddresses);
    this.tlsTrustStore = b.tlsTrustStore;
    this.tlsTrustStorePassword = b.tlsTrustStorePassword;
    this.upstreamTrustStore = b.upstreamTrustStore;
    this.upstreamTrustStorePassword = b.upstreamTrustStorePassword;
    this.maxInFlight = b.maxInFlight;
    this.maxBodyBytes = b.maxBodyBytes;
    this.defaultJobTimeout = b.defaultJobTimeout;
    this.drainTimeout = b.drainTimeout;
    this.httpHost = b.httpHost;
    this.httpPort = b.httpPort;
    this.ioThreads = b.ioThreads;
    this.summaryInterval = b.summaryInterval;
    this.providers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.providers));
  }

  /** A builder with every default set. */
  public static Builder builder() {
    return new Builder();
  }

  /** Broker URI: credentials, vhost, TLS ({@code amqps://}) and the host when no address list. */
  public String amqpUri() {
    return amqpUri;
  }

  /** Cluster node addresses {@code host:port}; empty means the URI's host. */
  public List<String> amqpAddresses() {
    return amqpAddresses;
  }

  /** Trust store (PKCS12 or JKS) for {@code amqps://}; null means the JVM's default. */
  public String tlsTrustStore() {
    return tlsTrustStore;
  }

  /** Password of the trust store, or null. */
  public Secret tlsTrustStorePassword() {
    return tlsTrustStorePassword;
  }

  /** Trust store for TLS to providers; null means the JVM's default CAs. */
  public String upstreamTrustStore() {
    return upstreamTrustStore;
  }

  /** Password of the providers' trust store, or null. */
  public Secret upstreamTrustStorePassword() {
    return upstreamTrustStorePassword;
  }

  /** Jobs processed at once by this worker (= consumer prefetch). */
  public int maxInFlight() {
    return maxInFlight;
  }

  /** Largest accepted job body in bytes. */
  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  /** Deadline applied to jobs without {@code deadline_ms}, from when they are consumed. */
  public Duration defaultJobTimeout() {
    return defaultJobTimeout;
  }

  /** How long a stopping worker waits for in-flight jobs before requeueing them. */
  public Duration drainTimeout() {
    return drainTimeout;
  }

  /** Address of the metrics and health endpoint. */
  public String httpHost() {
    return httpHost;
  }

  /** Port of the metrics and health endpoint; 0 picks a free port. */
  public int httpPort() {
    return httpPort;
  }

  /** Netty I/O threads shared by HTTP client, AMQP and the endpoint. */
  public int ioThreads() {
    return ioThreads;
  }

  /** Interval of the latency summary log line; zero disables it. */
  public Duration summaryInterval() {
    return summaryInterval;
  }

  /** Enabled providers by id. */
  public Map<String, ProviderConfig> providers() {
    return providers;
  }

  /** Most provider calls one job may make, across retries, routes and fallbacks. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** First retry backoff; doubles per retry (with jitter) up to {@link #retryMaxDelay()}. */
  public Duration retryBaseDelay() {
    return retryBaseDelay;
  }

  /** Longest backoff between retries. */
  public Duration retryMaxDelay() {
    return retryMaxDelay;
  }

  /** Stream chunks of one job are published at most this often. */
  public Duration chunkInterval() {
    return chunkInterval;
  }

  /** A stream chunk is published early once it holds this many characters. */
  public int chunkChars() {
    return chunkChars;
  }

  /** Circuit breaker settings. */
  public BreakerSettings breaker() {
    return breaker;
  }

  /** A builder pre-filled with this config's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.amqpUri = amqpUri;
    b.amqpAddresses = amqpAddresses;
    b.tlsTrustStore = tlsTrustStore;
    b.tlsTrustStorePassword = tlsTrustStorePassword;
    b.upstreamTrustStore = upstreamTrustStore;
    b.upstreamTrustStorePassword = upstreamTrustStorePassword;
    b.maxInFlight = maxInFlight;
    b.maxBodyBytes = maxBodyBytes;
    b.defaultJobTimeout = defaultJobTimeout;
    b.drainTimeout = drainTimeout;
    b.httpHost = httpHost;
    b.httpPort = httpPort;
    b.ioThreads = ioThreads;
    b.summaryInterval = summaryInterval;
    b.providers = new LinkedHashMap<>(providers);
    b.maxAttempts = maxAttempts;
    b.retryBaseDelay = retryBaseDelay;
    b.retryMaxDelay = retryMaxDelay;
    b.chunkInterval = chunkInterval;
    b.chunkChars = chunkChars;
    b.breaker = breaker;
    return b;
  }

  /** Builds a {@link WorkerConfig}; {@link #build()} names the field of any bad value. */
  public static final class Builder {
    private String amqpUri = DEFAULT_AMQP_URI;
    private List<String> amqpAddresses = List.of();
    private String tlsTrustStore;
    private Secret tlsTrustStorePassword;
    private String upstreamTrustStore;
    private Secret upstreamTrustStorePassword;
    private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
    private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private Duration defaultJobTimeout = DEFAULT_JOB_TIMEOUT;
    private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
    private String httpHost = DEFAULT_HTTP_HOST;
    private int httpPort = DEFAULT_HTTP_PORT;
    private int ioThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
    private Duration summaryInterval = DEFAULT_SUMMARY_INTERVAL;
    private Map<String, ProviderConfig> providers = new LinkedHashMap<>();
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration retryBaseDelay = DEFAULT_RETRY_BASE_DELAY;
    private Duration retryMaxDelay = DEFAULT_RETRY_MAX_DELAY;
    private Duration chunkInterval = DEFAULT_CHUNK_INTERVAL;
    private int chunkChars = DEFAULT_CHUNK_CHARS;
    private BreakerSettings breaker = DEFAULT_BREAKER;

    private Builder() {}

    public Builder breaker(BreakerSettings v) {
      this.breaker = v;
      return this;
    }

    public Builder maxAttempts(int v) {
      this.maxAttempts = v;
      return this;
    }

    public Builder retryDelays(Duration base, Duration max) {
      this.retryBaseDelay = base;
      this.retryMaxDelay = max;
      return this;
    }

    public Builder chunking(Duration interval, int chars) {
      this.chunkInterval = interval;
      this.chunkChars = chars;
      return this;
    }

    public Builder amqpUri(String v) {
      this.amqpUri = v;
      return this;
    }

    public Builder amqpAddresses(List<String> v) {
      this.amqpAddresses = List.copyOf(v);
      return this;
    }

    public Builder tlsTrustStore(String path, Secret password) {
      this.tlsTrustStore = path;
      this.tlsTrustStorePassword = password;
      return this;
    }

    public Builder upstreamTrustStore(String path, Secret password) {
      this.upstreamTrustStore = path;
      this.upstreamTrustStorePassword = password;
      return this;
    }

    public Builder maxInFlight(int v) {
      this.maxInFlight = v;
      return this;
    }

    public Builder maxBodyBytes(int v) {
      this.maxBodyBytes = v;
      return this;
    }

    public Builder defaultJobTimeout(Duration v) {
      this.defaultJobTimeout = v;
      return this;
    }

    public Builder drainTimeout(Duration v) {
      this.drainTimeout = v;
      return this;
    }

    public Builder httpHost(String v) {
      this.httpHost = v;
      return this;
    }

    public Builder httpPort(int v) {
      this.httpPort = v;
      return this;
    }

    public Builder ioThreads(int v) {
      this.ioThreads = v;
      return this;
    }

    public Builder summaryInterval(Duration v) {
      this.summaryInterval = v;
      return this;
    }

    /** Adds or replaces a provider. */
    public Builder provider(ProviderConfig p) {
      this.providers.put(p.id(), p);
      return this;
    }

    /** Replaces all providers. */
    public Builder providers(Map<String, ProviderConfig> v) {
      this.providers = new LinkedHashMap<>(v);
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException naming the first bad field
     */
    public WorkerConfig build() {
      Objects.requireNonNull(amqpUri, "amqpUri");
      require(maxInFlight > 0 && maxInFlight <= 65535, "maxInFlight must be in 1..65535");
      require(maxBodyBytes > 0, "maxBodyBytes must be > 0");
      require(positive(defaultJobTimeout), "defaultJobTimeout must be > 0");
      require(drainTimeout != null && !drainTimeout.isNegative(), "drainTimeout must be >= 0");
      require(httpPort >= 0 && httpPort <= 65535, "httpPort must be in 0..65535");
      require(ioThreads > 0, "ioThreads must be > 0");
      require(maxAttempts > 0, "maxAttempts must be > 0");
      require(positive(retryBaseDelay), "retryBaseDelay must be > 0");
      require(
          retryMaxDelay != null && retryMaxDelay.compareTo(retryBaseDelay) >= 0,
          "retryMaxDelay must be >= retryBaseDelay");
      require(positive(chunkInterval), "chunkInterval must be > 0");
      require(chunkChars > 0, "chunkChars must be > 0");
      require(
          breaker.failureRatePercent() > 0 && breaker.failureRatePercent() <= 100,
          "breaker failure rate must be in 1..100");
      require(breaker.window() > 0 && breaker.minCalls() > 0, "breaker window must be > 0");
      require(positive(breaker.openDuration()), "breaker open duration must be > 0");
      require(
          summaryInterval != null && !summaryInterval.isNegative(), "summaryInterval must be >= 0");
      return new WorkerConfig(this);
    }

    private static boolean positive(Duration d) {
      return d != null && !d.isNegative() && !d.isZero();
    }

    private static void require(boolean ok, String message) {
      if (!ok) {
        throw new IllegalArgumentException(message);
      }
    }
  }
}
