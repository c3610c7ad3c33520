package dev.aijobs.worker.execute;

import dev.aijobs.protocol.ErrorCode;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.concurrent.TimeUnit;

/**
 * Records an attempt's outcome on its circuit breakers. The provider's breaker counts what says the
 * provider is unwell (5xx, timeouts, connect failures, cut or malformed answers), not the request's
 * own faults (4xx) nor proxy-layer failures, which count on the proxy's breaker only.
 */
final class Breakers {
  private Breakers() {}

  static void record(AttemptOutcome o, long nanos, CircuitBreaker provider, CircuitBreaker proxy) {
    if (o.kind() != null && o.kind().isProxyFault()) {
      provider.releasePermission();
      if (proxy != null) {
        proxy.onError(nanos, TimeUnit.NANOSECONDS, new ProviderFailure(o));
      }
      return;
    }
    if (proxy != null) {
      proxy.onSuccess(nanos, TimeUnit.NANOSECONDS);
    }
    if (o.isOk() || !countsAgainstProvider(o.error().code())) {
      if (o.error() != null && isLocal(o.error().code())) {
        provider.releasePermission();
      } else {
        provider.onSuccess(nanos, TimeUnit.NANOSECONDS);
      }
    } else {
      provider.onError(nanos, TimeUnit.NANOSECONDS, new ProviderFailure(o));
    }
  }

  private static boolean isLocal(ErrorCode code) {
    return code == ErrorCode.INTERNAL || code == ErrorCode.DEADLINE_EXCEEDED;
  }

  private static boolean countsAgainstProvider(ErrorCode code) {
    return switch (code) {
      case UPSTREAM_ERROR, TIMEOUT, CONNECT_FAILED, TRUNCATED_STREAM, MALFORMED_RESPONSE -> true;
      default -> false;
    };
  }

  /** What a breaker records as the failure (no stack trace: it is a value, not a bug). */
  static final class ProviderFailure extends Exception {
    private static final long serialVersionUID = 1L;

    ProviderFailure(AttemptOutcome o) {
      super(o.outcome(), null, false, false);
    }
  }
}
