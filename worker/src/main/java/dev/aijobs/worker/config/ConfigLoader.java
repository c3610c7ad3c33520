package dev.aijobs.worker.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Loads a {@link WorkerConfig} from layered sources: system properties, then the environment, then
 * the YAML file named by {@code AIJOBS_CONFIG_FILE}, then defaults. Unknown {@code AIJOBS_} keys
 * and bad values stop start-up with a {@link ConfigException} naming the key.
 */
public final class ConfigLoader {
  private ConfigLoader() {}

  /** Loads from this process's system properties, environment and config file. */
  public static WorkerConfig fromProcess() {
    return load(
        ConfigSource.layered(List.of(ConfigSource.systemProperties(), ConfigSource.environment())));
  }

  /** Loads from the given source plus the config file it names, if any. */
  public static WorkerConfig load(ConfigSource base) {
    ConfigSource all = base;
    Optional<String> file = base.get(ConfigKeys.CONFIG_FILE).filter(s -> !s.isBlank());
    if (file.isPresent()) {
      all = ConfigSource.layered(List.of(base, YamlConfigFile.load(Path.of(file.get()))));
    }
    ConfigValues v = new ConfigValues(all);
    Set<String> providerIds = checkKeys(all);
    WorkerConfig.Builder b = WorkerConfig.builder();
    v.string(ConfigKeys.AMQP_URI).ifPresent(b::amqpUri);
    v.string(ConfigKeys.AMQP_ADDRESSES).ifPresent(a -> b.amqpAddresses(parseAddresses(a)));
    v.string(ConfigKeys.AMQP_TLS_TRUST_STORE)
        .ifPresent(
            path ->
                b.tlsTrustStore(
                    path,
                    v.string(ConfigKeys.AMQP_TLS_TRUST_STORE_PASSWORD)
                        .map(Secret::of)
                        .orElse(null)));
    b.maxInFlight(
        v.integer(ConfigKeys.MAX_IN_FLIGHT, WorkerConfig.DEFAULT_MAX_IN_FLIGHT, 1, 65535));
    b.maxBodyBytes(
        v.integer(
            ConfigKeys.MAX_BODY_BYTES, WorkerConfig.DEFAULT_MAX_BODY_BYTES, 1, 64 * 1024 * 1024));
    b.defaultJobTimeout(
        positive(
            ConfigKeys.DEFAULT_JOB_TIMEOUT,
            v.duration(ConfigKeys.DEFAULT_JOB_TIMEOUT, WorkerConfig.DEFAULT_JOB_TIMEOUT)));
    b.drainTimeout(v.duration(ConfigKeys.DRAIN_TIMEOUT, WorkerConfig.DEFAULT_DRAIN_TIMEOUT));
    v.string(ConfigKeys.HTTP_HOST).ifPresent(b::httpHost);
    b.httpPort(v.integer(ConfigKeys.HTTP_PORT, WorkerConfig.DEFAULT_HTTP_PORT, 0, 65535));
    b.ioThreads(
        v.integer(
            ConfigKeys.IO_THREADS,
            Math.max(2, Runtime.getRuntime().availableProcessors()),
            1,
            256));
    b.summaryInterval(
        v.duration(ConfigKeys.SUMMARY_INTERVAL, WorkerConfig.DEFAULT_SUMMARY_INTERVAL));
    v.string(ConfigKeys.UPSTREAM_TLS_TRUST_STORE)
        .ifPresent(
            path ->
                b.upstreamTrustStore(
                    path,
                    v.string(ConfigKeys.UPSTREAM_TLS_TRUST_STORE_PASSWORD)
                        .map(Secret::of)
                        .orElse(null)));
    b.maxAttempts(v.integer(ConfigKeys.MAX_ATTEMPTS, WorkerConfig.DEFAULT_MAX_ATTEMPTS, 1, 50));
    b.retryDelays(
        positive(
            ConfigKeys.RETRY_BASE_DELAY,
            v.duration(ConfigKeys.RETRY_BASE_DELAY, WorkerConfig.DEFAULT_RETRY_BASE_DELAY)),
        positive(
            ConfigKeys.RETRY_MAX_DELAY,
            v.duration(ConfigKeys.RETRY_MAX_DELAY, WorkerConfig.DEFAULT_RETRY_MAX_DELAY)));
    b.chunking(
        positive(
            ConfigKeys.CHUNK_INTERVAL,
            v.duration(ConfigKeys.CHUNK_INTERVAL, WorkerConfig.DEFAULT_CHUNK_INTERVAL)),
        v.integer(ConfigKeys.CHUNK_CHARS, WorkerConfig.DEFAULT_CHUNK_CHARS, 1, 1_000_000));
    WorkerConfig.BreakerSettings bd = WorkerConfig.DEFAULT_BREAKER;
    b.breaker(
        new WorkerConfig.BreakerSettings(
            v.integer(ConfigKeys.BREAKER_FAILURE_RATE, bd.failureRatePercent(), 1, 100),
            v.integer(ConfigKeys.BREAKER_WINDOW, bd.window(), 1, 10_000),
            v.integer(ConfigKeys.BREAKER_MIN_CALLS, bd.minCalls(), 1, 10_000),
            positive(
                ConfigKeys.BREAKER_OPEN_DURATION,
                v.duration(ConfigKeys.BREAKER_OPEN_DURATION, bd.openDuration()))));
    URI amqp =
        parseUri(
            ConfigKeys.AMQP_URI,
            v.string(ConfigKeys.AMQP_URI).orElse(WorkerConfig.DEFAULT_AMQP_URI));
    if (!"amqp".equals(amqp.getScheme()) && !"amqps".equals(amqp.getScheme())) {
      throw ConfigException.invalid(ConfigKeys.AMQP_URI, "scheme must be amqp or amqps");
    }
    for (String id : providerIds) {
      ProviderConfig p = ProviderReader.read(id, all, v);
      if (p != null) {
        b.provider(p);
      }
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw ConfigException.invalid("config", e.getMessage());
    }
  }

  /** Rejects unknown {@code AIJOBS_} keys; returns every provider id mentioned plus the presets. */
  private static Set<String> checkKeys(ConfigSource all) {
    Set<String> ids = new LinkedHashSet<>();
    ProviderPresets.ALL.forEach(p -> ids.add(p.id()));
    for (String key : all.keys()) {
      if (!key.startsWith(ConfigKeys.PREFIX) || ConfigKeys.GLOBAL_KEYS.contains(key)) {
        continue;
      }
      if (key.startsWith(ConfigKeys.PROVIDER_PREFIX)) {
        ids.add(providerIdOf(key));
      } else {
        throw ConfigException.invalid(key, "unknown configuration key");
      }
    }
    return ids;
  }

  private static String providerIdOf(String key) {
    String rest = key.substring(ConfigKeys.PROVIDER_PREFIX.length());
    for (String field : ConfigKeys.PROVIDER_FIELDS) {
      if (rest.endsWith("_" + field) && rest.length() > field.length() + 1) {
        return ProviderConfig.idFromEnv(rest.substring(0, rest.length() - field.length() - 1));
      }
    }
    throw ConfigException.invalid(
        key, "unknown provider setting; known: " + String.join(", ", ConfigKeys.PROVIDER_FIELDS));
  }

  static List<String> parseAddresses(String text) {
    List<String> out = new ArrayList<>();
    for (String part : text.split(",")) {
      String a = part.trim();
      if (a.isEmpty()) {
        continue;
      }
      int colon = a.lastIndexOf(':');
      if (colon > 0) {
        try {
          int port = Integer.parseInt(a.substring(colon + 1));
          if (port <= 0 || port > 65535) {
            throw new NumberFormatException();
          }
        } catch (NumberFormatException e) {
          throw ConfigException.invalid(
              ConfigKeys.AMQP_ADDRESSES, "bad port in '" + a + "' (expected host:port)");
        }
      }
      out.add(a);
    }
    if (out.isEmpty()) {
      throw ConfigException.invalid(ConfigKeys.AMQP_ADDRESSES, "lists no address");
    }
    return out;
  }

  static URI parseUri(String key, String text) {
    try {
      URI uri = new URI(text);
      if (uri.getScheme() == null || uri.getHost() == null) {
        throw new IllegalArgumentException();
      }
      return uri;
    } catch (Exception e) {
      throw ConfigException.invalid(key, "is not a valid URL: '" + redact(text) + "'");
    }
  }

  private static String redact(String url) {
    return url.replaceAll("//[^@/]*@", "//****@");
  }

  private static java.time.Duration positive(String key, java.time.Duration d) {
    if (d.isZero() || d.isNegative()) {
      throw ConfigException.invalid(key, "must be > 0");
    }
    return d;
  }
}
