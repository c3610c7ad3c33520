package dev.aijobs.worker.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aijobs.protocol.ErrorCode;
import dev.aijobs.protocol.Route;
import dev.aijobs.worker.config.ProviderConfig;
import dev.aijobs.worker.config.WorkerConfig;
import dev.aijobs.worker.route.Admission.Kind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Admission before a call: breakers of deployments and proxy endpoints, and rate limits. */
class RouterAdmitTest {
  private static final long LOTS = Duration.ofSeconds(60).toNanos();
  private static final Duration OPEN = Duration.ofSeconds(5);

  private final ManualClock clock = new ManualClock();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  /** Breakers open at 50 % of 10 calls once 4 are counted, for 5 s at first. */
  private final WorkerConfig config =
      TestConfigs.load(
          "AIJOBS_BREAKER_FAILURE_RATE", "50",
          "AIJOBS_BREAKER_WINDOW", "10",
          "AIJOBS_BREAKER_MIN_CALLS", "4",
          "AIJOBS_BREAKER_OPEN_DURATION", "5s",
          "AIJOBS_BREAKER_MAX_OPEN_DURATION", "60s",
          "AIJOBS_PROVIDER_ALPHA_BASE_URL", "http://alpha.test/v1",
          "AIJOBS_PROVIDER_VIA_BASE_URL", "http://via.test/v1",
          "AIJOBS_PROVIDER_VIA_MODE", "socks5",
          "AIJOBS_PROVIDER_VIA_PROXY_URL", "socks5://proxy.test:1080",
          "AIJOBS_PROVIDER_VIA_FALLBACK_TO_DIRECT", "true",
          "AIJOBS_PROVIDER_PINNED_BASE_URL", "http://pinned.test/v1",
          "AIJOBS_PROVIDER_PINNED_MODE", "socks5",
          "AIJOBS_PROVIDER_PINNED_PROXY_URL", "socks5://proxy.test:1080",
          "AIJOBS_PROVIDER_PINNED_FALLBACK_TO_DIRECT", "false",
          "AIJOBS_PROVIDER_LIMITED_BASE_URL", "http://limited.test/v1",
          "AIJOBS_PROVIDER_LIMITED_RATE_LIMIT", "1");

  private final ProviderGuards guards = new ProviderGuards(config, registry, clock);
  private final Router router =
      new Router(guards, Duration.ofMillis(200), Duration.ofSeconds(5), 6, bound -> bound);

  private ProviderConfig provider(String id) {
    return config.providers().get(id);
  }

  private Admission admit(String id, String model, Route route, boolean next, long nanosLeft) {
    return router.admit(new Router.Ask(provider(id), model, route, next, nanosLeft));
  }

  private Admission go(String id, String model, Route route) {
    Admission a = admit(id, model, route, false, LOTS);
    assertThat(a.kind()).as("admission of %s/%s on %s", id, model, route).isEqualTo(Kind.GO);
    return a;
  }

  /** {@code n} calls admitted on {@code route}, each ending with {@code code} and {@code kind}. */
  private void calls(
      String id, String model, Route route, int n, ErrorCode code, FailureKind kind) {
    for (int i = 0; i < n; i++) {
      Admission a = go(id, model, route);
      a.permit().record(code, kind);
    }
  }

  private double breakersOpen(String provider, String route) {
    return registry
        .get(ProviderGuards.BREAKERS_OPEN)
        .tag("provider", provider)
        .tag("route", route)
        .gauge()
        .value();
  }

  /** The call just admitted holds {@code b}'s probe: b is half-open and its probe is out. */
  private static void assertProbeHeld(Breaker b) {
    assertThat(b.state()).isEqualTo(Breaker.State.HALF_OPEN);
    assertThat(b.tryAcquire())
        .as("probe of %s taken", b.name())
        .isEqualTo(Breaker.PROBE_BUSY_NANOS);
  }

  /** How long the provider's next rate slot is away; the schedule is left as it was. */
  private long nextRateWait(String id) {
    return RateLimitTest.nextWait(guards.rateLimit(id));
  }

  private double proxyBreakerOpen(String endpoint) {
    return registry.get(ProviderGuards.PROXY_BREAKER_OPEN).tag("proxy", endpoint).gauge().value();
  }

  @Test
  void closedBreakersLetTheCallGoOnItsRoute() {
    Admission direct = go("alpha", "m1", Route.DIRECT);
    assertThat(direct.route()).isEqualTo(Route.DIRECT);
    assertThat(direct.switchedBecause()).isNull();
    assertThat(direct.error()).isNull();
    assertThat(direct.permit().rateWaitNanos()).isZero();

    Admission proxied = go("via", "m1", Route.PROXY);
    assertThat(proxied.route()).isEqualTo(Route.PROXY);
    assertThat(proxied.switchedBecause()).isNull();
  }

  @Test
  void openDeploymentBreakerWithAFallbackLeftSkipsTheTarget() {
    calls("alpha", "m1", Route.DIRECT, 4, ErrorCode.UPSTREAM_ERROR, null);

    Admission a = admit("alpha", "m1", Route.DIRECT, true, LOTS);
    assertThat(a.kind()).isEqualTo(Kind.SKIP_TARGET);
    assertThat(a.permit()).isNull();
    assertThat(a.route()).isEqualTo(Route.DIRECT);
    assertThat(a.error().code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
    assertThat(a.error().message())
        .contains("circuit breaker")
        .contains("alpha/m1 (direct)")
        .contains("open");
  }

  @Test
  void openDeploymentBreakerWithoutFallbackWaitsForTheProbe() {
    calls("alpha", "m1", Route.DIRECT, 4, ErrorCode.UPSTREAM_ERROR, null);

    Admission a = admit("alpha", "m1", Route.DIRECT, false, LOTS);
    assertThat(a.kind()).isEqualTo(Kind.WAIT);
    assertThat(a.waitNanos()).isEqualTo(OPEN.toNanos());
    assertThat(a.error().message()).contains("alpha/m1 (direct)");
    assertThat(a.permit()).isNull();

    clock.advance(Duration.ofSeconds(2));
    assertThat(admit("alpha", "m1", Route.DIRECT, false, LOTS).waitNanos())
        .isEqualTo(Duration.ofSeconds(3).toNanos());

    clock.advance(Duration.ofSeconds(3));
    Admission probe = admit("alpha", "m1", Route.DIRECT, false, LOTS);
    assertThat(probe.kind()).isEqualTo(Kind.GO);
    assertProbeHeld(guards.deployment("alpha", "m1", false));

    Admission busy = admit("alpha", "m1", Route.DIRECT, false, LOTS);
    assertThat(busy.kind()).isEqualTo(Kind.WAIT);
    assertThat(busy.waitNanos()).isEqualTo(Breaker.PROBE_BUSY_NANOS);

    probe.permit().record(null, null);
    assertThat(guards.deployment("alpha", "m1", false).state()).isEqualTo(Breaker.State.CLOSED);
    go("alpha", "m1", Route.DIRECT);
  }

  @Test
  void openDeploymentBreakerGivesUpWhenTheProbeComesAfterTheDeadline() {
    calls("alpha", "m1", Route.DIRECT, 4, ErrorCode.UPSTREAM_ERROR, null);

    Admission a = admit("alpha", "m1", Route.DIRECT, false, Duration.ofSeconds(4).toNanos());
    assertThat(a.kind()).isEqualTo(Kind.GIVE_UP);
    assertThat(a.permit()).isNull();
    assertThat(a.error().code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
    assertThat(a.error().message())
        .contains("alpha/m1 (direct)")
        .contains("5000 ms")
        .contains("after the job's deadline");
  }

  @Test
  void oneModelsOpenBreakerDoesNotStopAnotherModelOfTheSameProvider() {
    calls("alpha", "m1", Route.DIRECT, 4, ErrorCode.UPSTREAM_ERROR, null);
    assertThat(admit("alpha", "m1", Route.DIRECT, true, LOTS).kind()).isEqualTo(Kind.SKIP_TARGET);

    Admission other = go("alpha", "m2", Route.DIRECT);
    assertThat(other.route()).isEqualTo(Route.DIRECT);
    assertThat(other.switchedBecause()).isNull();
    assertThat(breakersOpen("alpha", "direct")).isEqualTo(1.0);
  }

  @Test
  void openProxyEndpointBreakerWithFallbackGoesDirect() {
    calls("via", "m1", Route.PROXY, 4, ErrorCode.PROXY_UNAVAILABLE, FailureKind.PROXY_UNREACHABLE);
    assertThat(proxyBreakerOpen("proxy.test:1080")).isEqualTo(1.0);
    // Proxy-layer failures do not cool down the deployment behind the proxy.
    assertThat(guards.deployment("via", "m1", true).state()).isEqualTo(Breaker.State.CLOSED);
    assertThat(breakersOpen("via", "proxy")).isZero();

    Admission a = go("via", "m1", Route.PROXY);
    assertThat(a.route()).isEqualTo(Route.DIRECT_AFTER_PROXY_FAILURE);
    assertThat(a.switchedBecause()).isEqualTo("proxy_breaker_open");
    assertThat(a.error()).isNull();
    // The direct call's outcome counts on the direct deployment only.
    a.permit().record(ErrorCode.UPSTREAM_ERROR, null);
    assertThat(guards.proxy(provider("via").proxy()).state()).isEqualTo(Breaker.State.OPEN);
  }

  @Test
  void openProxyEndpointBreakerWithoutFallbackIsProxyUnavailable() {
    // The endpoint is shared: failures through one provider open it for every provider using it.
    calls("via", "m1", Route.PROXY, 4, ErrorCode.PROXY_UNAVAILABLE, FailureKind.PROXY_HANDSHAKE);

    Admission skip = admit("pinned", "m1", Route.PROXY, true, LOTS);
    assertThat(skip.kind()).isEqualTo(Kind.SKIP_TARGET);
    assertThat(skip.route()).isEqualTo(Route.PROXY);
    assertThat(skip.error().code()).isEqualTo(ErrorCode.PROXY_UNAVAILABLE);
    assertThat(skip.error().message()).contains("proxy proxy.test:1080").contains("open");

    Admission wait = admit("pinned", "m1", Route.PROXY, false, LOTS);
    assertThat(wait.kind()).isEqualTo(Kind.WAIT);
    assertThat(wait.waitNanos()).isEqualTo(OPEN.toNanos());
    assertThat(wait.error().code()).isEqualTo(ErrorCode.PROXY_UNAVAILABLE);

    Admission late = admit("pinned", "m1", Route.PROXY, false, Duration.ofSeconds(1).toNanos());
    assertThat(late.kind()).isEqualTo(Kind.GIVE_UP);
    assertThat(late.error().code()).isEqualTo(ErrorCode.PROXY_UNAVAILABLE);
    assertThat(late.error().message()).contains("after the job's deadline");
  }

  @Test
  void openDeploymentBreakerOfTheProxyRouteWithFallbackGoesDirect() {
    // 503s relayed through the proxy: the deployment's proxy route is unwell, the proxy is fine.
    calls("via", "m1", Route.PROXY, 4, ErrorCode.UPSTREAM_ERROR, null);
    assertThat(guards.deployment("via", "m1", true).state()).isEqualTo(Breaker.State.OPEN);
    assertThat(guards.proxy(provider("via").proxy()).state()).isEqualTo(Breaker.State.CLOSED);
    assertThat(breakersOpen("via", "proxy")).isEqualTo(1.0);
    assertThat(breakersOpen("via", "direct")).isZero();
    assertThat(proxyBreakerOpen("proxy.test:1080")).isZero();

    Admission a = go("via", "m1", Route.PROXY);
    assertThat(a.route()).isEqualTo(Route.DIRECT_AFTER_PROXY_FAILURE);
    assertThat(a.switchedBecause()).isEqualTo("breaker_open");
    // Its outcome counts on the direct deployment.
    a.permit().record(ErrorCode.UPSTREAM_ERROR, null);
    calls("via", "m1", Route.DIRECT_AFTER_PROXY_FAILURE, 3, ErrorCode.UPSTREAM_ERROR, null);
    assertThat(guards.deployment("via", "m1", false).state()).isEqualTo(Breaker.State.OPEN);

    // Both routes open, no fallback target: wait for the direct route's probe.
    Admission both = admit("via", "m1", Route.PROXY, false, LOTS);
    assertThat(both.kind()).isEqualTo(Kind.WAIT);
    assertThat(both.error().message()).contains("via/m1 (direct)");
  }

  @Test
  void openDeploymentBreakerOfTheProxyRouteWithoutFallbackStaysOnTheProxy() {
    calls("pinned", "m1", Route.PROXY, 4, ErrorCode.UPSTREAM_ERROR, null);

    Admission a = admit("pinned", "m1", Route.PROXY, true, LOTS);
    assertThat(a.kind()).isEqualTo(Kind.SKIP_TARGET);
    assertThat(a.route()).isEqualTo(Route.PROXY);
    assertThat(a.error().code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
    assertThat(a.error().message()).contains("pinned/m1 (proxy)");
    // The refused call gave its proxy permit back: the proxy breaker is untouched.
    assertThat(guards.proxy(provider("pinned").proxy()).state()).isEqualTo(Breaker.State.CLOSED);
  }

  @Test
  void rateLimitWithoutASlotBeforeTheDeadlineSkipsOrGivesUpAndBooksNothing() {
    Admission first = go("limited", "m1", Route.DIRECT);
    assertThat(first.permit().rateWaitNanos()).isZero();
    long shortLeft = Duration.ofMillis(500).toNanos();

    Admission skip = admit("limited", "m1", Route.DIRECT, true, shortLeft);
    assertThat(skip.kind()).isEqualTo(Kind.SKIP_TARGET);
    assertThat(skip.permit()).isNull();
    assertThat(skip.error().code()).isEqualTo(ErrorCode.RATE_LIMITED);
    assertThat(skip.error().message()).contains("rate limit of limited").contains("deadline");

    for (int i = 0; i < 100; i++) {
      Admission giveUp = admit("limited", "m1", Route.DIRECT, false, shortLeft);
      assertThat(giveUp.kind()).isEqualTo(Kind.GIVE_UP);
      assertThat(giveUp.error().code()).isEqualTo(ErrorCode.RATE_LIMITED);
    }
    // None of the refused jobs took a slot.
    assertThat(nextRateWait("limited")).isEqualTo(Duration.ofSeconds(1).toNanos());
    Admission second = go("limited", "m1", Route.DIRECT);
    assertThat(second.permit().rateWaitNanos()).isEqualTo(Duration.ofSeconds(1).toNanos());
  }

  @Test
  void aSlotMustLeaveRoomForACallBeforeTheDeadline() {
    go("limited", "m1", Route.DIRECT); // the next slot is 1 s away
    long room = Router.MIN_CALL_NANOS;
    assertThat(room).isPositive();
    long slotAt = Duration.ofSeconds(1).toNanos();

    Admission tooTight = admit("limited", "m1", Route.DIRECT, false, slotAt + room - 1);
    assertThat(tooTight.kind()).isEqualTo(Kind.GIVE_UP);
    assertThat(tooTight.error().code()).isEqualTo(ErrorCode.RATE_LIMITED);
    assertThat(nextRateWait("limited")).isEqualTo(slotAt);

    Admission fits = admit("limited", "m1", Route.DIRECT, false, slotAt + room);
    assertThat(fits.kind()).isEqualTo(Kind.GO);
    assertThat(fits.permit().rateWaitNanos()).isEqualTo(slotAt);
  }

  @Test
  void rateLimitRefusalGivesTheBreakerProbeBack() {
    Breaker m1 = guards.deployment("limited", "m1", false);
    for (int i = 0; i < 4; i++) {
      m1.onFailure(m1.tryAcquire());
    }
    clock.advance(OPEN);
    go("limited", "m2", Route.DIRECT); // takes the only slot of this second

    Admission refused =
        admit("limited", "m1", Route.DIRECT, false, Duration.ofMillis(500).toNanos());
    assertThat(refused.kind()).isEqualTo(Kind.GIVE_UP);
    assertThat(refused.error().code()).isEqualTo(ErrorCode.RATE_LIMITED);
    assertThat(m1.state()).isEqualTo(Breaker.State.HALF_OPEN);

    go("limited", "m1", Route.DIRECT); // the probe slot was not leaked
    assertProbeHeld(m1);
  }

  @Test
  void releasingAPermitGivesBackTheRateSlotAndTheProbe() {
    Breaker m1 = guards.deployment("limited", "m1", false);
    for (int i = 0; i < 4; i++) {
      m1.onFailure(m1.tryAcquire());
    }
    clock.advance(OPEN);

    Admission probe = go("limited", "m1", Route.DIRECT);
    assertThat(probe.permit().rateWaitNanos()).isZero();
    assertThat(nextRateWait("limited")).isEqualTo(Duration.ofSeconds(1).toNanos());
    Admission busy = admit("limited", "m1", Route.DIRECT, false, LOTS);
    assertThat(busy.kind()).isEqualTo(Kind.WAIT);
    assertThat(busy.waitNanos()).isEqualTo(Breaker.PROBE_BUSY_NANOS);

    probe.permit().release(); // e.g. the job ended before the call was made
    assertThat(m1.state()).isEqualTo(Breaker.State.HALF_OPEN);
    assertThat(nextRateWait("limited")).as("the slot came back").isZero();

    Admission again = go("limited", "m1", Route.DIRECT);
    assertThat(again.permit().rateWaitNanos()).isZero();
    assertProbeHeld(m1);
    again.permit().record(null, null);
    assertThat(m1.state()).isEqualTo(Breaker.State.CLOSED);
  }

  @Test
  void releasingAProxiedPermitGivesBackTheProxyProbe() {
    Breaker proxy = guards.proxy(provider("pinned").proxy());
    for (int i = 0; i < 4; i++) {
      proxy.onFailure(proxy.tryAcquire());
    }
    clock.advance(OPEN);
    Admission probe = go("pinned", "m1", Route.PROXY);
    assertThat(probe.route()).isEqualTo(Route.PROXY);
    Admission busy = admit("pinned", "m1", Route.PROXY, false, LOTS);
    assertThat(busy.kind()).isEqualTo(Kind.WAIT);
    assertThat(busy.waitNanos()).isEqualTo(Breaker.PROBE_BUSY_NANOS);
    assertThat(busy.error().code()).isEqualTo(ErrorCode.PROXY_UNAVAILABLE);

    probe.permit().release();
    Admission again = go("pinned", "m1", Route.PROXY);
    assertThat(again.route()).isEqualTo(Route.PROXY);
    // A provider's error relayed by the proxy proves the proxy works.
    again.permit().record(ErrorCode.UPSTREAM_ERROR, null);
    assertThat(proxy.state()).isEqualTo(Breaker.State.CLOSED);
    assertThat(proxyBreakerOpen("proxy.test:1080")).isZero();
  }

  /** The proxy endpoint half-open (its probe free) while {@code id}/m1's proxy route is open. */
  private Breaker halfOpenProxyAndOpenProxyRoute(String id) {
    Breaker proxy = guards.proxy(provider(id).proxy());
    for (int i = 0; i < 4; i++) {
      proxy.onFailure(proxy.tryAcquire());
    }
    clock.advance(OPEN);
    Breaker route = guards.deployment(id, "m1", true);
    for (int i = 0; i < 4; i++) {
      route.onFailure(route.tryAcquire());
    }
    assertThat(route.state()).isEqualTo(Breaker.State.OPEN);
    return proxy;
  }

  @Test
  void switchingToDirectBecauseOfTheRouteBreakerGivesTheProxyProbeBack() {
    Breaker proxy = halfOpenProxyAndOpenProxyRoute("via");

    Admission a = go("via", "m1", Route.PROXY); // took the proxy's probe, then switched
    assertThat(a.route()).isEqualTo(Route.DIRECT_AFTER_PROXY_FAILURE);
    assertThat(a.switchedBecause()).isEqualTo("breaker_open");
    assertThat(proxy.state()).isEqualTo(Breaker.State.HALF_OPEN);

    Admission other = go("via", "m2", Route.PROXY);
    assertThat(other.route()).as("the proxy's probe is free").isEqualTo(Route.PROXY);
    assertThat(other.switchedBecause()).isNull();
    assertProbeHeld(proxy);
  }

  @Test
  void refusalByTheRouteBreakerGivesTheProxyProbeBack() {
    Breaker proxy = halfOpenProxyAndOpenProxyRoute("pinned");

    Admission a = admit("pinned", "m1", Route.PROXY, true, LOTS);
    assertThat(a.kind()).isEqualTo(Kind.SKIP_TARGET);
    assertThat(a.error().message()).contains("pinned/m1 (proxy)");
    assertThat(proxy.state()).isEqualTo(Breaker.State.HALF_OPEN);

    Admission other = go("pinned", "m2", Route.PROXY); // the proxy's probe is free
    assertThat(other.route()).isEqualTo(Route.PROXY);
    assertProbeHeld(proxy);
  }

  @Test
  void rateLimitedOutcomesNeverOpenTheBreakerButServerErrorsDo() {
    calls("alpha", "m1", Route.DIRECT, 200, ErrorCode.RATE_LIMITED, null);
    assertThat(guards.deployment("alpha", "m1", false).state()).isEqualTo(Breaker.State.CLOSED);
    assertThat(breakersOpen("alpha", "direct")).isZero();

    // Nor do they dilute the failure rate: four 503s among them still open it.
    calls("alpha", "m1", Route.DIRECT, 3, ErrorCode.UPSTREAM_ERROR, null);
    calls("alpha", "m1", Route.DIRECT, 50, ErrorCode.RATE_LIMITED, null);
    assertThat(guards.deployment("alpha", "m1", false).state()).isEqualTo(Breaker.State.CLOSED);
    calls("alpha", "m1", Route.DIRECT, 1, ErrorCode.UPSTREAM_ERROR, null);
    assertThat(guards.deployment("alpha", "m1", false).state()).isEqualTo(Breaker.State.OPEN);
    assertThat(breakersOpen("alpha", "direct")).isEqualTo(1.0);
  }

  @Test
  void aPermitIsSettledOnlyOnce() {
    for (int i = 0; i < 3; i++) {
      Permit p = go("alpha", "m1", Route.DIRECT).permit();
      p.record(ErrorCode.UPSTREAM_ERROR, null);
      p.record(ErrorCode.UPSTREAM_ERROR, null); // ignored
      p.release(); // ignored
    }
    assertThat(guards.deployment("alpha", "m1", false).state())
        .as("3 failures counted, under minCalls")
        .isEqualTo(Breaker.State.CLOSED);

    Admission limited = go("limited", "m1", Route.DIRECT);
    limited.permit().record(null, null);
    limited.permit().release(); // settled already: the used slot is not given back
    assertThat(nextRateWait("limited")).isEqualTo(Duration.ofSeconds(1).toNanos());
  }
}
