package dev.aijobs.sdk.internal;

import java.util.function.IntSupplier;

/**
 * What the client measures. Without a meter registry every call is a no-op; with one, {@link
 * MicrometerClientMetrics} records the catalog it documents. Implementations are thread-safe.
 */
public interface ClientMetrics {
  /** A job was accepted: {@code kind} is {@code submit}, {@code stream} or {@code publish}. */
  default void accepted(String kind) {}

  /** A result completed a pending future; {@code nanos} since the job was accepted. */
  default void result(String status, long nanos) {}

  /** A result went to the unclaimed-result handler. */
  default void unclaimed() {}

  /** A result was dropped as a duplicate. */
  default void duplicate() {}

  /** A job failed locally; {@code reason} is a lower-case reason such as {@code timeout}. */
  default void failed(String reason) {}

  /** The no-op implementation. */
  ClientMetrics NOOP = new ClientMetrics() {};

  /**
   * Metrics for {@code registry}, or {@link #NOOP} when null. Micrometer classes load only when a
   * registry is given.
   */
  static ClientMetrics create(Object registry, String connectionName, IntSupplier inFlight) {
    return registry == null
        ? NOOP
        : MicrometerClientMetrics.create(registry, connectionName, inFlight);
  }
}
