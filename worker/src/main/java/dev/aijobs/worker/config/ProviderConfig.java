package dev.aijobs.worker.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One OpenAI-compatible provider: where it is, how to authenticate, how to reach it, and its limits
 * and clocks. Immutable; build with {@link #builder(String, URI)}.
 *
 * @param id provider id used as the job's {@code provider} and the routing key
 * @param baseUrl base URL ending before {@code /chat/completions}
 * @param apiKeys bearer tokens, rotated across attempts; empty for providers without auth
 * @param mode direct or through a proxy
 * @param proxy the proxy when mode is not direct, else null
 * @param fallbackToDirect whether a proxy-layer failure switches the attempt to direct
 * @param maxConcurrency most calls in flight to this provider at once (bulkhead)
 * @param rateLimit most calls per second, 0 for no limit
 * @param maxRetries retries of one (provider, model) after retryable failures, before the next
 *     fallback
 * @param connectTimeout TCP connect plus proxy handshake
 * @param firstDataTimeout from the start of an attempt to the first data (stream: first data event;
 *     SSE comments do not count)
 * @param idleTimeout longest gap between data events of a stream
 * @param timeout longest one non-streaming attempt may take (the deadline may cut it shorter)
 * @param streamUsage whether streamed calls ask for usage ({@code stream_options.include_usage});
 *     off for servers that reject the field
 * @param authHeader the header that carries the API key: {@code Authorization} (as {@code Bearer
 *     KEY}, the default) or another name that carries the key as it is (Azure OpenAI: {@code
 *     api-key})
 * @param headers extra request headers (OpenRouter's {@code HTTP-Referer} and {@code X-Title},
 *     gateway headers), sent on every call
 * @param maxInFlight with lanes: most of this provider's jobs one worker holds (its lane's prefetch
 *     ceiling); 0 means the worker's {@code AIJOBS_MAX_IN_FLIGHT}
 * @param minInFlight with lanes: the floor the lane's adaptive limit never goes below; 0 means a
 *     tenth of the ceiling (at least 1)
 */
public record ProviderConfig(
    String id,
    URI baseUrl,
    List<Secret> apiKeys,
    ConnectionMode mode,
    ProxySettings proxy,
    boolean fallbackToDirect,
    int maxConcurrency,
    double rateLimit,
    int maxRetries,
    Duration connectTimeout,
    Duration firstDataTimeout,
    Duration idleTimeout,
    Duration timeout,
    boolean streamUsage,
    String authHeader,
    Map<String, String> headers,
    int maxInFlight,
    int minInFlight) {

  public static final int DEFAULT_MAX_CONCURRENCY = 4096;
  public static final int DEFAULT_MAX_RETRIES = 2;
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_FIRST_DATA_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);
  public static final String DEFAULT_AUTH_HEADER = "Authorization";

  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

  public ProviderConfig {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(baseUrl, "baseUrl");
    Objects.requireNonNull(mode, "mode");
    apiKeys = List.copyOf(apiKeys == null ? List.of() : apiKeys);
    authHeader = authHeader == null || authHeader.isBlank() ? DEFAULT_AUTH_HEADER : authHeader;
    headers =
        java.util.Collections.unmodifiableMap(
            new java.util.LinkedHashMap<>(headers == null ? Map.of() : headers));
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "provider id '" + id + "' must match [a-z0-9][a-z0-9_-]* (lower case)");
    }
    if (mode != ConnectionMode.DIRECT && proxy == null) {
      throw new IllegalArgumentException(
          "provider " + id + ": mode " + mode + " needs a proxy URL");
    }
    require(maxConcurrency > 0, "maxConcurrency must be > 0");
    require(rateLimit >= 0, "rateLimit must be >= 0");
    require(maxRetries >= 0, "maxRetries must be >= 0");
    require(maxInFlight >= 0 && minInFlight >= 0, "in-flight bounds must be >= 0");
    require(
        maxInFlight == 0 || minInFlight <= maxInFlight, "MIN_IN_FLIGHT must be <= MAX_IN_FLIGHT");
    for (Duration d : new Duration[] {connectTimeout, firstDataTimeout, idleTimeout, timeout}) {
      require(d != null && !d.isNegative() && !d.isZero(), "timeouts must be > 0");
    }
  }

  private void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException("provider " + id + ": " + message);
    }
  }

  /** The lane's prefetch ceiling: {@link #maxInFlight}, or {@code workerMax} when unset. */
  public int laneMax(int workerMax) {
    return maxInFlight > 0 ? maxInFlight : workerMax;
  }

  /** The lane's adaptive floor: {@link #minInFlight}, or a tenth of the ceiling (at least 1). */
  public int laneMin(int workerMax) {
    int max = laneMax(workerMax);
    return Math.min(max, minInFlight > 0 ? minInFlight : Math.max(1, max / 10));
  }

  /** A builder with every default set. */
  public static Builder builder(String id, URI baseUrl) {
    return new Builder(id, baseUrl);
  }

  /**
   * The chat-completions endpoint: {@code /chat/completions} appended to the base URL's path, its
   * query string (Azure's {@code api-version}) kept.
   */
  public String chatCompletionsUrl() {
    String base = baseUrl.toString();
    String query = "";
    int q = base.indexOf('?');
    if (q >= 0) {
      query = base.substring(q);
      base = base.substring(0, q);
    }
    return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base)
        + "/chat/completions"
        + query;
  }

  /** The value of {@link #authHeader()} for {@code key}. */
  public String authValue(Secret key) {
    return authHeader.equalsIgnoreCase(DEFAULT_AUTH_HEADER)
        ? "Bearer " + key.reveal()
        : key.reveal();
  }

  /** Whether this provider is reached through a proxy first. */
  public boolean usesProxy() {
    return mode != ConnectionMode.DIRECT;
  }

  /**
   * Normalises an id as written in an environment variable name ({@code MY_LLM} → {@code my_llm}).
   */
  public static String idFromEnv(String envId) {
    return envId.toLowerCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return id
        + "["
        + baseUrl.getScheme()
        + "://"
        + baseUrl.getHost()
        + (baseUrl.getPort() < 0 ? "" : ":" + baseUrl.getPort())
        + (baseUrl.getPath() == null ? "" : baseUrl.getPath())
        + ", mode="
        + mode.name().toLowerCase(Locale.ROOT)
        + (proxy != null ? ", proxy=" + proxy + ", fallbackToDirect=" + fallbackToDirect : "")
        + ", apiKeys="
        + apiKeys
        + ", maxConcurrency="
        + maxConcurrency
        + (headers.isEmpty() ? "" : ", headers=" + headers.keySet())
        + (rateLimit > 0 ? ", rateLimit=" + rateLimit + "/s" : "")
        + "]";
  }

  /** Builds a {@link ProviderConfig}. */
  public static final class Builder {
    private final String id;
    private final URI baseUrl;
    private List<Secret> apiKeys = List.of();
    private ConnectionMode mode = ConnectionMode.DIRECT;
    private ProxySettings proxy;
    private boolean fallbackToDirect = true;
    private int maxConcurrency = DEFAULT_MAX_CONCURRENCY;
    private double rateLimit;
    private int maxRetries = DEFAULT_MAX_RETRIES;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration firstDataTimeout = DEFAULT_FIRST_DATA_TIMEOUT;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private Duration timeout = DEFAULT_TIMEOUT;
    private boolean streamUsage = true;
    private String authHeader = DEFAULT_AUTH_HEADER;
    private Map<String, String> headers = Map.of();
    private int maxInFlight;
    private int minInFlight;

    private Builder(String id, URI baseUrl) {
      this.id = id;
      this.baseUrl = baseUrl;
    }

    public Builder apiKeys(List<Secret> v) {
      this.apiKeys = v;
      return this;
    }

    /** Mode and proxy together (proxy null for direct). */
    public Builder route(ConnectionMode mode, ProxySettings proxy) {
      this.mode = mode;
      this.proxy = proxy;
      return this;
    }

    public Builder fallbackToDirect(boolean v) {
      this.fallbackToDirect = v;
      return this;
    }

    public Builder maxConcurrency(int v) {
      this.maxConcurrency = v;
      return this;
    }

    public Builder rateLimit(double v) {
      this.rateLimit = v;
      return this;
    }

    public Builder maxRetries(int v) {
      this.maxRetries = v;
      return this;
    }

    public Builder connectTimeout(Duration v) {
      this.connectTimeout = v;
      return this;
    }

    public Builder firstDataTimeout(Duration v) {
      this.firstDataTimeout = v;
      return this;
    }

    public Builder idleTimeout(Duration v) {
      this.idleTimeout = v;
      return this;
    }

    public Builder timeout(Duration v) {
      this.timeout = v;
      return this;
    }

    public Builder streamUsage(boolean v) {
      this.streamUsage = v;
      return this;
    }

    public Builder authHeader(String v) {
      this.authHeader = v;
      return this;
    }

    public Builder headers(Map<String, String> v) {
      this.headers = v;
      return this;
    }

    /** Lane bounds (0: derived from the worker's {@code AIJOBS_MAX_IN_FLIGHT}). */
    public Builder inFlight(int min, int max) {
      this.minInFlight = min;
      this.maxInFlight = max;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException naming the provider and the field
     */
    public ProviderConfig build() {
      return new ProviderConfig(
          id,
          baseUrl,
          apiKeys,
          mode,
          proxy,
          fallbackToDirect,
          maxConcurrency,
          rateLimit,
          maxRetries,
          connectTimeout,
          firstDataTimeout,
          idleTimeout,
          timeout,
          streamUsage,
          authHeader,
          headers,
          maxInFlight,
          minInFlight);
    }
  }
}
