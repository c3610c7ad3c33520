package dev.aijobs.worker.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aijobs.protocol.ErrorCode;
import dev.aijobs.worker.config.ProviderConfig;
import dev.aijobs.worker.config.WorkerConfig;
import dev.aijobs.worker.route.Decision.Action;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The decision after a failed call, one row per situation: the old retry-policy table on the
 * router's API, plus failures through a proxy after its tunnel was up and key rotation.
 */
class RouterDecideTest {
  private static final long LOTS = 60_000;

  /** Every provider retries a target twice. */
  private static final WorkerConfig CONFIG =
      TestConfigs.load(
          // Direct, two keys.
          "AIJOBS_PROVIDER_PLAIN_BASE_URL", "http://plain.test/v1",
          "AIJOBS_PROVIDER_PLAIN_MAX_RETRIES", "2",
          "AIJOBS_PROVIDER_PLAIN_API_KEY", "key-one-0123456789,key-two-0123456789",
          // Through a proxy, direct allowed, two keys.
          "AIJOBS_PROVIDER_PROXIED_BASE_URL", "http://proxied.test/v1",
          "AIJOBS_PROVIDER_PROXIED_MODE", "socks5",
          "AIJOBS_PROVIDER_PROXIED_PROXY_URL", "socks5://proxy.test:1080",
          "AIJOBS_PROVIDER_PROXIED_FALLBACK_TO_DIRECT", "true",
          "AIJOBS_PROVIDER_PROXIED_MAX_RETRIES", "2",
          "AIJOBS_PROVIDER_PROXIED_API_KEY", "key-one-0123456789,key-two-0123456789",
          // Through a proxy only.
          "AIJOBS_PROVIDER_PINNED_BASE_URL", "http://pinned.test/v1",
          "AIJOBS_PROVIDER_PINNED_MODE", "socks5",
          "AIJOBS_PROVIDER_PINNED_PROXY_URL", "socks5://proxy.test:1080",
          "AIJOBS_PROVIDER_PINNED_FALLBACK_TO_DIRECT", "false",
          "AIJOBS_PROVIDER_PINNED_MAX_RETRIES", "2",
          // Direct, three keys.
          "AIJOBS_PROVIDER_POOL_BASE_URL", "http://pool.test/v1",
          "AIJOBS_PROVIDER_POOL_MAX_RETRIES", "2",
          "AIJOBS_PROVIDER_POOL_API_KEY",
              "key-one-0123456789,key-two-0123456789,key-three-0123456789");

  private static final ProviderConfig PLAIN = CONFIG.providers().get("plain");
  private static final ProviderConfig PROXIED = CONFIG.providers().get("proxied");
  private static final ProviderConfig PINNED = CONFIG.providers().get("pinned");
  private static final ProviderConfig POOL = CONFIG.providers().get("pool");

  private final ManualClock clock = new ManualClock();

  /** Jitter at its maximum, so delays are the capped exponential. */
  private final Router router = router(bound -> bound);

  private Router router(java.util.function.LongUnaryOperator jitter) {
    return new Router(
        new ProviderGuards(CONFIG, new SimpleMeterRegistry(), clock),
        Duration.ofMillis(200),
        Duration.ofSeconds(5),
        6,
        jitter);
  }

  /** One failed call and where its job stands. */
  private record Case(ProviderConfig provider, Router.Failed failed, Router.Standing standing) {}

  private static Router.Failed failed(
      ErrorCode code, FailureKind kind, boolean viaProxy, Duration retryAfter) {
    return new Router.Failed(code, kind, retryAfter, viaProxy);
  }

  /** A transport failure as the attempt path reports it: the kind with its own code. */
  private static Router.Failed transport(FailureKind kind, boolean viaProxy) {
    return new Router.Failed(kind.code(), kind, null, viaProxy);
  }

  private static Router.Standing standing(
      int retries, int attempts, boolean next, long msLeft, int usableKeys) {
    return new Router.Standing(retries, 0, 0, attempts, next, msLeft, usableKeys);
  }

  /** Where a job stands after {@code rotations} calls repeated with another key (no retry). */
  private static Router.Standing rotated(
      int rotations, int attempts, boolean next, long msLeft, int usableKeys) {
    return new Router.Standing(0, rotations, 0, attempts, next, msLeft, usableKeys);
  }

  private static Arguments row(
      String name,
      ProviderConfig provider,
      Router.Failed failed,
      Router.Standing standing,
      Action action,
      long delayMs) {
    return Arguments.of(Named.of(name, new Case(provider, failed, standing)), action, delayMs);
  }

  /** The rows of the old retry-policy table, each with its intent. */
  static Stream<Arguments> portedRows() {
    return Stream.of(
        row(
            "proxy refused, fallback allowed",
            PROXIED,
            transport(FailureKind.PROXY_UNREACHABLE, true),
            standing(0, 1, false, LOTS, 0),
            Action.SWITCH_TO_DIRECT,
            0),
        row(
            "proxy handshake failed, fallback forbidden: retry proxy",
            PINNED,
            transport(FailureKind.PROXY_HANDSHAKE, true),
            standing(0, 1, false, LOTS, 0),
            Action.RETRY,
            200),
        row(
            "connect failure: retry with backoff",
            PLAIN,
            transport(FailureKind.CONNECT_FAILED, false),
            standing(0, 1, false, LOTS, 0),
            Action.RETRY,
            200),
        row(
            "second retry doubles",
            PLAIN,
            transport(FailureKind.CONNECT_FAILED, false),
            standing(1, 2, false, LOTS, 0),
            Action.RETRY,
            400),
        row(
            "retries exhausted, fallback left",
            PLAIN,
            failed(ErrorCode.UPSTREAM_ERROR, null, false, null),
            standing(2, 3, true, LOTS, 0),
            Action.NEXT_TARGET,
            0),
        row(
            "retries exhausted, nothing left",
            PLAIN,
            failed(ErrorCode.UPSTREAM_ERROR, null, false, null),
            standing(2, 3, false, LOTS, 0),
            Action.GIVE_UP,
            0),
        row(
            "429 (no usable key) waits its Retry-After, spread by up to a quarter",
            PLAIN,
            failed(ErrorCode.RATE_LIMITED, null, false, Duration.ofSeconds(2)),
            standing(0, 1, false, LOTS, 0),
            Action.WAIT_RATE_LIMIT,
            2500),
        row(
            "429 (no usable key) with Retry-After past the deadline",
            PLAIN,
            failed(ErrorCode.RATE_LIMITED, null, false, Duration.ofSeconds(30)),
            standing(0, 1, false, 5_000, 0),
            Action.GIVE_UP,
            0),
        row(
            "429 (no usable key) with Retry-After past the deadline, fallback left",
            PLAIN,
            failed(ErrorCode.RATE_LIMITED, null, false, Duration.ofSeconds(30)),
            standing(0, 1, true, 5_000, 0),
            Action.NEXT_TARGET,
            0),
        row(
            "500 retried",
            PLAIN,
            failed(ErrorCode.UPSTREAM_ERROR, null, false, null),
            standing(0, 1, false, LOTS, 0),
            Action.RETRY,
            200),
        row(
            "400 context length never retried",
            PLAIN,
            failed(ErrorCode.CONTEXT_LENGTH_EXCEEDED, null, false, null),
            standing(0, 1, false, LOTS, 1),
            Action.GIVE_UP,
            0),
        row(
            "400 content filter never retried, fallback tried",
            PLAIN,
            failed(ErrorCode.CONTENT_FILTERED, null, false, null),
            standing(0, 1, true, LOTS, 1),
            Action.NEXT_TARGET,
            0),
        row(
            "401 (no usable key) never retried",
            PLAIN,
            failed(ErrorCode.AUTH_FAILED, null, false, null),
            standing(0, 1, false, LOTS, 0),
            Action.GIVE_UP,
            0),
        row(
            "402 never retried",
            PLAIN,
            failed(ErrorCode.INSUFFICIENT_CREDITS, null, false, null),
            standing(0, 1, true, LOTS, 1),
            Action.NEXT_TARGET,
            0),
        row(
            "silent provider: not retried on the same route",
            PLAIN,
            transport(FailureKind.SILENT_TIMEOUT, false),
            standing(0, 1, true, LOTS, 0),
            Action.NEXT_TARGET,
            0),
        row(
            "silent provider, nothing left",
            PLAIN,
            transport(FailureKind.SILENT_TIMEOUT, false),
            standing(0, 1, false, LOTS, 0),
            Action.GIVE_UP,
            0),
        row(
            "stalled stream: next target",
            PLAIN,
            failed(ErrorCode.TRUNCATED_STREAM, FailureKind.IDLE_TIMEOUT, false, null),
            standing(0, 1, true, LOTS, 0),
            Action.NEXT_TARGET,
            0),
        row(
            "cut stream: retried",
            PLAIN,
            failed(ErrorCode.TRUNCATED_STREAM, FailureKind.CUT_MID_RESPONSE, false, null),
            standing(0, 1, false, LOTS, 0),
            Action.RETRY,
            200),
        row(
            "malformed event: retried",
            PLAIN,
            failed(ErrorCode.MALFORMED_RESPONSE, null, false, null),
            standing(0, 1, false, LOTS, 0),
            Action.RETRY,
            200),
        row(
            "backoff longer than the time left",
            PLAIN,
            failed(ErrorCode.UPSTREAM_ERROR, null, false, null),
            standing(0, 1, false, 100, 0),
            Action.GIVE_UP,
            0),
        row(
            "deadline: give up",
            PLAIN,
            transport(FailureKind.DEADLINE, false),
            standing(0, 1, true, 0, 1),
            Action.GIVE_UP,
            0),
        row(
            "attempt budget spent",
            PLAIN,
            failed(ErrorCode.UPSTREAM_ERROR, null, false, null),
            standing(0, 6, true, LOTS, 0),
            Action.GIVE_UP,
            0),
        row(
            "TLS failure to provider: next target",
            PROXIED,
            transport(FailureKind.TLS_FAILED, true),
            standing(0, 1, true, LOTS, 0),
            Action.NEXT_TARGET,
            0));
  }

  /** Transport failures after the proxy's tunnel was up, through the proxy and direct. */
  static Stream<Arguments> proxyCutRows() {
    return Stream.of(
        row(
            "cut mid-response through a proxy, direct allowed: retry direct",
            PROXIED,
            transport(FailureKind.CUT_MID_RESPONSE, true),
            standing(0, 1, false, LOTS, 0),
            Action.RETRY_DIRECT,
            200),
        row(
            "cut mid-response (as truncated stream) through a proxy: retry direct",
            PROXIED,
            failed(ErrorCode.TRUNCATED_STREAM, FailureKind.CUT_MID_RESPONSE, true, null),
            standing(0, 1, true, LOTS, 0),
            Action.RETRY_DIRECT,
            200),
        row(
            "reset before the response through a proxy: retry direct",
            PROXIED,
            transport(FailureKind.CLOSED_BEFORE_RESPONSE, true),
            standing(0, 1, true, LOTS, 0),
            Action.RETRY_DIRECT,
            200),
        row(
            "silent timeout through a proxy: retry direct",
            PROXIED,
            transport(FailureKind.SILENT_TIMEOUT, true),
            standing(0, 1, true, LOTS, 0),
            Action.RETRY_DIRECT,
            200),
        row(
            "idle stall through a proxy: retry direct",
            PROXIED,
            transport(FailureKind.IDLE_TIMEOUT, true),
            standing(0, 1, true, LOTS, 0),
            Action.RETRY_DIRECT,
            200),
        row(
            "retry direct counts as a retry: the second one backs off longer",
            PROXIED,
            transport(FailureKind.SILENT_TIMEOUT, true),
            standing(1, 2, true, LOTS, 0),
            Action.RETRY_DIRECT,
            400),
        row(
            "silent through a proxy, retries exhausted, fallback left",
            PROXIED,
            transport(FailureKind.SILENT_TIMEOUT, true),
            standing(2, 3, true, LOTS, 0),
            Action.NEXT_TARGET,
            0),
        row(
            "idle stall through a proxy, retries exhausted, nothing left",
            PROXIED,
            transport(FailureKind.IDLE_TIMEOUT, true),
            standing(2, 3, false, LOTS, 0),
            Action.GIVE_UP,
            0),
        row(
            "cut through a proxy, retries exhausted, fallback left",
            PROXIED,
            transport(FailureKind.CUT_MID_RESPONSE, true),
            standing(2, 3, true, LOTS, 0),
            Action.NEXT_TARGET,
            0),
        row(
            "reset through a proxy, retries exhausted, nothing left",
            PROXIED,
            transport(FailureKind.CLOSED_BEFORE_RESPONSE, true),
            standing(2, 3, false, LOTS, 0),
            Action.GIVE_UP,
            0),
        row(
            "cut through a proxy, backoff past the deadline",
            PROXIED,
            transport(FailureKind.CUT_MID_RESPONSE, true),
            standing(0, 1, true, 150, 0),
            Action.NEXT_TARGET,
            0),
        row(
            "silent through a proxy, attempt budget spent",
            PROXIED,
            transport(FailureKind.SILENT_TIMEOUT, true),
            standing(0, 6, true, LOTS, 0),
            Action.GIVE_UP,
            0),
        // The same failures on a direct route: as before.
        row(
            "silent timeout direct: next target",
            PLAIN,
            transport(FailureKind.SILENT_TIMEOUT, false),
            standing(0, 1, true, LOTS, 0),
            Action.NEXT_TARGET,
            0),
        row(
            "idle stall direct: next target",
            PLAIN,
            transport(FailureKind.IDLE_TIMEOUT, false),
            standing(0, 1, true, LOTS, 0),
            Action.NEXT_TARGET,
            0),
        row(
            "cut mid-response direct: retry",
            PLAIN,
            transport(FailureKind.CUT_MID_RESPONSE, false),
            standing(0, 1, true, LOTS, 0),
            Action.RETRY,
            200),
        row(
            "reset before the response direct: retry",
            PLAIN,
            transport(FailureKind.CLOSED_BEFORE_RESPONSE, false),
            standing(0, 1, true, LOTS, 0),
            Action.RETRY,
            200),
        // Already switched to direct after the proxy: as direct.
        row(
            "silent timeout direct after the proxy: next target",
            PROXIED,
            transport(FailureKind.SILENT_TIMEOUT, false),
            standing(1, 2, true, LOTS, 0),
            Action.NEXT_TARGET,
            0),
        row(
            "cut mid-response direct after the proxy: retry",
            PROXIED,
            transport(FailureKind.CUT_MID_RESPONSE, false),
            standing(1, 2, true, LOTS, 0),
            Action.RETRY,
            400),
        // Through a proxy that may not be left: as before.
        row(
            "silent timeout through a proxy, direct forbidden: next target",
            PINNED,
            transport(FailureKind.SILENT_TIMEOUT, true),
            standing(0, 1, true, LOTS, 0),
            Action.NEXT_TARGET,
            0),
        row(
            "idle stall through a proxy, direct forbidden: give up",
            PINNED,
            transport(FailureKind.IDLE_TIMEOUT, true),
            standing(0, 1, false, LOTS, 0),
            Action.GIVE_UP,
            0),
        row(
            "cut mid-response through a proxy, direct forbidden: retry the proxy",
            PINNED,
            transport(FailureKind.CUT_MID_RESPONSE, true),
            standing(0, 1, true, LOTS, 0),
            Action.RETRY,
            200),
        row(
            "reset through a proxy, direct forbidden: retry the proxy",
            PINNED,
            transport(FailureKind.CLOSED_BEFORE_RESPONSE, true),
            standing(0, 1, true, LOTS, 0),
            Action.RETRY,
            200),
        row(
            "proxy failure switches to direct even with the retries spent",
            PROXIED,
            transport(FailureKind.PROXY_HANDSHAKE, true),
            standing(2, 3, true, LOTS, 0),
            Action.SWITCH_TO_DIRECT,
            0));
  }

  /** Refused (401/403) and rate-limited (429) keys. */
  static Stream<Arguments> keyRows() {
    return Stream.of(
        row(
            "401 with a usable key left: rotate",
            PLAIN,
            failed(ErrorCode.AUTH_FAILED, null, false, null),
            standing(0, 1, false, LOTS, 1),
            Action.ROTATE_KEY,
            0),
        row(
            "429 with a usable key left: rotate at once, whatever Retry-After says",
            PLAIN,
            failed(ErrorCode.RATE_LIMITED, null, false, Duration.ofSeconds(30)),
            standing(0, 1, false, 5_000, 1),
            Action.ROTATE_KEY,
            0),
        row(
            "401 through a proxy with a usable key left: rotate",
            PROXIED,
            failed(ErrorCode.AUTH_FAILED, null, true, null),
            standing(1, 2, true, LOTS, 1),
            Action.ROTATE_KEY,
            0),
        row(
            "429 with no usable key: waits Retry-After (a fallback left or not)",
            PLAIN,
            failed(ErrorCode.RATE_LIMITED, null, false, Duration.ofSeconds(3)),
            standing(0, 1, true, LOTS, 0),
            Action.WAIT_RATE_LIMIT,
            3750),
        row(
            "429 with no usable key and no Retry-After: backoff by the waits so far",
            PLAIN,
            failed(ErrorCode.RATE_LIMITED, null, false, null),
            new Router.Standing(0, 0, 1, 2, true, LOTS, 0),
            Action.WAIT_RATE_LIMIT,
            400),
        row(
            "429 after the retries are spent: still waits (a 429 is not a retry)",
            PLAIN,
            failed(ErrorCode.RATE_LIMITED, null, false, Duration.ofSeconds(1)),
            standing(2, 3, false, LOTS, 0),
            Action.WAIT_RATE_LIMIT,
            1250),
        row(
            "401 with no usable key: next target",
            PLAIN,
            failed(ErrorCode.AUTH_FAILED, null, false, null),
            standing(0, 1, true, LOTS, 0),
            Action.NEXT_TARGET,
            0),
        row(
            "rotation allowed past max retries, up to max retries + keys",
            PLAIN,
            failed(ErrorCode.AUTH_FAILED, null, false, null),
            rotated(3, 4, true, LOTS, 1),
            Action.ROTATE_KEY,
            0),
        row(
            "401 with rotations spent (max retries + keys): next target",
            PLAIN,
            failed(ErrorCode.AUTH_FAILED, null, false, null),
            rotated(4, 5, true, LOTS, 1),
            Action.NEXT_TARGET,
            0),
        row(
            "429 with rotations spent (max retries + keys): waits Retry-After",
            PLAIN,
            failed(ErrorCode.RATE_LIMITED, null, false, Duration.ofSeconds(1)),
            rotated(4, 5, false, LOTS, 1),
            Action.WAIT_RATE_LIMIT,
            1250),
        row(
            "429 with a usable key but the attempt budget spent",
            PLAIN,
            failed(ErrorCode.RATE_LIMITED, null, false, null),
            standing(0, 6, true, LOTS, 1),
            Action.GIVE_UP,
            0),
        row(
            "proxy-layer failure with usable keys left: switch to direct, no rotation",
            PROXIED,
            transport(FailureKind.PROXY_UNREACHABLE, true),
            standing(0, 1, true, LOTS, 1),
            Action.SWITCH_TO_DIRECT,
            0));
  }

  private void check(Case c, Action action, long delayMs) {
    Decision d = router.decide(c.failed(), c.standing(), c.provider());
    assertThat(d.action()).isEqualTo(action);
    assertThat(d.delay().toMillis()).isEqualTo(delayMs);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("portedRows")
  void decidesAsTheRetryPolicyDid(Case c, Action action, long delayMs) {
    check(c, action, delayMs);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("proxyCutRows")
  void decidesAfterTransportFailures(Case c, Action action, long delayMs) {
    check(c, action, delayMs);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("keyRows")
  void decidesAfterRefusedKeys(Case c, Action action, long delayMs) {
    check(c, action, delayMs);
  }

  @Test
  void backoffIsExponentialWithJitterAndCapped() {
    Router noJitter = router(b -> 0);
    Router fullJitter = router(b -> b);
    assertThat(noJitter.backoff(0)).isEqualTo(Duration.ofMillis(100));
    assertThat(fullJitter.backoff(0)).isEqualTo(Duration.ofMillis(200));
    assertThat(fullJitter.backoff(3)).isEqualTo(Duration.ofMillis(1600));
    assertThat(fullJitter.backoff(10)).isEqualTo(Duration.ofSeconds(5));
    assertThat(noJitter.backoff(10)).isEqualTo(Duration.ofMillis(2500));
    assertThat(fullJitter.backoff(1_000)).isEqualTo(Duration.ofSeconds(5));
    Router random =
        new Router(
            new ProviderGuards(CONFIG, new SimpleMeterRegistry(), clock),
            Duration.ofMillis(200),
            Duration.ofSeconds(5),
            6);
    for (int i = 0; i < 100; i++) {
      assertThat(random.backoff(2).toMillis()).isBetween(400L, 800L);
    }
  }

  @Test
  void retryAfterShorterThanTheBackoffIsNotTakenOnA5xx() {
    Decision d =
        router.decide(
            failed(ErrorCode.UPSTREAM_ERROR, null, false, Duration.ofMillis(50)),
            standing(1, 2, false, LOTS, 0),
            PLAIN);
    assertThat(d).isEqualTo(new Decision(Action.RETRY, Duration.ofMillis(400)));
  }

  @Test
  void a429WaitsWhatTheProviderAsksSpreadByUpToAQuarter() {
    Router noJitter = router(bound -> 0);
    Router.Failed limited = failed(ErrorCode.RATE_LIMITED, null, false, Duration.ofMillis(800));
    assertThat(noJitter.decide(limited, standing(1, 2, false, LOTS, 0), PLAIN))
        .isEqualTo(new Decision(Action.WAIT_RATE_LIMIT, Duration.ofMillis(800)));
    assertThat(router.decide(limited, standing(1, 2, false, LOTS, 0), PLAIN))
        .isEqualTo(new Decision(Action.WAIT_RATE_LIMIT, Duration.ofMillis(1000)));
  }

  /**
   * A provider with three keys and {@code MAX_RETRIES=2}, every key rate limited: the job rotates
   * twice, then, with no usable key left, gets a 429 with {@code Retry-After: 1}: it waits a second
   * and retries, as a one-key provider does (rotations are not retries).
   */
  @Test
  void keyRotationsDoNotUseUpTheRetriesOfA429() {
    Router.Failed limited = failed(ErrorCode.RATE_LIMITED, null, false, Duration.ofSeconds(1));
    assertThat(router.decide(limited, standing(0, 1, false, LOTS, 2), POOL).action())
        .isEqualTo(Action.ROTATE_KEY);
    assertThat(router.decide(limited, rotated(1, 2, false, LOTS, 1), POOL).action())
        .isEqualTo(Action.ROTATE_KEY);
    // Without rotations before it (as on a one-key provider), the same 429 waits for Retry-After.
    assertThat(router.decide(limited, standing(0, 1, false, LOTS, 0), POOL))
        .isEqualTo(new Decision(Action.WAIT_RATE_LIMIT, Duration.ofMillis(1250)));
    // After the two rotations the pool is exhausted: the 429 waits its Retry-After too.
    assertThat(router.decide(limited, rotated(2, 3, false, LOTS, 0), POOL))
        .isEqualTo(new Decision(Action.WAIT_RATE_LIMIT, Duration.ofMillis(1250)));
  }
}
