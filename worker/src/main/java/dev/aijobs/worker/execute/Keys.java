package dev.aijobs.worker.execute;

import dev.aijobs.protocol.ErrorCode;
import dev.aijobs.worker.config.Secret;

/** Sets a key aside after the provider refused it (401/403) or rate-limited it (429). */
final class Keys {
  private Keys() {}

  static void record(AttemptOutcome o, Secret key, KeyPool pool) {
    if (key == null || o.error() == null) {
      return;
    }
    if (o.error().code() == ErrorCode.AUTH_FAILED) {
      pool.bench(key, KeyPool.AUTH_FAILURE_PAUSE);
    } else if (o.error().code() == ErrorCode.RATE_LIMITED) {
      pool.bench(key, o.retryAfter() != null ? o.retryAfter() : KeyPool.RATE_LIMIT_PAUSE);
    }
  }
}
