package dev.aijobs.worker.config;

import java.util.Locale;

/** How a provider is reached. */
public enum ConnectionMode {
  /** Straight from the worker. */
  DIRECT,
  /** Through a SOCKS5 proxy. */
  SOCKS5,
  /** Through an HTTP CONNECT proxy. */
  HTTP;

  /**
   * Parses a mode. {@code proxy} (the original bot's word) means "the kind the proxy URL says",
   * which the caller resolves; here it maps to SOCKS5.
   *
   * @throws ConfigException naming {@code key}
   */
  static ConnectionMode parse(String key, String value) {
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "direct":
        return DIRECT;
      case "socks5":
      case "socks":
      case "proxy":
        return SOCKS5;
      case "http":
        return HTTP;
      default:
        throw ConfigException.invalid(
            key, "must be one of direct, socks5, http (or proxy), got '" + value + "'");
    }
  }
}
