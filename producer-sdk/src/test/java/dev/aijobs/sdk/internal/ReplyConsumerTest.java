package dev.aijobs.sdk.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Delivery;
import com.rabbitmq.client.Envelope;
import dev.aijobs.protocol.Completion;
import dev.aijobs.protocol.JobChunk;
import dev.aijobs.protocol.JobCodec;
import dev.aijobs.protocol.JobResult;
import dev.aijobs.protocol.Route;
import dev.aijobs.protocol.Timing;
import dev.aijobs.protocol.Topology;
import dev.aijobs.sdk.JobTimeoutException;
import dev.aijobs.sdk.PublishException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Reply routing without a broker: dedup, unclaimed results, chunks, timeouts, the window. */
class ReplyConsumerTest {
  private final JobCodec codec = new JobCodec();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final RecentIds recent = new RecentIds(100, Duration.ofMinutes(1), System::nanoTime);
  private final PendingJobs pending =
      new PendingJobs(new InFlightWindow(3), recent, ClientMetrics.NOOP, Runnable::run, timer);
  private final List<JobResult> unclaimed = new ArrayList<>();
  private final ReplyConsumer consumer =
      new ReplyConsumer(codec, pending, recent, unclaimed::add, ClientMetrics.NOOP, () -> false);
  private long tag;

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  private PendingJob job(String id, ChunkSequencer chunks, Duration timeout) {
    return new PendingJob(
        id, PendingJob.Kind.RESULT, "p", null, new byte[0], chunks, timeout, System.nanoTime());
  }

  private PendingJob accepted(String id) {
    PendingJob job = job(id, null, Duration.ofMinutes(1));
    assertThat(pending.accept(job)).isNull();
    return job;
  }

  private void deliverResult(String id, String content, boolean redelivered) {
    JobResult r =
        JobResult.ok(
            id,
            new Completion(content, "stop", "p", "m", null),
            Route.DIRECT,
            List.of(),
            new Timing(null, null, null, 1L),
            null);
    deliver(id, Topology.TYPE_RESULT, codec.encodeResult(r), redelivered);
  }

  private void deliver(String correlationId, String type, byte[] body, boolean redelivered) {
    AMQP.BasicProperties props =
        new AMQP.BasicProperties.Builder().correlationId(correlationId).type(type).build();
    Envelope env = new Envelope(++tag, redelivered, "", "q");
    consumer.handle(null, new Delivery(env, props, body), true);
  }

  @Test
  void aResultCompletesItsJobOnceAndADuplicateIsDropped() throws Exception {
    PendingJob job = accepted("a");
    deliverResult("a", "first", false);
    deliverResult("a", "again", true);
    assertThat(job.future().get().completion().content()).isEqualTo("first");
    assertThat(unclaimed).isEmpty();
    assertThat(pending.inFlight()).isZero();
    assertThat(pending.get("a")).isNull();
  }

  @Test
  void aResultNobodyWaitsForIsUnclaimedOnce() {
    deliverResult("x", "late", false);
    deliverResult("x", "late", true);
    assertThat(unclaimed).extracting(JobResult::id).containsExactly("x");
  }

  @Test
  void submittingAnIdAgainWantsItsNextResult() throws Exception {
    accepted("a");
    deliverResult("a", "first", false);
    PendingJob again = accepted("a");
    deliverResult("a", "second", false);
    assertThat(again.future().get().completion().content()).isEqualTo("second");
  }

  @Test
  void chunksGoToTheStreamInOrderBeforeTheResult() throws Exception {
    List<String> text = new ArrayList<>();
    PendingJob job =
        job("s", new ChunkSequencer(c -> text.add(c.delta()), 8), Duration.ofMinutes(1));
    pending.accept(job);
    deliver("s", "chunk", codec.encodeChunk(new JobChunk("s", 1, "b", false, null)), false);
    deliver("s", "chunk", codec.encodeChunk(new JobChunk("s", 0, "a", false, null)), false);
    deliverResult("s", "ab", false);
    deliver("s", "chunk", codec.encodeChunk(new JobChunk("s", 2, "c", false, null)), false);
    assertThat(text).containsExactly("a", "b");
    assertThat(job.future().get().completion().content()).isEqualTo("ab");
  }

  @Test
  void anInvalidResultFailsItsJob() {
    PendingJob job = accepted("bad");
    deliver("bad", "result", "{\"v\":1,\"type\":\"result\"}".getBytes(), false);
    assertThatThrownBy(() -> job.future().get())
        .hasCauseInstanceOf(dev.aijobs.protocol.InvalidReplyException.class);
  }

  @Test
  void noResultInTimeFailsWithATimeoutAndTheLateResultIsUnclaimed() throws Exception {
    PendingJob job = job("slow", null, Duration.ofMillis(20));
    pending.accept(job);
    assertThatThrownBy(() -> job.future().get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(JobTimeoutException.class)
        .hasMessageContaining("no result for job slow within 20 ms");
    deliverResult("slow", "late", false);
    assertThat(unclaimed).extracting(JobResult::id).containsExactly("slow");
  }

  @Test
  void theWindowRefusesBeyondMaxInFlightAndDuplicateIds() {
    accepted("1");
    assertThat(pending.accept(job("1", null, Duration.ofMinutes(1))).reason())
        .isEqualTo(PublishException.Reason.DUPLICATE_ID);
    accepted("2");
    accepted("3");
    PublishException refused = pending.accept(job("4", null, Duration.ofMinutes(1)));
    assertThat(refused.reason()).isEqualTo(PublishException.Reason.IN_FLIGHT_LIMIT);
    assertThat(refused).hasMessageContaining("job 4").hasMessageContaining("3 jobs already");
    deliverResult("1", "done", false);
    assertThat(pending.accept(job("4", null, Duration.ofMinutes(1)))).isNull();
  }

  @Test
  void cancellingAFutureFreesItsSlot() {
    PendingJob job = accepted("c");
    assertThat(pending.inFlight()).isEqualTo(1);
    job.future().cancel(false);
    assertThat(pending.inFlight()).isZero();
    assertThat(pending.get("c")).isNull();
  }
}
