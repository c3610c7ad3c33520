package dev.aijobs.worker.config;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One OpenAI-compatible provider: where it is, how to authenticate, how to reach it. Immutable.
 *
 * @param id provider id used as the job's {@code provider} and the routing key
 * @param baseUrl base URL ending before {@code /chat/completions}, e.g. {@code
 *     https://api.openai.com/v1}
 * @param apiKey bearer token, or null for providers without auth (local mocks)
 * @param mode direct or through a proxy
 * @param proxy the proxy when mode is not direct, else null
 * @param fallbackToDirect whether a proxy failure may be retried direct
 * @param maxConcurrency most calls in flight to this provider at once
 * @param connectTimeout TCP (and proxy) connect timeout
 * @param timeout longest one attempt may take (the job's deadline may cut it shorter)
 */
public record ProviderConfig(
    String id,
    URI baseUrl,
    Secret apiKey,
    ConnectionMode mode,
    ProxySettings proxy,
    boolean fallbackToDirect,
    int maxConcurrency,
    Duration connectTimeout,
    Duration timeout) {

  public static final int DEFAULT_MAX_CONCURRENCY = 1024;
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

  public ProviderConfig {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(baseUrl, "baseUrl");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(timeout, "timeout");
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "provider id '" + id + "' must match [a-z0-9][a-z0-9_-]* (lower case)");
    }
    if (mode != ConnectionMode.DIRECT && proxy == null) {
      throw new IllegalArgumentException(
          "provider " + id + ": mode " + mode + " needs a proxy URL");
    }
    if (maxConcurrency <= 0) {
      throw new IllegalArgumentException("provider " + id + ": maxConcurrency must be > 0");
    }
  }

  /** The chat-completions endpoint. */
  public String chatCompletionsUrl() {
    String base = baseUrl.toString();
    return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/chat/completions";
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
        + baseUrl
        + ", mode="
        + mode.name().toLowerCase(Locale.ROOT)
        + (proxy != null ? ", proxy=" + proxy : "")
        + ", apiKey="
        + (apiKey == null ? "none" : apiKey.masked())
        + ", maxConcurrency="
        + maxConcurrency
        + "]";
  }
}
