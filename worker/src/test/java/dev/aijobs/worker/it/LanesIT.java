package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.aijobs.protocol.Topology;
import dev.aijobs.worker.consume.ConsumerSupervisor;
import io.micrometer.core.instrument.search.Search;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Provider lanes on the real broker: a slow provider's backlog does not hold up a fast one, and a
 * provider answering 429 pauses its lane (its jobs wait in the broker) and lowers the lane's
 * adaptive limit, which recovers once answers come back; nothing with time left fails.
 */
class LanesIT {
  private static final int SLOW_MAX = 20;

  @RegisterExtension
  static final WorkerRig RIG =
      WorkerRig.with(
          (env, rig) -> {
            env.put("AIJOBS_LANES", "true");
            env.put("AIJOBS_PROVIDER_SLOW_BASE_URL", rig.upstream().baseUrl());
            env.put("AIJOBS_PROVIDER_SLOW_MAX_IN_FLIGHT", Integer.toString(SLOW_MAX));
            env.put("AIJOBS_PROVIDER_FAST_BASE_URL", rig.upstream().baseUrl());
            env.put("AIJOBS_PROVIDER_BUSY_BASE_URL", rig.upstream().baseUrl());
            env.put("AIJOBS_PROVIDER_BUSY_MAX_IN_FLIGHT", "20");
            env.put("AIJOBS_PROVIDER_BUSY_MIN_IN_FLIGHT", "2");
          });

  private static ObjectNode job(String id, String provider, String model) {
    return BotSide.job(id, provider, model, "lanes " + id);
  }

  private static int ready(String queue) throws Exception {
    try (Connection c = ItBroker.connectionFactory().newConnection("aijobs-it-lanes-probe");
        Channel ch = c.createChannel()) {
      return ch.queueDeclarePassive(queue).getMessageCount();
    }
  }

  private static double gauge(String name, String provider) {
    return Search.in(RIG.worker().registry()).name(name).tag("provider", provider).gauge().value();
  }

  @Test
  void aSlowProvidersBacklogDoesNotHoldUpAFastOne() throws Exception {
    List<String> slow = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      String id = "slow-" + i;
      slow.add(id);
      RIG.bot().publish(job(id, "slow", "slow;mock:latency=2000"));
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> gauge(ConsumerSupervisor.LANE_IN_FLIGHT, "slow") >= SLOW_MAX);
    List<String> fast = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      String id = "fast-" + i;
      fast.add(id);
      RIG.bot().publish(job(id, "fast", "fast"));
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> fast.stream().allMatch(id -> RIG.bot().result(id) != null));
    long slowDone = slow.stream().filter(id -> RIG.bot().result(id) != null).count();

    assertThat(slowDone)
        .as("the fast jobs were answered while the slow backlog was still waiting")
        .isLessThan(150);
    assertThat(ready(Topology.laneQueue("slow")))
        .as("the slow backlog waits in its lane")
        .isPositive();
    for (String id : fast) {
      assertThat(RIG.bot().result(id).path("status").asText()).isEqualTo("ok");
    }
    await()
        .atMost(Duration.ofSeconds(90))
        .until(() -> slow.stream().allMatch(id -> RIG.bot().result(id) != null));
  }

  @Test
  void aProviderAnswering429PausesItsLaneAndTheLimitFallsAndRecovers() throws Exception {
    // The provider answers 429 (Retry-After: 2) to its first 40 calls, then normally.
    String model = "busy;mock:status=429;mock:retry-after=2;mock:times=40;mock:latency=20";
    List<String> ids = new ArrayList<>();
    AtomicBoolean sawPause = new AtomicBoolean();
    AtomicInteger lowest = new AtomicInteger(Integer.MAX_VALUE);
    for (int i = 0; i < 400; i++) {
      String id = "busy-" + i;
      ids.add(id);
      ObjectNode j = job(id, "busy", model);
      j.put("deadline_ms", System.currentTimeMillis() + 60_000);
      RIG.bot().publish(j);
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              if (gauge(ConsumerSupervisor.LANE_PAUSED, "busy") == 1) {
                sawPause.set(true);
              }
              lowest.accumulateAndGet(
                  (int) gauge(ConsumerSupervisor.LANE_LIMIT, "busy"), Math::min);
              return ids.stream().allMatch(id -> RIG.bot().result(id) != null);
            });

    assertThat(sawPause).as("the lane paused").isTrue();
    assertThat(lowest.get()).as("the adaptive limit fell").isLessThan(20);
    for (String id : ids) {
      JsonNode r = RIG.bot().result(id);
      assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    }
    assertThat(RIG.upstream().requestCount(model))
        .as("the provider was not hammered: 400 answers and the 40 refusals, few more")
        .isLessThan(400 + 40 + 40);
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              // Answers raise it again; more jobs give it the answers to do so.
              for (int i = 0; i < 50; i++) {
                RIG.bot().publish(job("busy-more-" + System.nanoTime(), "busy", "busy-fine"));
              }
              assertThat(gauge(ConsumerSupervisor.LANE_LIMIT, "busy")).isEqualTo(20);
            });
  }
}
