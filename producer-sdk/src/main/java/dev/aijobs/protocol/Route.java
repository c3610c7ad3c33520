package dev.aijobs.protocol;

import java.util.Locale;

/** How an attempt reached the provider. The wire form is the lower-case name. */
public enum Route {
  /** A direct connection from the worker to the provider. */
  DIRECT,
  /** Through the provider's configured proxy. */
  PROXY,
  /**
   * Direct, after the proxy route failed: the proxy itself failed, a call through it was cut or
   * went silent and was retried direct, or a circuit breaker of the proxy route was open.
   */
  DIRECT_AFTER_PROXY_FAILURE;

  private final String wireName = name().toLowerCase(Locale.ROOT);

  /** The route as it appears on the wire. */
  public String wireName() {
    return wireName;
  }
}
