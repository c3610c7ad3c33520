package dev.aijobs.worker.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
    WorkerConfig.Amqp amqp =
        new WorkerConfig.Amqp(
            v.string(ConfigKeys.AMQP_URI).orElse(WorkerConfig.Amqp.DEFAULTS.uri()),
            v.string(ConfigKeys.AMQP_ADDRESSES).map(ConfigLoader::parseAddresses).orElse(List.of()),
            trustStore(
                v, ConfigKeys.AMQP_TLS_TRUST_STORE, ConfigKeys.AMQP_TLS_TRUST_STORE_PASSWORD));
    WorkerConfig.Endpoint e = WorkerConfig.Endpoint.DEFAULTS;
    WorkerConfig.Endpoint endpoint =
        new WorkerConfig.Endpoint(
            v.string(ConfigKeys.HTTP_HOST).orElse(e.host()),
            v.integer(ConfigKeys.HTTP_PORT).orElse(e.port()),
            v.duration(ConfigKeys.SUMMARY_INTERVAL).orElse(e.summaryInterval()),
            v.duration(ConfigKeys.LIVENESS_TIMEOUT).orElse(e.livenessTimeout()));
    WorkerConfig.Jobs j = WorkerConfig.Jobs.DEFAULTS;
    WorkerConfig.Jobs jobs =
        new WorkerConfig.Jobs(
            v.integer(ConfigKeys.MAX_IN_FLIGHT).orElse(j.maxInFlight()),
            v.integer(ConfigKeys.MAX_BODY_BYTES).orElse(j.maxBodyBytes()),
            v.duration(ConfigKeys.DEFAULT_JOB_TIMEOUT).orElse(j.defaultTimeout()),
            v.duration(ConfigKeys.DRAIN_TIMEOUT).orElse(j.drainTimeout()),
            v.string(ConfigKeys.REPLY_TO_PATTERN)
                .map(ConfigLoader::replyToPattern)
                .orElse(j.replyToPattern()),
            v.bytes(ConfigKeys.MAX_IN_FLIGHT_BYTES).orElse(j.maxInFlightBytes()));
    WorkerConfig.Retry r = WorkerConfig.Retry.DEFAULTS;
    WorkerConfig.Retry retry =
        new WorkerConfig.Retry(
            v.integer(ConfigKeys.MAX_ATTEMPTS).orElse(r.maxAttempts()),
            v.duration(ConfigKeys.RETRY_BASE_DELAY).orElse(r.baseDelay()),
            v.duration(ConfigKeys.RETRY_MAX_DELAY).orElse(r.maxDelay()));
    WorkerConfig.Chunks c = WorkerConfig.Chunks.DEFAULTS;
    WorkerConfig.Chunks chunks =
        new WorkerConfig.Chunks(
            v.duration(ConfigKeys.CHUNK_INTERVAL).orElse(c.interval()),
            v.integer(ConfigKeys.CHUNK_CHARS).orElse(c.chars()));
    WorkerConfig.Breakers b = WorkerConfig.Breakers.DEFAULTS;
    WorkerConfig.Breakers breakers =
        new WorkerConfig.Breakers(
            v.integer(ConfigKeys.BREAKER_FAILURE_RATE).orElse(b.failureRatePercent()),
            v.integer(ConfigKeys.BREAKER_WINDOW).orElse(b.window()),
            v.integer(ConfigKeys.BREAKER_MIN_CALLS).orElse(b.minCalls()),
            v.duration(ConfigKeys.BREAKER_OPEN_DURATION).orElse(b.openDuration()),
            v.duration(ConfigKeys.BREAKER_MAX_OPEN_DURATION).orElse(b.maxOpenDuration()));
    WorkerConfig.Upstream upstream =
        new WorkerConfig.Upstream(
            v.integer(ConfigKeys.IO_THREADS).orElse(WorkerConfig.Upstream.DEFAULTS.ioThreads()),
            trustStore(
                v,
                ConfigKeys.UPSTREAM_TLS_TRUST_STORE,
                ConfigKeys.UPSTREAM_TLS_TRUST_STORE_PASSWORD),
            v.integer(ConfigKeys.WARM_UP_JOBS).orElse(WorkerConfig.Upstream.DEFAULTS.warmUpJobs()));
    WorkerConfig.Logging logging =
        new WorkerConfig.Logging(
            v.string(ConfigKeys.LOG_LEVEL).orElse(WorkerConfig.Logging.DEFAULTS.level()),
            v.string(ConfigKeys.LOG_FORMAT)
                .map(ConfigLoader::logFormat)
                .orElse(WorkerConfig.Logging.DEFAULTS.format()));
    Map<String, ProviderConfig> providers = new LinkedHashMap<>();
    for (String id : providerIds) {
      ProviderConfig p = ProviderReader.read(id, all, v);
      if (p != null) {
        providers.put(p.id(), p);
      }
    }
    WorkerConfig.Lanes lanes =
        new WorkerConfig.Lanes(
            v.bool(ConfigKeys.LANES, WorkerConfig.Lanes.DEFAULTS.enabled()),
            v.string(ConfigKeys.SERVE).map(ConfigLoader::parseIds).orElse(List.of()));
    return new WorkerConfig(
        amqp, endpoint, jobs, retry, chunks, breakers, upstream, logging, lanes, providers);
  }

  private static List<String> parseIds(String list) {
    List<String> ids = new java.util.ArrayList<>();
    for (String part : list.split(",")) {
      String id = part.strip().toLowerCase(java.util.Locale.ROOT);
      if (!id.isEmpty() && !ids.contains(id)) {
        ids.add(id);
      }
    }
    return ids;
  }

  private static WorkerConfig.TrustStore trustStore(
      ConfigValues v, String pathKey, String passwordKey) {
    return v.string(pathKey)
        .map(
            path ->
                new WorkerConfig.TrustStore(
                    path, v.string(passwordKey).map(Secret::of).orElse(null)))
        .orElse(null);
  }

  private static java.util.regex.Pattern replyToPattern(String regex) {
    try {
      return java.util.regex.Pattern.compile(regex);
    } catch (java.util.regex.PatternSyntaxException e) {
      throw ConfigException.invalid(
          ConfigKeys.REPLY_TO_PATTERN, "is not a valid regular expression: " + e.getDescription());
    }
  }

  private static WorkerConfig.LogFormat logFormat(String text) {
    try {
      return WorkerConfig.LogFormat.valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw ConfigException.invalid(
          ConfigKeys.LOG_FORMAT, "must be text or json, got '" + text + "'");
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
      if (!part.isBlank()) {
        out.add(part.trim());
      }
    }
    if (out.isEmpty()) {
      throw ConfigException.invalid(ConfigKeys.AMQP_ADDRESSES, "lists no address");
    }
    return out;
  }
}
