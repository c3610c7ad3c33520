package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.GetResponse;
import dev.aijobs.protocol.Topology;
import dev.aijobs.testkit.TestBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Guards between the worker and the broker: {@code AIJOBS_REPLY_TO_PATTERN} keeps results out of
 * queues that are not reply queues, and a resource alarm ({@code connection.blocked}) shows in
 * readiness and a metric.
 */
class BrokerGuardsIT {
  @RegisterExtension
  static final WorkerRig RIG = WorkerRig.withEnv("AIJOBS_REPLY_TO_PATTERN", "amq\\.gen-.*");

  @Test
  void aJobWhoseReplyToIsNotAReplyQueueIsDeadLetteredAndNothingIsPublishedThere() throws Exception {
    BotSide.drainDeadLetters();
    ObjectNode job = BotSide.job("into-ai-jobs", "mock", "m-guarded", "hi");
    RIG.bot()
        .publishRaw(
            "mock",
            RIG.bot().props("into-ai-jobs").replyTo(Topology.DEAD_LETTER_QUEUE).build(),
            BotSide.JSON.writeValueAsBytes(job));
    List<GetResponse> dead = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> dead.addAll(BotSide.drainDeadLetters()) && !dead.isEmpty());
    assertThat(dead).hasSize(1); // the job itself, no error result published into the queue
    assertThat(dead.get(0).getProps().getHeaders().get(Topology.HEADER_REASON).toString())
        .contains("AIJOBS_REPLY_TO_PATTERN");
    assertThat(RIG.upstream().requestCount("m-guarded")).isZero();

    RIG.bot().publish(BotSide.job("allowed", "mock", "m", "hi"));
    await().atMost(Duration.ofSeconds(20)).until(() -> RIG.bot().result("allowed") != null);
    assertThat(RIG.bot().result("allowed").path("status").asText()).isEqualTo("ok");
  }

  @Test
  void aResourceAlarmMakesTheWorkerNotReadyUntilItClears() throws Exception {
    // The broker blocks a connection when it publishes during the alarm: a job whose answer comes
    // while the alarm is on makes the worker publish its result then.
    RIG.bot().publish(BotSide.job("during-alarm", "mock", "m-slow;mock:latency=3000", "hi"));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> RIG.upstream().requestCount("m-slow;mock:latency=3000") == 1);
    try {
      TestBroker.rabbitmqctl("set_vm_memory_high_watermark", "0.0000001");
      await().atMost(Duration.ofSeconds(30)).until(() -> !RIG.worker().isReady());
      assertThat(RIG.worker().registry().get("aijobs.amqp.blocked").gauge().value()).isPositive();
    } finally {
      TestBroker.rabbitmqctl("set_vm_memory_high_watermark", "0.4");
    }
    await().atMost(Duration.ofSeconds(30)).until(RIG.worker()::isReady);
    assertThat(RIG.worker().registry().get("aijobs.amqp.blocked").gauge().value()).isZero();
    await().atMost(Duration.ofSeconds(30)).until(() -> RIG.bot().result("during-alarm") != null);
    assertThat(RIG.bot().result("during-alarm").path("status").asText()).isEqualTo("ok");
  }
}
