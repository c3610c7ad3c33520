package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import dev.aijobs.protocol.Topology;
import dev.aijobs.testkit.TestBroker;
import dev.aijobs.worker.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Faults that used to leave a job without an end or a worker without a consumer. */
class LivenessIT {
  @RegisterExtension
  static final WorkerRig RIG = WorkerRig.withEnv("AIJOBS_RETRY_BASE_DELAY", "50ms");

  @BeforeEach
  void reset() {
    RIG.upstream().reset();
  }

  @Test
  void anAbsurdRetryAfterDoesNotKeepAJobFromEnding() throws Exception {
    // Milliseconds since the epoch written into the seconds header, as some gateways do.
    String always429 = "m;mock:status=429;mock:retry-after=1764349200000";
    ObjectNode job = BotSide.job("absurd-1", "mock", always429, "hi");
    long deadline = System.currentTimeMillis() + 5_000;
    job.put("deadline_ms", deadline);
    RIG.bot().publish(job);
    ObjectNode once = BotSide.job("absurd-2", "mock", always429 + ";mock:times=1", "hi");
    RIG.bot().publish(once);

    await().atMost(Duration.ofSeconds(15)).until(() -> RIG.bot().result("absurd-1") != null);
    JsonNode failed = RIG.bot().result("absurd-1");
    assertThat(failed.path("status").asText()).isEqualTo("error");
    assertThat(failed.at("/error/code").asText()).isIn("rate_limited", "deadline_exceeded");

    await().atMost(Duration.ofSeconds(15)).until(() -> RIG.bot().result("absurd-2") != null);
    JsonNode retried = RIG.bot().result("absurd-2");
    assertThat(retried.path("status").asText()).as(retried.toString()).isEqualTo("ok");
    assertThat(retried.path("attempts").size()).isEqualTo(2);
  }

  @Test
  void theWorkerConsumesAgainAfterAiJobsIsDeletedAndDeclaredAgain() throws Exception {
    // An operator deletes the queue (the broker cancels the consumer) and declares it again.
    TestBroker.rabbitmqctl("delete_queue", "-p", ItBroker.vhost(), Topology.JOBS_QUEUE);
    await().atMost(Duration.ofSeconds(10)).until(() -> !RIG.worker().isReady());
    try (Connection c = ItBroker.connectionFactory().newConnection("aijobs-it-operator");
        Channel ch = c.createChannel()) {
      Topology.declareWorkerSide(ch);
    }
    await().atMost(Duration.ofSeconds(30)).until(RIG.worker()::isReady);
    RIG.bot().publish(BotSide.job("after-redeclare", "mock", "m", "hi"));
    await().atMost(Duration.ofSeconds(20)).until(() -> RIG.bot().result("after-redeclare") != null);
    assertThat(RIG.bot().result("after-redeclare").path("status").asText()).isEqualTo("ok");
  }

  @Test
  void livenessFailsWhileTheWorkerCannotConsumeAndRecoversAfter() throws Exception {
    Map<String, String> env = Workers.env(RIG.upstream());
    env.put("AIJOBS_LIVENESS_TIMEOUT", "1s");
    try (Worker w = Worker.start(Workers.config(env))) {
      await().atMost(Duration.ofSeconds(10)).until(w::isReady);
      assertThat(status(w, "/health/live")).isEqualTo(200);
      // ai.jobs deleted and declared again with other arguments: the worker cannot subscribe.
      TestBroker.rabbitmqctl("delete_queue", "-p", ItBroker.vhost(), Topology.JOBS_QUEUE);
      try (Connection c = ItBroker.connectionFactory().newConnection("aijobs-it-operator");
          Channel ch = c.createChannel()) {
        ch.queueDeclare(Topology.JOBS_QUEUE, true, false, false, null);
      }
      await().atMost(Duration.ofSeconds(20)).until(() -> status(w, "/health/live") == 503);
      assertThat(status(w, "/health/ready")).isEqualTo(503);
      TestBroker.rabbitmqctl("delete_queue", "-p", ItBroker.vhost(), Topology.JOBS_QUEUE);
      await().atMost(Duration.ofSeconds(30)).until(w::isReady);
      assertThat(status(w, "/health/live")).isEqualTo(200);
    } finally {
      BotSide.resetQueues();
    }
    await().atMost(Duration.ofSeconds(30)).until(RIG.worker()::isReady);
  }

  @Test
  void aResultForAMissingReplyQueueIsCountedAndDeadLetteredWithIt() throws Exception {
    BotSide.drainDeadLetters();
    ObjectNode job = BotSide.job("no-reply-queue", "mock", "m-missing", "hi");
    RIG.bot()
        .publishRaw(
            "mock",
            RIG.bot().props("no-reply-queue").replyTo("aijobs-it-no-such-queue").build(),
            BotSide.JSON.writeValueAsBytes(job));
    List<GetResponse> dead = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> dead.addAll(BotSide.drainDeadLetters()) && !dead.isEmpty());
    Map<String, Object> headers = dead.get(0).getProps().getHeaders();
    assertThat(headers.get(Topology.HEADER_REASON).toString())
        .contains("aijobs-it-no-such-queue")
        .contains("does not exist");
    JsonNode attached = BotSide.JSON.readTree(headers.get("x-aijobs-result").toString());
    assertThat(attached.path("status").asText()).isEqualTo("ok");
    assertThat(RIG.upstream().requestCount("m-missing")).isEqualTo(1);
    assertThat(counter(RIG.worker(), "aijobs_results_unroutable_total"))
        .isGreaterThanOrEqualTo(1.0);
  }

  @Test
  void aReplyQueueThatRefusesPublishesCostsOneProviderCall() throws Exception {
    BotSide.drainDeadLetters();
    String refusing = "aijobs-it-refusing-replies";
    try (Connection c = ItBroker.connectionFactory().newConnection("aijobs-it-bot-guard");
        Channel ch = c.createChannel()) {
      ch.queueDelete(refusing);
      ch.queueDeclare(
          refusing, false, false, false, Map.of("x-max-length", 0, "x-overflow", "reject-publish"));
    }
    try {
      double failuresBefore = counter(RIG.worker(), "aijobs_reply_failures_total");
      double renewalsBefore = counter(RIG.worker(), "aijobs_publish_channel_renewals_total");
      ObjectNode job = BotSide.job("refused-1", "mock", "m-refused", "hi");
      job.put("deadline_ms", System.currentTimeMillis() + 2_000);
      RIG.bot()
          .publishRaw(
              "mock",
              RIG.bot().props("refused-1").replyTo(refusing).build(),
              BotSide.JSON.writeValueAsBytes(job));
      List<GetResponse> dead = new ArrayList<>();
      await()
          .atMost(Duration.ofSeconds(40))
          .until(() -> dead.addAll(BotSide.drainDeadLetters()) && !dead.isEmpty());
      Map<String, Object> headers = dead.get(0).getProps().getHeaders();
      assertThat(headers.get(Topology.HEADER_REASON).toString())
          .contains("could not be published")
          .contains(refusing);
      assertThat(headers).containsKey("x-aijobs-result");
      assertThat(RIG.upstream().requestCount("m-refused")).as("provider calls").isEqualTo(1);
      assertThat(counter(RIG.worker(), "aijobs_reply_failures_total"))
          .isGreaterThan(failuresBefore);
      // Refused again and again: the worker tried a new channel too, and the queue refused that.
      assertThat(counter(RIG.worker(), "aijobs_publish_channel_renewals_total"))
          .isGreaterThan(renewalsBefore);
    } finally {
      try (Connection c = ItBroker.connectionFactory().newConnection("aijobs-it-bot-guard");
          Channel ch = c.createChannel()) {
        ch.queueDelete(refusing);
      }
    }
  }

  private static double counter(Worker w, String name) {
    double sum = 0;
    for (String line : w.registry().scrape().split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  private static int status(Worker w, String path) throws Exception {
    return java.net.http.HttpClient.newHttpClient()
        .send(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + w.httpPort() + path))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
