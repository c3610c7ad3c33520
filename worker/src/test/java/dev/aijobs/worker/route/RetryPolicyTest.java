package dev.aijobs.worker.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aijobs.protocol.ErrorCode;
import dev.aijobs.worker.route.Decision.Action;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RetryPolicyTest {
  /** Jitter at its maximum, so delays are the capped exponential. */
  private final RetryPolicy policy =
      new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(5), 6, bound -> bound);

  private static RetryPolicy.Failure f(
      ErrorCode code,
      FailureKind kind,
      boolean viaProxy,
      boolean direct,
      Duration retryAfter,
      int retries,
      int attempts,
      boolean next,
      long msLeft) {
    return new RetryPolicy.Failure(
        code, kind, viaProxy, direct, retryAfter, retries, 2, attempts, next, msLeft);
  }

  static Stream<Arguments> rows() {
    long lots = 60_000;
    return Stream.of(
        row(
            "proxy refused, fallback allowed",
            f(
                ErrorCode.PROXY_UNAVAILABLE,
                FailureKind.PROXY_UNREACHABLE,
                true,
                true,
                null,
                0,
                1,
                false,
                lots),
            Action.SWITCH_TO_DIRECT,
            0),
        row(
            "proxy handshake failed, fallback forbidden: retry proxy",
            f(
                ErrorCode.PROXY_UNAVAILABLE,
                FailureKind.PROXY_HANDSHAKE,
                true,
                false,
                null,
                0,
                1,
                false,
                lots),
            Action.RETRY,
            200),
        row(
            "connect failure: retry with backoff",
            f(
                ErrorCode.CONNECT_FAILED,
                FailureKind.CONNECT_FAILED,
                false,
                true,
                null,
                0,
                1,
                false,
                lots),
            Action.RETRY,
            200),
        row(
            "second retry doubles",
            f(
                ErrorCode.CONNECT_FAILED,
                FailureKind.CONNECT_FAILED,
                false,
                true,
                null,
                1,
                2,
                false,
                lots),
            Action.RETRY,
            400),
        row(
            "retries exhausted, fallback left",
            f(ErrorCode.UPSTREAM_ERROR, null, false, true, null, 2, 3, true, lots),
            Action.NEXT_TARGET,
            0),
        row(
            "retries exhausted, nothing left",
            f(ErrorCode.UPSTREAM_ERROR, null, false, true, null, 2, 3, false, lots),
            Action.GIVE_UP,
            0),
        row(
            "429 honours a longer Retry-After",
            f(ErrorCode.RATE_LIMITED, null, false, true, Duration.ofSeconds(2), 0, 1, false, lots),
            Action.RETRY,
            2000),
        row(
            "429 with Retry-After past the deadline",
            f(
                ErrorCode.RATE_LIMITED,
                null,
                false,
                true,
                Duration.ofSeconds(30),
                0,
                1,
                false,
                5_000),
            Action.GIVE_UP,
            0),
        row(
            "429 with Retry-After past the deadline, fallback left",
            f(ErrorCode.RATE_LIMITED, null, false, true, Duration.ofSeconds(30), 0, 1, true, 5_000),
            Action.NEXT_TARGET,
            0),
        row(
            "500 retried",
            f(ErrorCode.UPSTREAM_ERROR, null, false, true, null, 0, 1, false, lots),
            Action.RETRY,
            200),
        row(
            "400 context length never retried",
            f(ErrorCode.CONTEXT_LENGTH_EXCEEDED, null, false, true, null, 0, 1, false, lots),
            Action.GIVE_UP,
            0),
        row(
            "400 content filter never retried, fallback tried",
            f(ErrorCode.CONTENT_FILTERED, null, false, true, null, 0, 1, true, lots),
            Action.NEXT_TARGET,
            0),
        row(
            "401 never retried",
            f(ErrorCode.AUTH_FAILED, null, false, true, null, 0, 1, false, lots),
            Action.GIVE_UP,
            0),
        row(
            "402 never retried",
            f(ErrorCode.INSUFFICIENT_CREDITS, null, false, true, null, 0, 1, true, lots),
            Action.NEXT_TARGET,
            0),
        row(
            "silent provider: not retried on the same route",
            f(ErrorCode.TIMEOUT, FailureKind.SILENT_TIMEOUT, false, true, null, 0, 1, true, lots),
            Action.NEXT_TARGET,
            0),
        row(
            "silent provider, nothing left",
            f(ErrorCode.TIMEOUT, FailureKind.SILENT_TIMEOUT, false, true, null, 0, 1, false, lots),
            Action.GIVE_UP,
            0),
        row(
            "stalled stream: next target",
            f(
                ErrorCode.TRUNCATED_STREAM,
                FailureKind.IDLE_TIMEOUT,
                false,
                true,
                null,
                0,
                1,
                true,
                lots),
            Action.NEXT_TARGET,
            0),
        row(
            "cut stream: retried",
            f(
                ErrorCode.TRUNCATED_STREAM,
                FailureKind.CUT_MID_RESPONSE,
                false,
                true,
                null,
                0,
                1,
                false,
                lots),
            Action.RETRY,
            200),
        row(
            "malformed event: retried",
            f(ErrorCode.MALFORMED_RESPONSE, null, false, true, null, 0, 1, false, lots),
            Action.RETRY,
            200),
        row(
            "backoff longer than the time left",
            f(ErrorCode.UPSTREAM_ERROR, null, false, true, null, 0, 1, false, 100),
            Action.GIVE_UP,
            0),
        row(
            "deadline: give up",
            f(ErrorCode.DEADLINE_EXCEEDED, FailureKind.DEADLINE, false, true, null, 0, 1, true, 0),
            Action.GIVE_UP,
            0),
        row(
            "attempt budget spent",
            f(ErrorCode.UPSTREAM_ERROR, null, false, true, null, 0, 6, true, lots),
            Action.GIVE_UP,
            0),
        row(
            "TLS failure to provider: next target",
            f(ErrorCode.CONNECT_FAILED, FailureKind.TLS_FAILED, true, true, null, 0, 1, true, lots),
            Action.NEXT_TARGET,
            0));
  }

  private static Arguments row(
      String name, RetryPolicy.Failure failure, Action action, long delayMs) {
    return Arguments.of(Named.of(name, failure), action, delayMs);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void decides(RetryPolicy.Failure failure, Action action, long delayMs) {
    Decision d = policy.decide(failure);
    assertThat(d.action()).isEqualTo(action);
    assertThat(d.delay().toMillis()).isEqualTo(delayMs);
  }

  @Test
  void backoffIsExponentialWithJitterAndCapped() {
    RetryPolicy noJitter =
        new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(5), 6, b -> 0);
    RetryPolicy fullJitter =
        new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(5), 6, b -> b);
    assertThat(noJitter.backoff(0)).isEqualTo(Duration.ofMillis(100));
    assertThat(fullJitter.backoff(0)).isEqualTo(Duration.ofMillis(200));
    assertThat(fullJitter.backoff(3)).isEqualTo(Duration.ofMillis(1600));
    assertThat(fullJitter.backoff(10)).isEqualTo(Duration.ofSeconds(5));
    assertThat(noJitter.backoff(10)).isEqualTo(Duration.ofMillis(2500));
    RetryPolicy random = new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(5), 6);
    for (int i = 0; i < 100; i++) {
      assertThat(random.backoff(2).toMillis()).isBetween(400L, 800L);
    }
  }
}
