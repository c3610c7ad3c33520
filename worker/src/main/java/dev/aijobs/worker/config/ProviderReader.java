package dev.aijobs.worker.config;

import static dev.aijobs.worker.config.ConfigKeys.providerKey;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads one provider's settings (preset defaults, {@code AIJOBS_PROVIDER_*} keys, legacy names).
 */
final class ProviderReader {
  private ProviderReader() {}

  /** The provider, or null when it is a preset that is not enabled. */
  static ProviderConfig read(String id, ConfigSource all, ConfigValues v) {
    ProviderPresets.Preset preset = ProviderPresets.find(id);
    boolean anyKey =
        all.keys().stream()
            .anyMatch(
                k ->
                    k.startsWith(
                        ConfigKeys.PROVIDER_PREFIX + id.toUpperCase(java.util.Locale.ROOT) + "_"));
    List<Secret> apiKeys = apiKeys(id, preset, v);
    boolean enabledByDefault = preset == null ? anyKey : !apiKeys.isEmpty() || anyKey;
    if (!v.bool(providerKey(id, ConfigKeys.P_ENABLED), enabledByDefault)) {
      return null;
    }
    String baseKey = providerKey(id, ConfigKeys.P_BASE_URL);
    String base = v.string(baseKey).orElse(preset == null ? null : preset.baseUrl());
    if (base == null) {
      throw ConfigException.invalid(baseKey, "is required for provider '" + id + "'");
    }
    URI baseUrl = Check.url(baseKey, base);
    if (!"http".equals(baseUrl.getScheme()) && !"https".equals(baseUrl.getScheme())) {
      throw ConfigException.invalid(baseKey, "scheme must be http or https");
    }
    String modeKey = providerKey(id, ConfigKeys.P_MODE);
    Optional<String> modeText = v.string(modeKey);
    if (modeText.isEmpty() && id.equals("openrouter")) {
      modeKey = ConfigKeys.LEGACY_OPENROUTER_CONNECTION_MODE;
      modeText = v.string(modeKey);
    }
    ConnectionMode mode =
        modeText.isPresent()
            ? ConnectionMode.parse(modeKey, modeText.get())
            : ConnectionMode.DIRECT;
    ProxySettings proxy = null;
    if (mode != ConnectionMode.DIRECT) {
      String proxyKey = providerKey(id, ConfigKeys.P_PROXY_URL);
      Optional<String> url = v.string(proxyKey);
      if (url.isEmpty()) {
        proxyKey = ConfigKeys.LEGACY_AI_PROXY_URL;
        url = v.string(proxyKey);
      }
      if (url.isEmpty()) {
        throw ConfigException.invalid(
            providerKey(id, ConfigKeys.P_PROXY_URL),
            "is required when "
                + modeKey
                + "="
                + modeText.get()
                + " (or set "
                + ConfigKeys.LEGACY_AI_PROXY_URL
                + ")");
      }
      proxy = ProxySettings.parse(proxyKey, url.get());
      if (modeText.get().trim().equalsIgnoreCase("proxy")) {
        mode = proxy.type();
      } else if (mode != proxy.type()) {
        throw ConfigException.invalid(
            proxyKey, "is a " + proxy.type() + " proxy but " + modeKey + " says " + mode);
      }
    }
    try {
      return ProviderConfig.builder(id, baseUrl)
          .apiKeys(apiKeys)
          .route(mode, proxy)
          .fallbackToDirect(v.bool(providerKey(id, ConfigKeys.P_FALLBACK_TO_DIRECT), true))
          .maxConcurrency(
              v.integer(
                  providerKey(id, ConfigKeys.P_MAX_CONCURRENCY),
                  ProviderConfig.DEFAULT_MAX_CONCURRENCY,
                  1,
                  1_000_000))
          .rateLimit(v.decimal(providerKey(id, ConfigKeys.P_RATE_LIMIT), 0))
          .inFlight(
              v.integer(providerKey(id, ConfigKeys.P_MIN_IN_FLIGHT), 0, 0, 65535),
              v.integer(providerKey(id, ConfigKeys.P_MAX_IN_FLIGHT), 0, 0, 65535))
          .maxRetries(
              v.integer(
                  providerKey(id, ConfigKeys.P_MAX_RETRIES),
                  ProviderConfig.DEFAULT_MAX_RETRIES,
                  0,
                  20))
          .connectTimeout(
              v.duration(
                  providerKey(id, ConfigKeys.P_CONNECT_TIMEOUT),
                  ProviderConfig.DEFAULT_CONNECT_TIMEOUT))
          .firstDataTimeout(
              v.duration(
                  providerKey(id, ConfigKeys.P_FIRST_DATA_TIMEOUT),
                  ProviderConfig.DEFAULT_FIRST_DATA_TIMEOUT))
          .idleTimeout(
              v.duration(
                  providerKey(id, ConfigKeys.P_IDLE_TIMEOUT), ProviderConfig.DEFAULT_IDLE_TIMEOUT))
          .timeout(
              v.duration(providerKey(id, ConfigKeys.P_TIMEOUT), ProviderConfig.DEFAULT_TIMEOUT))
          .streamUsage(v.bool(providerKey(id, ConfigKeys.P_STREAM_USAGE), true))
          .authHeader(
              v.string(providerKey(id, ConfigKeys.P_AUTH_HEADER))
                  .map(h -> headerName(providerKey(id, ConfigKeys.P_AUTH_HEADER), h))
                  .orElse(ProviderConfig.DEFAULT_AUTH_HEADER))
          .headers(
              v.string(providerKey(id, ConfigKeys.P_HEADERS))
                  .map(h -> headers(providerKey(id, ConfigKeys.P_HEADERS), h))
                  .orElse(java.util.Map.of()))
          .build();
    } catch (IllegalArgumentException e) {
      throw ConfigException.invalid(
          ConfigKeys.PROVIDER_PREFIX + id.toUpperCase(java.util.Locale.ROOT), e.getMessage());
    }
  }

  /** Headers the worker sets itself (Authorization: see {@code AUTH_HEADER} and API_KEY). */
  private static final java.util.Set<String> RESERVED_HEADERS =
      java.util.Set.of(
          "authorization",
          "content-type",
          "content-length",
          "accept",
          "host",
          "connection",
          "transfer-encoding");

  private static final java.util.regex.Pattern HEADER_NAME =
      java.util.regex.Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");

  static String headerName(String key, String name) {
    String n = name.trim();
    if (!HEADER_NAME.matcher(n).matches()) {
      throw ConfigException.invalid(key, "holds a header name that is not a valid token");
    }
    return n;
  }

  /** {@code Name=value} pairs separated by {@code ;} or new lines. */
  static java.util.Map<String, String> headers(String key, String text) {
    java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
    for (String pair : text.split("[;\\n]")) {
      if (pair.isBlank()) {
        continue;
      }
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        // The text is not echoed: a header value may be a token.
        throw ConfigException.invalid(
            key, "expected Name=value pairs separated by ';' (pair " + (out.size() + 1) + ")");
      }
      String name = headerName(key, pair.substring(0, eq));
      String lower = name.toLowerCase(java.util.Locale.ROOT);
      if (RESERVED_HEADERS.contains(lower)) {
        throw ConfigException.invalid(key, name + " is set by the worker");
      }
      out.put(name, pair.substring(eq + 1).trim());
    }
    return out;
  }

  /** Keys, comma-separated where a provider has a pool of them. */
  private static List<Secret> apiKeys(String id, ProviderPresets.Preset preset, ConfigValues v) {
    Secret one = apiKey(id, preset, v);
    if (one == null) {
      return List.of();
    }
    List<Secret> keys = new ArrayList<>();
    for (String k : one.reveal().split(",")) {
      if (!k.isBlank()) {
        keys.add(Secret.of(k.trim()));
      }
    }
    return keys;
  }

  private static Secret apiKey(String id, ProviderPresets.Preset preset, ConfigValues v) {
    Optional<String> direct = v.string(providerKey(id, ConfigKeys.P_API_KEY));
    if (direct.isPresent()) {
      return Secret.of(direct.get());
    }
    String envKey = providerKey(id, ConfigKeys.P_API_KEY_ENV);
    Optional<String> envName = v.string(envKey);
    if (envName.isPresent()) {
      return v.string(envName.get())
          .map(Secret::of)
          .orElseThrow(
              () ->
                  ConfigException.invalid(
                      envKey, "names " + envName.get() + ", which is not set or empty"));
    }
    if (preset != null) {
      for (String env : preset.apiKeyEnv()) {
        Optional<String> key = v.string(env);
        if (key.isPresent()) {
          return Secret.of(key.get());
        }
      }
    }
    return null;
  }
}
