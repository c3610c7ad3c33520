package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.aijobs.protocol.Topology;
import dev.aijobs.testkit.MockUpstream;
import dev.aijobs.testkit.TestBroker;
import dev.aijobs.worker.Worker;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * When the worker cannot publish. The broker closes the worker's publish channel (here: the
 * dead-letter exchange was deleted and a bad job must be dead-lettered): the worker opens a new
 * channel and keeps answering. (While the exchange is missing the bad job is requeued; past the
 * queue's delivery limit the broker drops it, since its dead-letter exchange is gone: deleting
 * ai.jobs.dlx is an operator error.) The worker's publish connection is lost and cannot come back
 * for a while: the worker takes no job meanwhile and answers them all once it can publish again.
 */
class PublishChannelIT {
  /** Jobs published while the publisher is down. */
  private static final int JOBS = 4;

  /**
   * About 900 KB per job (under the 1 MiB body limit): while deliveries are paused the worker's
   * keep-alive reads (one socket buffer of at most 64 KB every 5 s) cannot complete one.
   */
  private static final String HISTORY = "lorem ipsum ".repeat(900 * 1024 / 12);

  @Test
  void aPublishChannelClosedByTheBrokerIsReopenedAndNoJobIsLost() throws Exception {
    BotSide.resetQueues();
    try (MockUpstream upstream = MockUpstream.start();
        Worker worker = Workers.start(upstream);
        BotSide bot = new BotSide()) {
      await().atMost(Duration.ofSeconds(10)).until(worker::isReady);
      try (Connection c = ItBroker.connectionFactory().newConnection("aijobs-it-admin");
          Channel ch = c.createChannel()) {
        ch.exchangeDelete(Topology.DEAD_LETTER_EXCHANGE);
        // Dead-lettering this one fails: NOT_FOUND closes the worker's publish channel.
        bot.publishRaw("mock", bot.props("bad-json").build(), "not json");
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> worker.registry().counter("aijobs.reply.failures").count() >= 1);
        Topology.declareWorkerSide(ch); // an operator puts the exchange back
      }
      await().atMost(Duration.ofSeconds(30)).until(worker::isReady);
      bot.publish(BotSide.job("after-reopen", "mock", "m", "still here"));
      await().atMost(Duration.ofSeconds(30)).until(() -> bot.result("after-reopen") != null);
      assertThat(bot.result("after-reopen").path("status").asText()).isEqualTo("ok");
    }
  }

  @Test
  void whileResultsCannotBePublishedNoJobIsTakenAndAllAreAnsweredAfter() throws Exception {
    BotSide.resetQueues();
    String vhost = ItBroker.vhost();
    String model = "m-publisher-down";
    try (MockUpstream upstream = MockUpstream.start();
        Worker worker = Workers.start(upstream);
        BotSide bot = new BotSide()) {
      await().atMost(Duration.ofSeconds(10)).until(worker::isReady);
      try {
        // The vhost takes no new connection (those it has stay), then the worker's publish
        // connection is closed: its recovery is refused until the limit goes.
        String publish = connection(vhost, "aijobs-worker-publish");
        TestBroker.rabbitmqctl("set_vhost_limits", "-p", vhost, "{\"max-connections\": 0}");
        TestBroker.rabbitmqctl("close_connection", publish, "aijobs publisher-down test");
        await().atMost(Duration.ofSeconds(10)).until(() -> !worker.isReady());
        await().atMost(Duration.ofSeconds(10)).until(() -> paused(worker) == 1);

        for (int i = 0; i < JOBS; i++) {
          bot.publish(BotSide.job("down-" + i, "mock", model, HISTORY));
        }
        // The broker hands the jobs to the worker's consumer (up to its prefetch) whether the
        // worker reads its socket or not: they count as unacknowledged, not ready.
        await("every job handed to the worker's consumer (ready 0, unacked " + JOBS + ")")
            .atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(500))
            .until(() -> Arrays.equals(jobCounts(vhost), new long[] {0, JOBS}));
        // The worker leaves them unread: it would have had them within milliseconds.
        await("no job taken while results cannot be published")
            .during(Duration.ofSeconds(3))
            .atMost(Duration.ofSeconds(5))
            .until(
                () ->
                    worker.inFlight() == 0
                        && upstream.requestCount(model) == 0
                        && paused(worker) == 1
                        && bot.answeredIds() == 0);
        assertThat(jobCounts(vhost)).as("ready, unacknowledged").containsExactly(0, JOBS);
      } finally {
        TestBroker.rabbitmqctl("clear_vhost_limits", "-p", vhost);
      }
      await().atMost(Duration.ofSeconds(30)).until(worker::isReady);
      await().atMost(Duration.ofSeconds(60)).until(() -> bot.answeredIds() == JOBS);
      for (int i = 0; i < JOBS; i++) {
        JsonNode r = bot.result("down-" + i);
        assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
      }
      assertThat(upstream.requestCount(model)).as("provider calls").isEqualTo(JOBS);
      assertThat(paused(worker)).isZero();
      await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> Arrays.equals(jobCounts(vhost), new long[] {0, 0}));
    }
  }

  private static double paused(Worker worker) {
    return worker.registry().get("aijobs.deliveries.paused").gauge().value();
  }

  /** The broker pid of the connection in {@code vhost} that the client named {@code name}. */
  private static String connection(String vhost, String name) {
    String out =
        TestBroker.rabbitmqctl(
            "list_connections", "-q", "--no-table-headers", "pid", "vhost", "client_properties");
    for (String line : out.split("\n")) {
      String[] cols = line.split("\t", 3);
      if (cols.length == 3
          && cols[1].trim().equals(vhost)
          && cols[2].contains("{\"connection_name\",\"" + name + "\"}")) {
        return cols[0].trim();
      }
    }
    throw new AssertionError("no connection " + name + " in " + vhost + ":\n" + out);
  }

  /** Messages ready and unacknowledged in {@code ai.jobs}. */
  private static long[] jobCounts(String vhost) {
    String out =
        TestBroker.rabbitmqctl(
            "list_queues",
            "-p",
            vhost,
            "-q",
            "--no-table-headers",
            "name",
            "messages_ready",
            "messages_unacknowledged");
    for (String line : out.split("\n")) {
      String[] cols = line.trim().split("\\s+");
      if (cols.length == 3 && cols[0].equals(Topology.JOBS_QUEUE)) {
        return new long[] {Long.parseLong(cols[1]), Long.parseLong(cols[2])};
      }
    }
    throw new AssertionError("no " + Topology.JOBS_QUEUE + " in " + out);
  }
}
