package dev.aijobs.worker.config;

import java.util.List;
import java.util.Set;

/**
 * Every configuration key, in one place. Keys are environment-variable names; the same names work
 * as JVM system properties, and a YAML file maps onto them ({@code amqp.uri} → {@code
 * AIJOBS_AMQP_URI}, {@code providers.mock.base_url} → {@code AIJOBS_PROVIDER_MOCK_BASE_URL}).
 */
public final class ConfigKeys {
  public static final String PREFIX = "AIJOBS_";
  public static final String CONFIG_FILE = "AIJOBS_CONFIG_FILE";
  public static final String AMQP_URI = "AIJOBS_AMQP_URI";
  public static final String AMQP_ADDRESSES = "AIJOBS_AMQP_ADDRESSES";
  public static final String AMQP_TLS_TRUST_STORE = "AIJOBS_AMQP_TLS_TRUST_STORE";
  public static final String AMQP_TLS_TRUST_STORE_PASSWORD = "AIJOBS_AMQP_TLS_TRUST_STORE_PASSWORD";
  public static final String UPSTREAM_TLS_TRUST_STORE = "AIJOBS_UPSTREAM_TLS_TRUST_STORE";
  public static final String UPSTREAM_TLS_TRUST_STORE_PASSWORD =
      "AIJOBS_UPSTREAM_TLS_TRUST_STORE_PASSWORD";
  public static final String MAX_IN_FLIGHT = "AIJOBS_MAX_IN_FLIGHT";
  public static final String MAX_BODY_BYTES = "AIJOBS_MAX_BODY_BYTES";
  public static final String MAX_IN_FLIGHT_BYTES = "AIJOBS_MAX_IN_FLIGHT_BYTES";
  public static final String DEFAULT_JOB_TIMEOUT = "AIJOBS_DEFAULT_JOB_TIMEOUT";
  public static final String DRAIN_TIMEOUT = "AIJOBS_DRAIN_TIMEOUT";
  public static final String REPLY_TO_PATTERN = "AIJOBS_REPLY_TO_PATTERN";
  public static final String HTTP_HOST = "AIJOBS_HTTP_HOST";
  public static final String HTTP_PORT = "AIJOBS_HTTP_PORT";
  public static final String IO_THREADS = "AIJOBS_IO_THREADS";
  public static final String WARM_UP_JOBS = "AIJOBS_WARM_UP_JOBS";
  public static final String SUMMARY_INTERVAL = "AIJOBS_SUMMARY_INTERVAL";
  public static final String LIVENESS_TIMEOUT = "AIJOBS_LIVENESS_TIMEOUT";
  public static final String MAX_ATTEMPTS = "AIJOBS_MAX_ATTEMPTS";
  public static final String RETRY_BASE_DELAY = "AIJOBS_RETRY_BASE_DELAY";
  public static final String RETRY_MAX_DELAY = "AIJOBS_RETRY_MAX_DELAY";
  public static final String CHUNK_INTERVAL = "AIJOBS_CHUNK_INTERVAL";
  public static final String CHUNK_CHARS = "AIJOBS_CHUNK_CHARS";
  public static final String BREAKER_FAILURE_RATE = "AIJOBS_BREAKER_FAILURE_RATE";
  public static final String BREAKER_WINDOW = "AIJOBS_BREAKER_WINDOW";
  public static final String BREAKER_MIN_CALLS = "AIJOBS_BREAKER_MIN_CALLS";
  public static final String BREAKER_OPEN_DURATION = "AIJOBS_BREAKER_OPEN_DURATION";
  public static final String BREAKER_MAX_OPEN_DURATION = "AIJOBS_BREAKER_MAX_OPEN_DURATION";
  public static final String LOG_LEVEL = "AIJOBS_LOG_LEVEL";
  public static final String LOG_FORMAT = "AIJOBS_LOG_FORMAT";
  public static final String LANES = "AIJOBS_LANES";
  public static final String SERVE = "AIJOBS_SERVE";

  /** Read by the launcher {@code bin/aijobs-worker}, not by the worker; known, so accepted. */
  public static final String LAUNCHER_JAR = "AIJOBS_JAR";

  public static final String LAUNCHER_JVM_DEFAULTS = "AIJOBS_JVM_DEFAULTS";

  /** The launcher's keys. */
  public static final Set<String> LAUNCHER_KEYS = Set.of(LAUNCHER_JAR, LAUNCHER_JVM_DEFAULTS);

  /** Prefix of per-provider keys: {@code AIJOBS_PROVIDER_<ID>_<FIELD>}. */
  public static final String PROVIDER_PREFIX = "AIJOBS_PROVIDER_";

  public static final String P_BASE_URL = "BASE_URL";
  public static final String P_API_KEY = "API_KEY";
  public static final String P_API_KEY_ENV = "API_KEY_ENV";
  public static final String P_MODE = "MODE";
  public static final String P_PROXY_URL = "PROXY_URL";
  public static final String P_FALLBACK_TO_DIRECT = "FALLBACK_TO_DIRECT";
  public static final String P_MAX_CONCURRENCY = "MAX_CONCURRENCY";
  public static final String P_CONNECT_TIMEOUT = "CONNECT_TIMEOUT";
  public static final String P_TIMEOUT = "TIMEOUT";
  public static final String P_FIRST_DATA_TIMEOUT = "FIRST_DATA_TIMEOUT";
  public static final String P_IDLE_TIMEOUT = "IDLE_TIMEOUT";
  public static final String P_RATE_LIMIT = "RATE_LIMIT";
  public static final String P_MAX_RETRIES = "MAX_RETRIES";
  public static final String P_ENABLED = "ENABLED";
  public static final String P_STREAM_USAGE = "STREAM_USAGE";
  public static final String P_AUTH_HEADER = "AUTH_HEADER";
  public static final String P_HEADERS = "HEADERS";
  public static final String P_MAX_IN_FLIGHT = "MAX_IN_FLIGHT";
  public static final String P_MIN_IN_FLIGHT = "MIN_IN_FLIGHT";

  /** Provider fields, longest first so that {@code _API_KEY_ENV} wins over {@code _API_KEY}. */
  public static final List<String> PROVIDER_FIELDS =
      List.of(
          P_FIRST_DATA_TIMEOUT,
          P_FALLBACK_TO_DIRECT,
          P_STREAM_USAGE,
          P_AUTH_HEADER,
          P_IDLE_TIMEOUT,
          P_RATE_LIMIT,
          P_MAX_RETRIES,
          P_MAX_CONCURRENCY,
          P_MAX_IN_FLIGHT,
          P_MIN_IN_FLIGHT,
          P_CONNECT_TIMEOUT,
          P_API_KEY_ENV,
          P_PROXY_URL,
          P_BASE_URL,
          P_API_KEY,
          P_ENABLED,
          P_HEADERS,
          P_TIMEOUT,
          P_MODE);

  /** The original bot's names, kept with their meaning. */
  public static final String LEGACY_OPENROUTER_CONNECTION_MODE = "OPENROUTER_CONNECTION_MODE";

  public static final String LEGACY_AI_PROXY_URL = "AI_PROXY_URL";

  /** Every non-provider {@code AIJOBS_} key; anything else with that prefix is a typo. */
  public static final Set<String> GLOBAL_KEYS =
      Set.of(
          CONFIG_FILE,
          AMQP_URI,
          AMQP_ADDRESSES,
          AMQP_TLS_TRUST_STORE,
          AMQP_TLS_TRUST_STORE_PASSWORD,
          UPSTREAM_TLS_TRUST_STORE,
          UPSTREAM_TLS_TRUST_STORE_PASSWORD,
          MAX_IN_FLIGHT,
          MAX_BODY_BYTES,
          MAX_IN_FLIGHT_BYTES,
          DEFAULT_JOB_TIMEOUT,
          DRAIN_TIMEOUT,
          REPLY_TO_PATTERN,
          HTTP_HOST,
          HTTP_PORT,
          IO_THREADS,
          WARM_UP_JOBS,
          SUMMARY_INTERVAL,
          LIVENESS_TIMEOUT,
          MAX_ATTEMPTS,
          RETRY_BASE_DELAY,
          RETRY_MAX_DELAY,
          CHUNK_INTERVAL,
          CHUNK_CHARS,
          BREAKER_FAILURE_RATE,
          BREAKER_WINDOW,
          BREAKER_MIN_CALLS,
          BREAKER_OPEN_DURATION,
          BREAKER_MAX_OPEN_DURATION,
          LOG_LEVEL,
          LOG_FORMAT,
          LANES,
          SERVE,
          LAUNCHER_JAR,
          LAUNCHER_JVM_DEFAULTS);

  private ConfigKeys() {}

  /** The key of one provider field. */
  public static String providerKey(String providerId, String field) {
    return PROVIDER_PREFIX + providerId.toUpperCase(java.util.Locale.ROOT) + "_" + field;
  }
}
