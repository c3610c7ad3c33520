package dev.aijobs.worker.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aijobs.protocol.Route;
import dev.aijobs.worker.config.WorkerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Breakers per deployment and per proxy endpoint, their gauges, their cap, and bulkheads. */
class ProviderGuardsTest {
  private final ManualClock clock = new ManualClock();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private final WorkerConfig config =
      TestConfigs.load(
          "AIJOBS_BREAKER_FAILURE_RATE", "50",
          "AIJOBS_BREAKER_WINDOW", "10",
          "AIJOBS_BREAKER_MIN_CALLS", "2",
          "AIJOBS_BREAKER_OPEN_DURATION", "5s",
          "AIJOBS_BREAKER_MAX_OPEN_DURATION", "60s",
          "AIJOBS_PROVIDER_ALPHA_BASE_URL", "http://alpha.test/v1",
          "AIJOBS_PROVIDER_ALPHA_MAX_CONCURRENCY", "1",
          "AIJOBS_PROVIDER_VIA_BASE_URL", "http://via.test/v1",
          "AIJOBS_PROVIDER_VIA_MODE", "socks5",
          "AIJOBS_PROVIDER_VIA_PROXY_URL", "socks5://proxy.test:1080",
          "AIJOBS_PROVIDER_OTHER_BASE_URL", "http://other.test/v1",
          "AIJOBS_PROVIDER_OTHER_MODE", "socks5",
          "AIJOBS_PROVIDER_OTHER_PROXY_URL", "socks5://user:pw@proxy.test:1080",
          "AIJOBS_PROVIDER_LIMITED_BASE_URL", "http://limited.test/v1",
          "AIJOBS_PROVIDER_LIMITED_RATE_LIMIT", "0.5");

  private final ProviderGuards guards = new ProviderGuards(config, registry, clock);

  private static void trip(Breaker b) {
    b.onFailure(b.tryAcquire());
    b.onFailure(b.tryAcquire());
    assertThat(b.state()).isEqualTo(Breaker.State.OPEN);
  }

  private double breakersOpen(String provider, String route) {
    return registry
        .get(ProviderGuards.BREAKERS_OPEN)
        .tag("provider", provider)
        .tag("route", route)
        .gauge()
        .value();
  }

  private double proxyOpen(String endpoint) {
    return registry.get(ProviderGuards.PROXY_BREAKER_OPEN).tag("proxy", endpoint).gauge().value();
  }

  @Test
  void oneBreakerPerProviderModelAndRoute() {
    Breaker direct = guards.deployment("alpha", "m1", false);
    assertThat(direct.name()).isEqualTo("alpha/m1 (direct)");
    assertThat(guards.deployment("alpha", "m1", false)).isSameAs(direct);
    assertThat(guards.deployment("alpha", "m1", true).name()).isEqualTo("alpha/m1 (proxy)");
    assertThat(guards.deployment("alpha", "m1", true)).isNotSameAs(direct);
    assertThat(guards.deployment("alpha", "m2", false)).isNotSameAs(direct);
    assertThat(guards.deployment("via", "m1", false)).isNotSameAs(direct);
  }

  @Test
  void oneBreakerPerProxyEndpointSharedByItsProviders() {
    Breaker via = guards.proxy(config.providers().get("via").proxy());
    assertThat(via.name()).isEqualTo("proxy proxy.test:1080");
    assertThat(guards.proxy(config.providers().get("other").proxy())).isSameAs(via);
  }

  @Test
  void gaugesStartAtZeroForEveryProviderRouteAndProxy() {
    assertThat(breakersOpen("alpha", "direct")).isZero();
    assertThat(breakersOpen("via", "direct")).isZero();
    assertThat(breakersOpen("via", "proxy")).isZero();
    assertThat(proxyOpen("proxy.test:1080")).isZero();
    assertThat(
            registry
                .find(ProviderGuards.BREAKERS_OPEN)
                .tag("provider", "alpha")
                .tag("route", "proxy")
                .gauge())
        .as("a direct provider has no proxy route")
        .isNull();
  }

  @Test
  void breakersOpenCountsOpenAndHalfOpenBreakersPerProviderAndRoute() {
    Breaker m1 = guards.deployment("via", "m1", true);
    Breaker m2 = guards.deployment("via", "m2", true);
    trip(m1);
    trip(m2);
    trip(guards.deployment("via", "m3", false));
    assertThat(breakersOpen("via", "proxy")).isEqualTo(2.0);
    assertThat(breakersOpen("via", "direct")).isEqualTo(1.0);
    assertThat(breakersOpen("alpha", "direct")).isZero();

    clock.advance(Duration.ofSeconds(5));
    long probe1 = m1.tryAcquire();
    long probe2 = m2.tryAcquire();
    assertThat(m1.state()).isEqualTo(Breaker.State.HALF_OPEN);
    assertThat(breakersOpen("via", "proxy")).as("half-open still counts").isEqualTo(2.0);

    m2.onFailure(probe2); // reopens: still one
    assertThat(breakersOpen("via", "proxy")).isEqualTo(2.0);
    m1.onSuccess(probe1);
    assertThat(breakersOpen("via", "proxy")).isEqualTo(1.0);
  }

  @Test
  void proxyGaugeIsOneWhileTheEndpointBreakerIsNotClosed() {
    Breaker proxy = guards.proxy(config.providers().get("via").proxy());
    trip(proxy);
    assertThat(proxyOpen("proxy.test:1080")).isEqualTo(1.0);
    clock.advance(Duration.ofSeconds(5));
    long probe = proxy.tryAcquire();
    assertThat(proxyOpen("proxy.test:1080")).isEqualTo(1.0);
    proxy.onSuccess(probe);
    assertThat(proxyOpen("proxy.test:1080")).isZero();
  }

  @Test
  void atTheCapIdleClosedBreakersAreForgottenFirst() {
    int half = ProviderGuards.MAX_BREAKERS / 2;
    Breaker oldest = guards.deployment("alpha", "old-0", false);
    for (int i = 1; i < half; i++) {
      guards.deployment("alpha", "old-" + i, false);
    }
    clock.advance(Duration.ofMinutes(11));
    Breaker recent = guards.deployment("alpha", "new-0", false);
    for (int i = 1; i < ProviderGuards.MAX_BREAKERS - half; i++) {
      guards.deployment("alpha", "new-" + i, false);
    }

    guards.deployment("alpha", "one-more", false); // at the cap: the idle ones go
    assertThat(guards.deployment("alpha", "new-0", false)).isSameAs(recent);
    assertThat(guards.deployment("alpha", "old-0", false)).isNotSameAs(oldest);
  }

  @Test
  void atTheCapWithNoIdleBreakerEveryClosedOneIsForgottenButOpenOnesStay() {
    Breaker open = guards.deployment("alpha", "m-0", false);
    trip(open);
    Breaker closed = guards.deployment("alpha", "m-1", false);
    for (int i = 2; i < ProviderGuards.MAX_BREAKERS; i++) {
      guards.deployment("alpha", "m-" + i, false);
    }

    guards.deployment("alpha", "one-more", false);
    assertThat(guards.deployment("alpha", "m-0", false)).isSameAs(open);
    assertThat(open.state()).isEqualTo(Breaker.State.OPEN);
    assertThat(guards.deployment("alpha", "m-1", false)).isNotSameAs(closed);
    assertThat(breakersOpen("alpha", "direct")).isEqualTo(1.0);
  }

  @Test
  void rateLimitOnlyForProvidersThatSetOne() {
    assertThat(guards.rateLimit("alpha")).isNull();
    RateLimit limit = guards.rateLimit("limited");
    assertThat(limit).isNotNull();
    assertThat(limit.book(0).waitNanos()).isZero();
    assertThat(limit.book(Duration.ofSeconds(2).toNanos()).waitNanos())
        .isEqualTo(Duration.ofSeconds(2).toNanos());
  }

  @Test
  void bulkheadPlaceIsHeldUntilThePermitIsSettled() {
    Router router = new Router(guards, Duration.ofMillis(100), Duration.ofSeconds(1), 6);
    List<Runnable> later = new ArrayList<>();
    List<String> ran = new ArrayList<>();

    Permit first = admit(router).permit();
    first.whenBulkheadAllows(() -> ran.add("first"), later::add);
    assertThat(ran).containsExactly("first");

    Permit second = admit(router).permit();
    second.whenBulkheadAllows(() -> ran.add("second"), later::add);
    assertThat(ran).as("max concurrency 1: the second waits").containsExactly("first");
    assertThat(later).isEmpty();

    first.record(null, null);
    assertThat(later).hasSize(1);
    later.remove(0).run();
    assertThat(ran).containsExactly("first", "second");

    Permit third = admit(router).permit();
    third.whenBulkheadAllows(() -> ran.add("third"), later::add);
    second.release();
    later.remove(0).run();
    assertThat(ran).containsExactly("first", "second", "third");
    third.record(null, null);
  }

  @Test
  void permitSettledWhileWaitingForTheBulkheadGivesItsPlaceOn() {
    Router router = new Router(guards, Duration.ofMillis(100), Duration.ofSeconds(1), 6);
    List<Runnable> later = new ArrayList<>();
    List<String> ran = new ArrayList<>();

    Permit running = admit(router).permit();
    running.whenBulkheadAllows(() -> ran.add("running"), later::add);
    Permit abandoned = admit(router).permit();
    abandoned.whenBulkheadAllows(() -> ran.add("abandoned"), later::add);
    Permit waiting = admit(router).permit();
    waiting.whenBulkheadAllows(() -> ran.add("waiting"), later::add);

    abandoned.release(); // its job ended while it waited
    running.record(null, null);
    assertThat(later).hasSize(1);
    later.remove(0).run(); // the abandoned call does not run, and passes its place on
    assertThat(later).hasSize(1);
    later.remove(0).run();
    assertThat(ran).containsExactly("running", "waiting");
  }

  private Admission admit(Router router) {
    Admission a =
        router.admit(
            new Router.Ask(
                config.providers().get("alpha"),
                "m1",
                Route.DIRECT,
                false,
                Duration.ofSeconds(60).toNanos()));
    assertThat(a.kind()).isEqualTo(Admission.Kind.GO);
    return a;
  }
}
