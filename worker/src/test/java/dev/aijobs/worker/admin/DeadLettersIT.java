package dev.aijobs.worker.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.GetResponse;
import dev.aijobs.protocol.Topology;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The queue tool against a real broker: a dead-letter queue holding poisoned jobs (undecodable,
 * unknown provider, over the delivery limit) and good ones that failed for a reason since fixed.
 */
class DeadLettersIT {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static AdminBroker broker;

  private String run;
  private String bad1;
  private String bad2;
  private String poison;
  private String good1;
  private String good2;

  @BeforeAll
  static void connect() throws Exception {
    broker = new AdminBroker();
  }

  @AfterAll
  static void disconnect() throws Exception {
    broker.reset();
    broker.close();
  }

  @BeforeEach
  void seed() throws Exception {
    broker.reset();
    run = UUID.randomUUID().toString().substring(0, 8);
    bad1 = "bad-json-" + run;
    bad2 = "bad-provider-" + run;
    poison = "poison-" + run;
    good1 = "good-1-" + run;
    good2 = "good-2-" + run;
    broker.deadLetter(bad1, "mock", "invalid_job", "body is not valid JSON", Map.of());
    broker.deadLetter(bad2, "nope", "unknown_provider", "unknown provider 'nope'", Map.of());
    broker.deadLetter(
        poison,
        "mock",
        null,
        null,
        Map.of(
            "x-death",
            List.of(Map.of("reason", "delivery_limit", "queue", "ai.jobs", "count", 6L))));
    broker.deadLetter(
        good1,
        "openrouter",
        "unknown_provider",
        "unknown provider 'openrouter'",
        Map.of("x-trace", "t-1", "x-first-death-reason", "rejected"));
    broker.deadLetter(
        good2, "deepseek", "unknown_provider", "unknown provider 'deepseek'", Map.of());
    await().atMost(WAIT).until(() -> broker.depth(Topology.DEAD_LETTER_QUEUE) == 5);
  }

  @Test
  void listShowsEveryDeadLetterWithItsReasonAndRemovesNothing() throws Exception {
    AdminBroker.Run list = broker.cli("queues", "dead", "list");

    assertThat(list.code()).as(list.err()).isZero();
    assertThat(list.out())
        .contains(bad1, "invalid_job", "body is not valid JSON")
        .contains(bad2, "unknown_provider", "nope")
        .contains(poison, "broker: delivery_limit from ai.jobs (count 6)")
        .contains(good1, "openrouter")
        .contains("5 shown of 5");
    await().atMost(WAIT).until(() -> broker.depth(Topology.DEAD_LETTER_QUEUE) == 5);

    AdminBroker.Run limited = broker.cli("queues", "dead", "list", "--limit", "2");
    assertThat(limited.out()).contains("2 shown of 5");
    await().atMost(WAIT).until(() -> broker.depth(Topology.DEAD_LETTER_QUEUE) == 5);
  }

  @Test
  void replayOfSelectedIdsPutsExactlyThoseBackWithCleanHeaders() throws Exception {
    AdminBroker.Run replay = broker.cli("queues", "dead", "replay", "--id", good1, "--id", good2);

    assertThat(replay.code()).as(replay.err()).isZero();
    assertThat(replay.out()).contains(good1, good2, "replayed 2 of 5");
    await().atMost(WAIT).until(() -> broker.depth(Topology.JOBS_QUEUE) == 2);
    List<GetResponse> jobs = broker.drain(Topology.JOBS_QUEUE);
    assertThat(jobs)
        .extracting(r -> r.getProps().getMessageId())
        .containsExactlyInAnyOrder(good1, good2);
    GetResponse first =
        jobs.stream()
            .filter(r -> r.getProps().getMessageId().equals(good1))
            .findFirst()
            .orElseThrow();
    assertThat(first.getEnvelope().getExchange()).isEqualTo(Topology.JOBS_EXCHANGE);
    assertThat(first.getEnvelope().getRoutingKey()).isEqualTo("openrouter");
    assertThat(first.getProps().getReplyTo()).isEqualTo("admin-it-replies");
    assertThat(first.getProps().getDeliveryMode()).isEqualTo(2);
    assertThat(first.getProps().getHeaders())
        .containsKey("x-trace")
        .doesNotContainKeys(
            Topology.HEADER_REASON, Topology.HEADER_ERROR_CODE, "x-death", "x-first-death-reason");

    await().atMost(WAIT).until(() -> broker.depth(Topology.DEAD_LETTER_QUEUE) == 3);
    assertThat(broker.drain(Topology.DEAD_LETTER_QUEUE))
        .extracting(r -> r.getProps().getMessageId())
        .containsExactlyInAnyOrder(bad1, bad2, poison);
  }

  @Test
  void dryRunShowsTheSelectionAndChangesNothing() throws Exception {
    AdminBroker.Run dry = broker.cli("queues", "dead", "replay", "--all", "--dry-run");

    assertThat(dry.code()).as(dry.err()).isZero();
    assertThat(dry.out()).contains(bad1, bad2, poison, good1, good2, "would replay 5 of 5");
    await().atMost(WAIT).until(() -> broker.depth(Topology.DEAD_LETTER_QUEUE) == 5);
    assertThat(broker.depth(Topology.JOBS_QUEUE)).isZero();
  }

  @Test
  void limitCapsHowManyAreReplayed() throws Exception {
    AdminBroker.Run replay = broker.cli("queues", "dead", "replay", "--all", "--limit", "2");

    assertThat(replay.code()).as(replay.err()).isZero();
    await().atMost(WAIT).until(() -> broker.depth(Topology.JOBS_QUEUE) == 2);
    await().atMost(WAIT).until(() -> broker.depth(Topology.DEAD_LETTER_QUEUE) == 3);
  }

  @Test
  void unknownIdFailsAndChangesNothing() throws Exception {
    AdminBroker.Run replay = broker.cli("queues", "dead", "replay", "--id", "missing-" + run);

    assertThat(replay.code()).isEqualTo(AdminCli.FAILED);
    assertThat(replay.err()).contains("not found", "missing-" + run);
    await().atMost(WAIT).until(() -> broker.depth(Topology.DEAD_LETTER_QUEUE) == 5);
    assertThat(broker.depth(Topology.JOBS_QUEUE)).isZero();
  }

  @Test
  void unroutableReplayKeepsTheDeadLetter() throws Exception {
    broker.unbindJobsQueue();

    AdminBroker.Run replay = broker.cli("queues", "dead", "replay", "--id", good1);

    assertThat(replay.code()).isEqualTo(AdminCli.FAILED);
    assertThat(replay.err()).contains("not routed", good1);
    await().atMost(WAIT).until(() -> broker.depth(Topology.DEAD_LETTER_QUEUE) == 5);
  }

  @Test
  void purgeRefusesWithoutConfirmationAndEmptiesWithIt() throws Exception {
    AdminBroker.Run refused = broker.cli("queues", "dead", "purge");

    assertThat(refused.code()).isEqualTo(AdminCli.USAGE);
    assertThat(refused.err()).contains("--yes-i-am-sure");
    await().atMost(WAIT).until(() -> broker.depth(Topology.DEAD_LETTER_QUEUE) == 5);

    AdminBroker.Run purged = broker.cli("queues", "dead", "purge", "--yes-i-am-sure");
    assertThat(purged.code()).as(purged.err()).isZero();
    assertThat(purged.out()).contains("purged 5");
    await().atMost(WAIT).until(() -> broker.depth(Topology.DEAD_LETTER_QUEUE) == 0);
  }

  @Test
  void statsShowsDepthAndConsumersOverAmqpAlone() {
    AdminBroker.Run stats = broker.cli("queues", "stats", "--management-url", "http://127.0.0.1:1");

    assertThat(stats.code()).as(stats.err()).isZero();
    assertThat(stats.out())
        .containsPattern("ai\\.jobs\\.dead\\s+5\\s")
        .containsPattern("ai\\.jobs\\s+0\\s")
        .contains("management API not reachable");
  }
}
