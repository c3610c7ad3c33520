package dev.aijobs.worker.config;

import java.util.Objects;

/** A secret value (API key, password) whose {@code toString} never reveals it. */
public final class Secret {
  private final String value;

  private Secret(String value) {
    this.value = Objects.requireNonNull(value, "value");
  }

  /** Wraps a secret value. */
  public static Secret of(String value) {
    return new Secret(value);
  }

  /** The secret itself: pass it only to the peer that needs it, never to a log. */
  public String reveal() {
    return value;
  }

  /** A masked form for logs: the last 4 characters of long keys, else only stars. */
  public String masked() {
    return value.length() >= 16 ? "****" + value.substring(value.length() - 4) : "****";
  }

  @Override
  public String toString() {
    return masked();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secret s && s.value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }
}
