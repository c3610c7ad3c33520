package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aijobs.testkit.FaultSocks5Server;
import dev.aijobs.testkit.FaultSocks5Server.Mode;
import dev.aijobs.testkit.MockUpstream;
import dev.aijobs.worker.route.ProviderGuards;
import io.micrometer.core.instrument.search.Search;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Routing on the real broker with the default circuit-breaker settings: breakers per deployment
 * (one failing model leaves the provider's others and its fallbacks alone), recovery after an
 * outage without waiting out a long open time, a proxy that cuts every answer (the retry goes
 * direct), and a rate-limited provider after a burst (no phantom {@code rate_limited}).
 */
class RoutingIT {
  @RegisterExtension
  static final WorkerRig RIG =
      WorkerRig.with(
          (env, rig) -> {
            // Relays requests and cuts every answer after a few bytes.
            FaultSocks5Server cutter = rig.own(FaultSocks5Server.start());
            cutter.setMode(Mode.CLOSE_MID_RESPONSE);
            MockUpstream upstream = rig.upstream();
            env.put("AIJOBS_PROVIDER_MOCK_MAX_RETRIES", "2");
            // The same mock, without retries: each failing job is exactly one failed call.
            env.put("AIJOBS_PROVIDER_ONCE_BASE_URL", upstream.baseUrl());
            env.put("AIJOBS_PROVIDER_ONCE_MAX_RETRIES", "0");
            env.put("AIJOBS_PROVIDER_CUT_BASE_URL", upstream.baseUrl());
            env.put("AIJOBS_PROVIDER_CUT_MODE", "socks5");
            env.put("AIJOBS_PROVIDER_CUT_PROXY_URL", cutter.url());
            env.put("AIJOBS_PROVIDER_LIMITED_BASE_URL", upstream.baseUrl());
            env.put("AIJOBS_PROVIDER_LIMITED_RATE_LIMIT", "10");
          });

  private static ObjectNode job(String id, String provider, String model) {
    return BotSide.job(id, provider, model, "routing " + id);
  }

  private static List<JsonNode> publishAll(List<ObjectNode> jobs, Duration within)
      throws Exception {
    for (ObjectNode j : jobs) {
      RIG.bot().publish(j);
    }
    await()
        .atMost(within)
        .until(() -> jobs.stream().allMatch(j -> RIG.bot().result(j.path("id").asText()) != null));
    List<JsonNode> results = new ArrayList<>();
    for (ObjectNode j : jobs) {
      results.add(RIG.bot().result(j.path("id").asText()));
    }
    return results;
  }

  private static double breakersOpen(String provider) {
    return Search.in(RIG.worker().registry())
        .name(ProviderGuards.BREAKERS_OPEN)
        .tag("provider", provider)
        .gauges()
        .stream()
        .mapToDouble(g -> g.value())
        .sum();
  }

  @Test
  void oneFailingModelLeavesTheProvidersOtherModelsAndItsFallbackServing() throws Exception {
    String bad = "multi-bad;mock:status=503";
    List<ObjectNode> jobs = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ObjectNode withFallback = job("multi-fb-" + i, "mock", bad);
      withFallback.putArray("fallbacks").addObject().put("provider", "mock").put("model", "good");
      jobs.add(withFallback);
      jobs.add(job("multi-other-" + i, "mock", "other-" + i));
    }
    List<JsonNode> results = publishAll(jobs, Duration.ofSeconds(60));

    for (JsonNode r : results) {
      assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    }
    for (int i = 0; i < results.size(); i += 2) {
      assertThat(results.get(i).path("completion").path("model").asText()).isEqualTo("good");
    }
    // Without a breaker each of the 20 jobs makes 1 + 2 calls to the failing model.
    assertThat(RIG.upstream().requestCount(bad))
        .as("the failing model's breaker opened and spared it calls")
        .isLessThan(60);
    assertThat(breakersOpen("mock")).isGreaterThanOrEqualTo(1);

    // While it is open, a job for the failing model goes to its fallback without calling it.
    long before = RIG.upstream().requestCount(bad);
    ObjectNode next = job("multi-after", "mock", bad);
    next.putArray("fallbacks").addObject().put("provider", "mock").put("model", "good");
    JsonNode r = publishAll(List.of(next), Duration.ofSeconds(30)).get(0);
    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    assertThat(r.path("completion").path("model").asText()).isEqualTo("good");
    assertThat(RIG.upstream().requestCount(bad) - before).isLessThanOrEqualTo(1); // a probe at most
  }

  @Test
  void jobsAfterAnOutageAreServedByThePrimary() throws Exception {
    // The outage: the model's first 10 calls answer 503, which opens its breaker (10 calls, 50%).
    String model = "outage;mock:status=503;mock:times=10";
    List<ObjectNode> outage = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      outage.add(job("outage-" + i, "once", model));
    }
    for (JsonNode r : publishAll(outage, Duration.ofSeconds(30))) {
      assertThat(r.path("error").path("code").asText())
          .as(r.toString())
          .isEqualTo("upstream_error");
    }
    assertThat(breakersOpen("once")).isEqualTo(1);

    // The outage is over. Jobs with no fallback wait for the breaker's probe instead of failing.
    List<ObjectNode> after = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ObjectNode j = job("after-outage-" + i, "once", model);
      j.put("deadline_ms", System.currentTimeMillis() + 20_000);
      after.add(j);
    }
    for (JsonNode r : publishAll(after, Duration.ofSeconds(30))) {
      assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
      assertThat(r.path("completion").path("provider").asText()).isEqualTo("once");
      assertThat(r.path("attempts")).as(r.toString()).hasSize(1);
    }
    assertThat(breakersOpen("once")).isZero();
    assertThat(RIG.upstream().requestCount(model)).isEqualTo(15);
  }

  @Test
  void aProxyThatCutsEveryAnswerIsLeftForDirect() throws Exception {
    List<ObjectNode> jobs = new ArrayList<>();
    for (int i = 0; i < 15; i++) {
      jobs.add(job("cut-" + i, "cut", "cut-model"));
    }
    for (JsonNode r : publishAll(jobs, Duration.ofSeconds(60))) {
      assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
      assertThat(r.path("route").asText()).isEqualTo("direct_after_proxy_failure");
      long viaProxy = 0;
      for (JsonNode a : r.path("attempts")) {
        if ("proxy".equals(a.path("route").asText())) {
          viaProxy++;
          assertThat(a.path("outcome").asText()).isNotEqualTo("ok");
        }
      }
      assertThat(viaProxy).as(r.toString()).isLessThanOrEqualTo(2);
    }
  }

  @Test
  void aBurstAgainstARateLimitLeavesNoPhantomRateLimited() throws Exception {
    List<ObjectNode> burst = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      ObjectNode j = job("burst-" + i, "limited", "burst");
      j.put("deadline_ms", System.currentTimeMillis() + 3_000);
      burst.add(j);
    }
    long ok = 0;
    for (JsonNode r : publishAll(burst, Duration.ofSeconds(30))) {
      if ("ok".equals(r.path("status").asText())) {
        ok++;
      } else {
        assertThat(r.path("error").path("code").asText())
            .as(r.toString())
            .isEqualTo("rate_limited");
        assertThat(r.path("attempts")).isEmpty();
      }
    }
    assertThat(ok).as("about 3 s of 10 calls/s, plus the burst").isBetween(10L, 45L);

    // The burst is over: jobs one at a time are all served.
    for (int i = 0; i < 20; i++) {
      ObjectNode j = job("after-burst-" + i, "limited", "after");
      j.put("deadline_ms", System.currentTimeMillis() + 3_000);
      JsonNode r = publishAll(List.of(j), Duration.ofSeconds(10)).get(0);
      assertThat(r.path("status").asText()).as("job %d after the burst: %s", i, r).isEqualTo("ok");
    }
  }
}
