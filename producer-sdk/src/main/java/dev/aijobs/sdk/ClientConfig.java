package dev.aijobs.sdk;

import dev.aijobs.protocol.JobResult;
import dev.aijobs.protocol.Topology;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The immutable configuration of an {@link AiJobsClient}, made by {@link #builder()}. Every time is
 * a {@link Duration}; {@link Builder#build()} fails with an {@link IllegalArgumentException} naming
 * the field (e.g. {@code "maxInFlight must be > 0"}). Thread-safe.
 */
public final class ClientConfig {
  /** Default broker URI: the local broker, vhost {@code /}. */
  public static final String DEFAULT_URI = "amqp://guest:guest@localhost:5672/%2F";

  /** Default reply mode: a durable reply queue. */
  public static final ReplyMode DEFAULT_REPLY_MODE = ReplyMode.DURABLE_QUEUE;

  /** Default time to wait for a job without a deadline (its deadline is then set to this). */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

  /** Default wait past a job's deadline, so the worker's own deadline answer can arrive. */
  public static final Duration DEFAULT_DEADLINE_GRACE = Duration.ofSeconds(2);

  /** Default bound on jobs in flight (accepted and not yet answered or confirmed). */
  public static final int DEFAULT_MAX_IN_FLIGHT = 10_000;

  /** Default prefetch of the reply consumer. */
  public static final int DEFAULT_REPLY_PREFETCH = 500;

  /** Default time a finished job's id is remembered to drop a duplicate result. */
  public static final Duration DEFAULT_DEDUP_RETENTION = Duration.ofMinutes(10);

  /** Default number of finished job ids remembered at most. */
  public static final int DEFAULT_DEDUP_CAPACITY = 100_000;

  /**
   * Default connection name prefix (the broker shows {@code NAME-publish}, {@code NAME-consume}).
   */
  public static final String DEFAULT_CONNECTION_NAME = "aijobs-sdk";

  /** Default pause between connection recovery attempts. */
  public static final Duration DEFAULT_RECOVERY_INTERVAL = Duration.ofSeconds(1);

  /** Default TCP connection timeout. */
  public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(10);

  /** Default time {@link AiJobsClient#close()} waits for connections and threads to stop. */
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private static final Logger LOG = LoggerFactory.getLogger(ClientConfig.class);
  private static final String METER_REGISTRY_CLASS = "io.micrometer.core.instrument.MeterRegistry";

  private final String uri;
  private final List<String> addresses;
  private final String replyQueue;
  private final ReplyMode replyMode;
  private final String exchange;
  private final Duration defaultTimeout;
  private final Duration deadlineGrace;
  private final int maxInFlight;
  private final int replyPrefetch;
  private final Duration dedupRetention;
  private final int dedupCapacity;
  private final Object meterRegistry;
  private final Consumer<JobResult> unclaimedResultHandler;
  private final String connectionName;
  private final Duration recoveryInterval;
  private final Duration connectionTimeout;
  private final Duration closeTimeout;

  private ClientConfig(Builder b) {
    this.uri = b.uri;
    this.addresses = List.copyOf(b.addresses);
    this.replyQueue = b.replyQueue;
    this.replyMode = b.replyMode;
    this.exchange = b.exchange;
    this.defaultTimeout = b.defaultTimeout;
    this.deadlineGrace = b.deadlineGrace;
    this.maxInFlight = b.maxInFlight;
    this.replyPrefetch = b.replyPrefetch;
    this.dedupRetention = b.dedupRetention;
    this.dedupCapacity = b.dedupCapacity;
    this.meterRegistry = b.meterRegistry;
    this.unclaimedResultHandler = b.unclaimedResultHandler;
    this.connectionName = b.connectionName;
    this.recoveryInterval = b.recoveryInterval;
    this.connectionTimeout = b.connectionTimeout;
    this.closeTimeout = b.closeTimeout;
  }

  /** A builder with every default. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The broker URI (credentials, vhost, TLS with {@code amqps}; host and port unless addresses).
   */
  public String uri() {
    return uri;
  }

  /** Cluster nodes as {@code host[:port]}, tried in order; empty means the URI's host. */
  public List<String> addresses() {
    return addresses;
  }

  /** The durable reply queue's name ({@link ReplyMode#DURABLE_QUEUE}), or null in direct mode. */
  public String replyQueue() {
    return replyQueue;
  }

  /** Where replies come back. */
  public ReplyMode replyMode() {
    return replyMode;
  }

  /** The exchange jobs are published to; {@link Topology#JOBS_EXCHANGE} by default. */
  public String exchange() {
    return exchange;
  }

  /** How long to wait for a job without a deadline; also the deadline the SDK sets on it. */
  public Duration defaultTimeout() {
    return defaultTimeout;
  }

  /** How long past a job's deadline the client still waits for its result. */
  public Duration deadlineGrace() {
    return deadlineGrace;
  }

  /** The bound on jobs in flight; submits beyond it fail at once. */
  public int maxInFlight() {
    return maxInFlight;
  }

  /** Unacknowledged replies the broker may push to the client at once. */
  public int replyPrefetch() {
    return replyPrefetch;
  }

  /** How long a finished job's id is remembered to drop a duplicate result. */
  public Duration dedupRetention() {
    return dedupRetention;
  }

  /** How many finished job ids are remembered at most (oldest forgotten first). */
  public int dedupCapacity() {
    return dedupCapacity;
  }

  /** The Micrometer {@code MeterRegistry}, if one was given. */
  public Optional<Object> meterRegistry() {
    return Optional.ofNullable(meterRegistry);
  }

  /** Receives results no pending future is waiting for. */
  public Consumer<JobResult> unclaimedResultHandler() {
    return unclaimedResultHandler;
  }

  /** The connection name prefix shown by the broker. */
  public String connectionName() {
    return connectionName;
  }

  /** Pause between connection recovery attempts. */
  public Duration recoveryInterval() {
    return recoveryInterval;
  }

  /** TCP connection timeout. */
  public Duration connectionTimeout() {
    return connectionTimeout;
  }

  /** How long {@link AiJobsClient#close()} waits for connections and threads to stop. */
  public Duration closeTimeout() {
    return closeTimeout;
  }

  /** Never prints the password. */
  @Override
  public String toString() {
    return "ClientConfig[uri="
        + maskPassword(uri)
        + ", addresses="
        + addresses
        + ", replyMode="
        + replyMode
        + ", replyQueue="
        + replyQueue
        + ", exchange="
        + exchange
        + ", defaultTimeout="
        + defaultTimeout
        + ", maxInFlight="
        + maxInFlight
        + ", connectionName="
        + connectionName
        + "]";
  }

  static String maskPassword(String uri) {
    int at = uri.indexOf('@');
    int scheme = uri.indexOf("://");
    if (at < 0 || scheme < 0 || at < scheme) {
      return uri;
    }
    int colon = uri.indexOf(':', scheme + 3);
    if (colon < 0 || colon > at) {
      return uri;
    }
    return uri.substring(0, colon + 1) + "****" + uri.substring(at);
  }

  private static void logUnclaimed(JobResult result) {
    LOG.info("unclaimed result for job {} ({}), dropped", result.id(), result.status());
  }

  /** Builds a {@link ClientConfig}. Not thread-safe. */
  public static final class Builder {
    private String uri = DEFAULT_URI;
    private List<String> addresses = List.of();
    private String replyQueue;
    private ReplyMode replyMode = DEFAULT_REPLY_MODE;
    private String exchange = Topology.JOBS_EXCHANGE;
    private Duration defaultTimeout = DEFAULT_TIMEOUT;
    private Duration deadlineGrace = DEFAULT_DEADLINE_GRACE;
    private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
    private int replyPrefetch = DEFAULT_REPLY_PREFETCH;
    private Duration dedupRetention = DEFAULT_DEDUP_RETENTION;
    private int dedupCapacity = DEFAULT_DEDUP_CAPACITY;
    private Object meterRegistry;
    private Consumer<JobResult> unclaimedResultHandler = ClientConfig::logUnclaimed;
    private String connectionName = DEFAULT_CONNECTION_NAME;
    private Duration recoveryInterval = DEFAULT_RECOVERY_INTERVAL;
    private Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
    private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;

    private Builder() {}

    /**
     * The broker URI: credentials, vhost and TLS ({@code amqps}), and the host unless {@link
     * #addresses(List)} is set. Default {@code amqp://guest:guest@localhost:5672/%2F}.
     */
    public Builder uri(String uri) {
      this.uri = uri;
      return this;
    }

    /**
     * Cluster nodes as {@code host[:port]}, tried in order on connect and recovery; credentials,
     * vhost and TLS still come from {@link #uri(String)}. Default: none (the URI's host).
     */
    public Builder addresses(List<String> addresses) {
      this.addresses = addresses;
      return this;
    }

    /**
     * The stable name of this client's durable reply queue; required with {@link
     * ReplyMode#DURABLE_QUEUE}. Give each client instance its own name (e.g. {@code bot-1.replies})
     * and keep it across restarts: results published while the bot is down wait there. Two live
     * clients on one queue would take each other's results.
     */
    public Builder replyQueue(String replyQueue) {
      this.replyQueue = replyQueue;
      return this;
    }

    /** Where replies come back; default {@link ReplyMode#DURABLE_QUEUE}. */
    public Builder replyMode(ReplyMode replyMode) {
      this.replyMode = replyMode;
      return this;
    }

    /**
     * The exchange jobs are published to (declared as a durable topic exchange); default {@code
     * ai.jobs}. Change it only when operators route jobs through another exchange.
     */
    public Builder exchange(String exchange) {
      this.exchange = exchange;
      return this;
    }

    /**
     * How long to wait for a job that has no deadline; the SDK then publishes it with {@code
     * deadline_ms} = now + this, so the worker stops when the client stops waiting. Default 120 s.
     */
    public Builder defaultTimeout(Duration defaultTimeout) {
      this.defaultTimeout = defaultTimeout;
      return this;
    }

    /**
     * How long past a job's deadline the client still waits, so that the worker's {@code
     * deadline_exceeded} answer (which says more than a local timeout) can arrive. Default 2 s.
     */
    public Builder deadlineGrace(Duration deadlineGrace) {
      this.deadlineGrace = deadlineGrace;
      return this;
    }

    /**
     * The most jobs in flight at once (accepted, and not yet answered, or confirmed for {@link
     * AiJobsClient#publish}); it bounds memory and the confirm window. A job beyond it fails at
     * once with {@link PublishException.Reason#IN_FLIGHT_LIMIT} rather than waiting: no thread ever
     * blocks, and the caller decides whether to retry later. Default 10,000.
     */
    public Builder maxInFlight(int maxInFlight) {
      this.maxInFlight = maxInFlight;
      return this;
    }

    /** Unacknowledged replies the broker may push at once; default 500. */
    public Builder replyPrefetch(int replyPrefetch) {
      this.replyPrefetch = replyPrefetch;
      return this;
    }

    /**
     * How long a finished job's id is remembered, to deliver a result that arrives twice (after a
     * redelivery) only once; keep it above your longest deadline. Default 10 min.
     */
    public Builder dedupRetention(Duration dedupRetention) {
      this.dedupRetention = dedupRetention;
      return this;
    }

    /** The most finished job ids remembered (oldest forgotten first); default 100,000. */
    public Builder dedupCapacity(int dedupCapacity) {
      this.dedupCapacity = dedupCapacity;
      return this;
    }

    /**
     * A Micrometer {@code io.micrometer.core.instrument.MeterRegistry} for the client's metrics
     * ({@code aijobs.sdk.*}). Typed as {@code Object} so that Micrometer stays optional: without a
     * registry the SDK never loads a Micrometer class. Default: none.
     */
    public Builder meterRegistry(Object meterRegistry) {
      this.meterRegistry = meterRegistry;
      return this;
    }

    /**
     * Receives results that no pending future waits for: results of jobs submitted before a
     * restart, of jobs published with {@link AiJobsClient#publish}, and results arriving after
     * their job timed out. Called on the client's dispatch thread: return quickly, never block.
     * Default: log at INFO and drop.
     */
    public Builder unclaimedResultHandler(Consumer<JobResult> handler) {
      this.unclaimedResultHandler = handler;
      return this;
    }

    /** The connection name prefix shown by the broker; default {@code aijobs-sdk}. */
    public Builder connectionName(String connectionName) {
      this.connectionName = connectionName;
      return this;
    }

    /** Pause between connection recovery attempts; default 1 s. */
    public Builder recoveryInterval(Duration recoveryInterval) {
      this.recoveryInterval = recoveryInterval;
      return this;
    }

    /** TCP connection timeout; default 10 s. */
    public Builder connectionTimeout(Duration connectionTimeout) {
      this.connectionTimeout = connectionTimeout;
      return this;
    }

    /** How long {@code close()} waits for connections and threads to stop; default 5 s. */
    public Builder closeTimeout(Duration closeTimeout) {
      this.closeTimeout = closeTimeout;
      return this;
    }

    /**
     * Checks every field and builds the config.
     *
     * @throws IllegalArgumentException naming the first bad field
     */
    public ClientConfig build() {
      requireText("uri", uri);
      checkUri();
      require(addresses != null, "addresses must not be null");
      for (int i = 0; i < addresses.size(); i++) {
        requireText("addresses[" + i + "]", addresses.get(i));
      }
      require(replyMode != null, "replyMode must not be null");
      if (replyMode == ReplyMode.DURABLE_QUEUE) {
        require(
            replyQueue != null && !replyQueue.isBlank(),
            "replyQueue is required with replyMode DURABLE_QUEUE: name the durable queue results"
                + " come back to");
        require(
            !replyQueue.startsWith("amq."),
            "replyQueue must not start with 'amq.' (reserved by the broker)");
      }
      requireText("exchange", exchange);
      requirePositive("defaultTimeout", defaultTimeout);
      require(deadlineGrace != null && !deadlineGrace.isNegative(), "deadlineGrace must be >= 0");
      require(maxInFlight > 0, "maxInFlight must be > 0");
      require(replyPrefetch > 0 && replyPrefetch <= 65_535, "replyPrefetch must be in 1..65535");
      requirePositive("dedupRetention", dedupRetention);
      require(dedupCapacity > 0, "dedupCapacity must be > 0");
      require(unclaimedResultHandler != null, "unclaimedResultHandler must not be null");
      requireText("connectionName", connectionName);
      requirePositive("recoveryInterval", recoveryInterval);
      requirePositive("connectionTimeout", connectionTimeout);
      requirePositive("closeTimeout", closeTimeout);
      checkMeterRegistry();
      return new ClientConfig(this);
    }

    private void checkUri() {
      URI parsed;
      try {
        parsed = new URI(uri);
      } catch (java.net.URISyntaxException e) {
        throw new IllegalArgumentException("uri is not a valid URI: " + e.getReason(), e);
      }
      String scheme = parsed.getScheme();
      require(
          "amqp".equalsIgnoreCase(scheme) || "amqps".equalsIgnoreCase(scheme),
          "uri must start with amqp:// or amqps://");
    }

    private void checkMeterRegistry() {
      if (meterRegistry == null) {
        return;
      }
      // By name, so that no Micrometer class is loaded here.
      for (Class<?> c = meterRegistry.getClass(); c != null; c = c.getSuperclass()) {
        if (c.getName().equals(METER_REGISTRY_CLASS)) {
          return;
        }
      }
      throw new IllegalArgumentException(
          "meterRegistry must be a " + METER_REGISTRY_CLASS + ", got " + meterRegistry.getClass());
    }

    private static void requireText(String field, String value) {
      require(value != null && !value.isBlank(), field + " must be a non-blank string");
    }

    private static void requirePositive(String field, Duration value) {
      require(value != null && !value.isNegative() && !value.isZero(), field + " must be > 0");
    }

    private static void require(boolean ok, String message) {
      if (!ok) {
        throw new IllegalArgumentException(message);
      }
    }
  }
}
