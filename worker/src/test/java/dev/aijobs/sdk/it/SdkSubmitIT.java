package dev.aijobs.sdk.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.aijobs.protocol.JobChunk;
import dev.aijobs.protocol.JobCodec;
import dev.aijobs.protocol.JobRequest;
import dev.aijobs.protocol.JobResult;
import dev.aijobs.protocol.Topology;
import dev.aijobs.sdk.AiJobsClient;
import dev.aijobs.sdk.ChunkListener;
import dev.aijobs.sdk.ClientConfig;
import dev.aijobs.sdk.JobTimeoutException;
import dev.aijobs.sdk.Jobs;
import dev.aijobs.sdk.PublishException;
import dev.aijobs.sdk.ReplyMode;
import dev.aijobs.testkit.MockUpstream;
import dev.aijobs.worker.Worker;
import dev.aijobs.worker.it.ItBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The SDK against the real broker and an in-process worker on the mock upstream. */
class SdkSubmitIT {
  private static MockUpstream upstream;
  private static Worker worker;

  private final List<JobResult> unclaimed = new CopyOnWriteArrayList<>();
  private String replyQueue;
  private AiJobsClient client;

  @BeforeAll
  static void startWorker() throws Exception {
    upstream = MockUpstream.start();
    worker = SdkEnv.startWorker(upstream);
    await().atMost(Duration.ofSeconds(10)).until(worker::isReady);
  }

  @AfterAll
  static void stopWorker() {
    if (worker != null) {
      worker.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  @BeforeEach
  void startClient() throws Exception {
    replyQueue = SdkEnv.replyQueue("submit");
    client =
        AiJobsClient.create(
            SdkEnv.config(replyQueue).unclaimedResultHandler(unclaimed::add).build());
  }

  @AfterEach
  void stopClient() throws Exception {
    if (client != null) {
      client.close();
    }
    SdkEnv.delete(replyQueue);
  }

  private static JobRequest job(String model, String prompt) {
    return Jobs.builder("mock", model).user(prompt).timeout(Duration.ofSeconds(60)).build();
  }

  @Test
  void tenThousandConcurrentSubmitsEachCompleteWithTheirOwnResult() {
    int n = 10_000;
    List<CompletableFuture<JobResult>> futures = new ArrayList<>(n);
    List<String> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      JobRequest job = job("bulk", "n-" + i);
      ids.add(job.id());
      futures.add(client.submit(job));
    }
    await()
        .atMost(Duration.ofSeconds(120))
        .until(() -> futures.stream().allMatch(CompletableFuture::isDone));
    List<String> failed = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (futures.get(i).isCompletedExceptionally()) {
        failed.add(i + ": " + futures.get(i).handle((r, e) -> e.toString()).join());
      }
    }
    assertThat(failed).isEmpty();
    for (int i = 0; i < n; i++) {
      JobResult r = futures.get(i).join();
      assertThat(r.id()).isEqualTo(ids.get(i));
      if (r.isOk()) { // other test runs' workers on this broker may answer some with errors
        assertThat(r.completion().content()).isEqualTo("echo: n-" + i);
      }
    }
    assertThat(client.inFlight()).isZero();
    assertThat(unclaimed).isEmpty();
  }

  @Test
  void anErrorResultCompletesTheFutureAndEchoesMeta() throws Exception {
    JobRequest job =
        Jobs.builder("mock", "m;mock:status=401")
            .user("x")
            .meta("chat_id", 7)
            .timeout(Duration.ofSeconds(30))
            .build();
    JobResult r = client.submit(job).get(30, TimeUnit.SECONDS);
    assertThat(r.id()).isEqualTo(job.id());
    assertThat(r.isOk()).isFalse();
    assertThat(r.error().code().wireName()).isEqualTo("auth_failed");
    assertThat(r.meta().path("chat_id").asInt()).isEqualTo(7);
  }

  @Test
  void aResultThatArrivesTwiceIsDeliveredOnce() throws Exception {
    JobRequest job = job("dup", "once");
    JobResult first = client.submit(job).get(30, TimeUnit.SECONDS);
    JobCodec codec = new JobCodec();
    byte[] again = codec.encodeResult(first);
    String marker = UUID.randomUUID().toString();
    try (Connection c = ItBroker.connectionFactory().newConnection("aijobs-sdk-it-dup");
        Channel ch = c.createChannel()) {
      // As a worker that ran the job again after a redelivery would: the same result twice more.
      for (int i = 0; i < 2; i++) {
        ch.basicPublish("", replyQueue, resultProps(job.id()), again);
      }
      JobResult other =
          JobResult.ok(marker, first.completion(), null, List.of(), first.timing(), null);
      ch.basicPublish("", replyQueue, resultProps(marker), codec.encodeResult(other));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> !unclaimed.isEmpty());
    assertThat(unclaimed).extracting(JobResult::id).containsExactly(marker);
  }

  @Test
  void submittingTheSameIdTwiceConcurrentlyIsRefused() {
    JobRequest job = job("m;mock:latency=500", "x");
    CompletableFuture<JobResult> first = client.submit(job);
    CompletableFuture<JobResult> second = client.submit(job);
    assertThatThrownBy(second::join)
        .hasCauseInstanceOf(PublishException.class)
        .hasMessageContaining("already in flight");
    assertThat(first.orTimeout(30, TimeUnit.SECONDS).join().isOk()).isTrue();
  }

  @Test
  void streamDeliversChunksInOrderThenTheResult() throws Exception {
    Recorder recorder = new Recorder();
    JobRequest job = job("s;mock:tokens=40;mock:token-interval=5", "ignored");
    JobResult r = client.stream(job, recorder).get(30, TimeUnit.SECONDS);
    assertThat(r.isOk()).isTrue();
    assertThat(recorder.restarts).isZero();
    assertThat(recorder.seqs).isNotEmpty();
    for (int i = 0; i < recorder.seqs.size(); i++) {
      assertThat(recorder.seqs.get(i)).isEqualTo((long) i);
    }
    assertThat(recorder.text.toString()).isEqualTo(r.completion().content());
    assertThat(r.completion().content()).startsWith("t0 t1").endsWith("t39");
  }

  @Test
  void streamRestartsWhenAFallbackTakesOverAfterChunks() throws Exception {
    Recorder recorder = new Recorder();
    JobRequest job =
        Jobs.builder(
                "mock",
                "cut;mock:tokens=60;mock:token-interval=10;mock:fault=stream-cut;mock:fault-after=30")
            .fallback("mock", "ok;mock:tokens=6;mock:token-interval=5")
            .user("x")
            .timeout(Duration.ofSeconds(60))
            .build();
    JobResult r = client.stream(job, recorder).get(60, TimeUnit.SECONDS);
    assertThat(r.isOk()).as("%s", r).isTrue();
    assertThat(r.completion().model()).startsWith("ok;");
    assertThat(recorder.restarts).isPositive();
    assertThat(recorder.restartBeforeChunk).isTrue();
    for (int i = 1; i < recorder.seqs.size(); i++) {
      assertThat(recorder.seqs.get(i)).isGreaterThan(recorder.seqs.get(i - 1));
    }
    // Text after the last restart is the fallback's full answer.
    assertThat(recorder.text.toString()).isEqualTo(r.completion().content());
    assertThat(r.completion().content()).isEqualTo("t0 t1 t2 t3 t4 t5");
  }

  @Test
  void aJobWithoutAResultByItsDeadlineTimesOutAndItsLateResultIsUnclaimed() throws Exception {
    // An exchange whose queue nobody consumes: no worker (of this or another test run) answers.
    String exchange = "aijobs.sdk.it.idle." + UUID.randomUUID();
    String queue = "aijobs.sdk.it.idle." + UUID.randomUUID();
    try (Connection c = ItBroker.connectionFactory().newConnection("aijobs-sdk-it-idle");
        Channel ch = c.createChannel()) {
      ch.exchangeDeclare(exchange, BuiltinExchangeType.TOPIC, true);
      ch.queueDeclare(queue, true, false, false, null);
      ch.queueBind(queue, exchange, "#");
    }
    try (AiJobsClient other =
        AiJobsClient.create(
            SdkEnv.config(replyQueue)
                .exchange(exchange)
                .deadlineGrace(Duration.ofMillis(200))
                .unclaimedResultHandler(unclaimed::add)
                .build())) {
      JobRequest job = Jobs.builder("mock", "m").user("x").timeout(Duration.ofSeconds(1)).build();
      CompletableFuture<JobResult> f = other.submit(job);
      assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              JobTimeoutException.class, e -> assertThat(e.jobId()).isEqualTo(job.id()))
          .hasMessageContaining("no result for job " + job.id() + " within 1");
      assertThat(other.inFlight()).isZero();

      // The result comes after all: it goes to the unclaimed-result handler.
      JobResult late =
          JobResult.error(
              job.id(),
              new dev.aijobs.protocol.JobError(
                  dev.aijobs.protocol.ErrorCode.DEADLINE_EXCEEDED, "late", null, false),
              null,
              List.of(),
              new dev.aijobs.protocol.Timing(null, null, null, 1),
              null);
      try (Connection c = ItBroker.connectionFactory().newConnection("aijobs-sdk-it-late");
          Channel ch = c.createChannel()) {
        ch.basicPublish("", replyQueue, resultProps(job.id()), new JobCodec().encodeResult(late));
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(unclaimed).extracting(JobResult::id).contains(job.id()));
    } finally {
      SdkEnv.delete(queue, "x:" + exchange);
    }
  }

  @Test
  void aJobNoQueueReceivesFailsAsReturned() throws Exception {
    String exchange = "aijobs.sdk.it.noroute." + UUID.randomUUID();
    try (AiJobsClient other =
        AiJobsClient.create(SdkEnv.config(replyQueue).exchange(exchange).build())) {
      JobRequest job = job("m", "x");
      assertThatThrownBy(() -> other.submit(job).get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              PublishException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(PublishException.Reason.RETURNED);
                assertThat(e.jobId()).isEqualTo(job.id());
              })
          .hasMessageContaining(job.id())
          .hasMessageContaining("NO_ROUTE");
      assertThat(other.inFlight()).isZero();
    } finally {
      SdkEnv.delete("x:" + exchange);
    }
  }

  @Test
  void aJobTheBrokerNacksFailsAsNacked() throws Exception {
    String exchange = "aijobs.sdk.it.full." + UUID.randomUUID();
    String queue = "aijobs.sdk.it.full." + UUID.randomUUID();
    try (Connection c = ItBroker.connectionFactory().newConnection("aijobs-sdk-it-nack");
        Channel ch = c.createChannel()) {
      ch.exchangeDeclare(exchange, BuiltinExchangeType.TOPIC, true);
      ch.queueDeclare(
          queue, true, false, false, Map.of("x-max-length", 0, "x-overflow", "reject-publish"));
      ch.queueBind(queue, exchange, "#");
    }
    String name = "aijobs-sdk-it-nack-" + UUID.randomUUID();
    try (AiJobsClient other =
        AiJobsClient.create(
            SdkEnv.config(replyQueue).exchange(exchange).connectionName(name).build())) {
      List<String> publishing = SdkEnv.connectionPids(name + "-publish");
      assertThat(publishing).hasSize(1);
      List<String> firstChannel = SdkEnv.channelNumbers(publishing.get(0));
      assertThat(firstChannel).hasSize(1);
      for (int i = 0; i < 3; i++) {
        JobRequest job = job("m", "x");
        assertThatThrownBy(() -> other.publish(job).get(10, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .cause()
            .isInstanceOfSatisfying(
                PublishException.class,
                e -> assertThat(e.reason()).isEqualTo(PublishException.Reason.NACKED))
            .hasMessageContaining(job.id());
      }
      assertThat(SdkEnv.channelNumbers(publishing.get(0))).isEqualTo(firstChannel);
      // Three refusals in a row: the next job goes out on a new channel (the old one is closed),
      // and this queue, which really refuses, refuses it too.
      for (int i = 0; i < 2; i++) {
        JobRequest job = job("m", "x");
        assertThatThrownBy(() -> other.publish(job).get(10, TimeUnit.SECONDS))
            .cause()
            .isInstanceOfSatisfying(
                PublishException.class,
                e -> assertThat(e.reason()).isEqualTo(PublishException.Reason.NACKED));
      }
      List<String> now = SdkEnv.channelNumbers(publishing.get(0));
      assertThat(now).hasSize(1).doesNotContainAnyElementsOf(firstChannel);
    } finally {
      SdkEnv.delete(queue, "x:" + exchange);
    }
  }

  @Test
  void publishCompletesOnTheConfirmAndTheResultIsUnclaimed() throws Exception {
    JobRequest job = job("m", "fire and forget");
    client.publish(job).get(10, TimeUnit.SECONDS);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(unclaimed).extracting(JobResult::id).contains(job.id()));
    assertThat(unclaimed.get(0).completion().content()).isEqualTo("echo: fire and forget");
  }

  @Test
  void directReplyToWorksForThrowAwayRpc() throws Exception {
    ClientConfig direct =
        ClientConfig.builder()
            .uri(ItBroker.uri())
            .replyMode(ReplyMode.DIRECT_REPLY_TO)
            .connectionName("aijobs-sdk-it-direct")
            .build();
    try (AiJobsClient rpc = AiJobsClient.create(direct)) {
      JobResult r = rpc.submit(job("m", "direct")).get(30, TimeUnit.SECONDS);
      assertThat(r.completion().content()).isEqualTo("echo: direct");
    }
  }

  @Test
  void closeFailsWhatIsLeftAndRefusesNewJobs() throws Exception {
    CompletableFuture<JobResult> slow = client.submit(job("m;mock:latency=3000", "slow"));
    client.close();
    assertThatThrownBy(() -> slow.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(dev.aijobs.sdk.ClientClosedException.class)
        .hasMessageContaining("client closed before job");
    assertThatThrownBy(() -> client.submit(job("m", "x")).get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(dev.aijobs.sdk.ClientClosedException.class);
    assertThat(client.inFlight()).isZero();
    assertThat(client.isConnected()).isFalse();
  }

  private static AMQP.BasicProperties resultProps(String correlationId) {
    return new AMQP.BasicProperties.Builder()
        .type(Topology.TYPE_RESULT)
        .correlationId(correlationId)
        .contentType(Topology.CONTENT_TYPE)
        .deliveryMode(2)
        .build();
  }

  /** Records a stream; the text is what a bot would show (reset on restart). */
  static final class Recorder implements ChunkListener {
    final StringBuilder text = new StringBuilder();
    final List<Long> seqs = new ArrayList<>();
    int restarts;
    boolean restartBeforeChunk = true;
    private boolean expectChunk;

    @Override
    public synchronized void onChunk(JobChunk chunk) {
      if (chunk.restart() && !expectChunk) {
        restartBeforeChunk = false;
      }
      expectChunk = false;
      seqs.add(chunk.seq());
      text.append(chunk.delta());
    }

    @Override
    public synchronized void onRestart() {
      restarts++;
      expectChunk = true;
      text.setLength(0);
    }
  }
}
