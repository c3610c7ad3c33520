package dev.aijobs.worker.config;

/** A configuration value is missing or invalid; the message names the key. Stops start-up. */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String key;

  private ConfigException(String key, String message) {
    super(key + ": " + message);
    this.key = key;
  }

  /** A bad value for {@code key}. */
  public static ConfigException invalid(String key, String problem) {
    return new ConfigException(key, problem);
  }

  /** The key that is wrong. */
  public String key() {
    return key;
  }
}
