package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aijobs.testkit.FaultSocks5Server;
import dev.aijobs.testkit.MockUpstream;
import dev.aijobs.worker.Worker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.search.Search;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Stopping the proxy in the middle of a 1,000-job run moves traffic direct with no failed job. */
class ProxyFailoverLoadIT {
  private static final int JOBS = 1000;

  @Test
  void proxyStoppedMidRunLosesNoJob() throws Exception {
    BotSide.resetQueues();
    try (MockUpstream upstream =
            MockUpstream.start(
                MockUpstream.Options.builder().latency(Duration.ofMillis(50)).build());
        FaultSocks5Server proxy = FaultSocks5Server.start();
        BotSide bot = new BotSide()) {
      Map<String, String> env = Workers.env(upstream);
      env.put("AIJOBS_PROVIDER_OR_BASE_URL", upstream.baseUrl());
      env.put("AIJOBS_PROVIDER_OR_MODE", "socks5");
      env.put("AIJOBS_PROVIDER_OR_PROXY_URL", proxy.url());
      env.put("AIJOBS_PROVIDER_OR_CONNECT_TIMEOUT", "2s");
      env.put("AIJOBS_MAX_IN_FLIGHT", "200");
      try (Worker worker = Worker.start(Workers.config(env))) {
        await().atMost(Duration.ofSeconds(10)).until(worker::isReady);
        for (int i = 0; i < JOBS; i++) {
          bot.publish(BotSide.job("failover-" + i, "or", "m", "job " + i));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> bot.answeredIds() >= JOBS / 3);
        proxy.setMode(FaultSocks5Server.Mode.REFUSE);
        proxy.closeConnections();
        await().atMost(Duration.ofSeconds(120)).until(() -> bot.answeredIds() == JOBS);

        int viaProxy = 0;
        int fellBack = 0;
        for (int i = 0; i < JOBS; i++) {
          JsonNode r = bot.result("failover-" + i);
          assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
          assertThat(r.path("completion").path("content").asText()).isEqualTo("echo: job " + i);
          switch (r.path("route").asText()) {
            case "proxy" -> viaProxy++;
            case "direct_after_proxy_failure" -> fellBack++;
            default -> throw new AssertionError("unexpected route in " + r);
          }
        }
        assertThat(viaProxy).as("jobs answered through the proxy").isPositive();
        assertThat(fellBack).as("jobs answered direct after the proxy died").isPositive();
        assertThat(fallbacks(worker, null)).isEqualTo(fellBack);
        assertThat(fallbacks(worker, "breaker_open"))
            .as("the proxy's breaker opened and later jobs went direct at once")
            .isPositive();
      }
    }
  }

  private static double fallbacks(Worker worker, String reason) {
    Search s = Search.in(worker.registry()).name("aijobs.proxy.fallbacks");
    if (reason != null) {
      s = s.tag("reason", reason);
    }
    return s.counters().stream().mapToDouble(Counter::count).sum();
  }
}
