package dev.aijobs.worker.execute;

import dev.aijobs.protocol.ErrorCode;
import dev.aijobs.worker.config.Secret;

/** Sets a key aside after the provider refused it (401/403) or rate-limited it (429). */
final class Keys {
  private Keys() {}

  /**
   * Whether the failure was about the key (401/403/429) and the pool still has a usable one: then
   * the same target is worth trying again at once with another key.
   */
  static boolean anotherKeyMayHelp(AttemptOutcome o, KeyPool pool) {
    if (o.error() == null || pool.available() == 0) {
      return false;
    }
    ErrorCode code = o.error().code();
    return code == ErrorCode.AUTH_FAILED || code == ErrorCode.RATE_LIMITED;
  }

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
