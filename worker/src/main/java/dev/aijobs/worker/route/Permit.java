package dev.aijobs.worker.route;

import dev.aijobs.protocol.ErrorCode;
import java.util.concurrent.Executor;

/**
 * Everything one call holds: its deployment breaker's permission, its proxy breaker's when it goes
 * through a proxy, its rate-limit slot and, once {@link #whenBulkheadAllows granted}, its place in
 * the provider's bulkhead. Settled exactly once: {@link #record} after the call (the breakers count
 * the outcome as {@link BreakerRules} says), or {@link #release} when no call was made (nothing is
 * counted, the rate slot is given back). Thread-safe.
 */
public final class Permit {
  private final ProviderGuards guards;
  private final String provider;
  private final Breaker deployment;
  private final long deploymentPermit;
  private final Breaker proxy;
  private final long proxyPermit;
  private final RateLimit.Slot slot;
  private boolean bulkhead;
  private boolean settled;

  Permit(
      ProviderGuards guards,
      String provider,
      Breaker deployment,
      long deploymentPermit,
      Breaker proxy,
      long proxyPermit,
      RateLimit.Slot slot) {
    this.guards = guards;
    this.provider = provider;
    this.deployment = deployment;
    this.deploymentPermit = deploymentPermit;
    this.proxy = proxy;
    this.proxyPermit = proxyPermit;
    this.slot = slot;
  }

  /** Nanoseconds until the call's rate-limit slot (0 when it may start now). */
  public long rateWaitNanos() {
    return slot == null ? 0 : slot.waitNanos();
  }

  /**
   * Runs {@code call} once the provider's bulkhead has room: at once on this thread, or later on
   * {@code later}. Never blocks.
   */
  public void whenBulkheadAllows(Runnable call, Executor later) {
    guards.whenPermitted(
        provider,
        () -> {
          boolean go;
          synchronized (this) {
            go = !settled;
            bulkhead = go;
          }
          if (go) {
            call.run();
          } else {
            guards.releaseBulkhead(provider); // settled while it waited: the place goes back
          }
        },
        later);
  }

  /**
   * Settles the permit after a call.
   *
   * @param code the call's error code, null when it was answered
   * @param kind the classifier's verdict for a transport failure, else null
   */
  public void record(ErrorCode code, FailureKind kind) {
    if (!settle()) {
      return;
    }
    apply(deployment, deploymentPermit, BreakerRules.deployment(code, kind));
    if (proxy != null) {
      apply(proxy, proxyPermit, BreakerRules.proxy(code, kind));
    }
  }

  /** Settles the permit without a call: nothing is counted, the rate slot is given back. */
  public void release() {
    if (!settle()) {
      return;
    }
    deployment.release(deploymentPermit);
    if (proxy != null) {
      proxy.release(proxyPermit);
    }
    if (slot != null) {
      slot.giveBack();
    }
  }

  private boolean settle() {
    boolean held;
    synchronized (this) {
      if (settled) {
        return false;
      }
      settled = true;
      held = bulkhead;
    }
    if (held) {
      guards.releaseBulkhead(provider);
    }
    return true;
  }

  private static void apply(Breaker b, long permit, BreakerRules.Effect effect) {
    switch (effect) {
      case SUCCESS -> b.onSuccess(permit);
      case FAILURE -> b.onFailure(permit);
      case RELEASE -> b.release(permit);
    }
  }
}
