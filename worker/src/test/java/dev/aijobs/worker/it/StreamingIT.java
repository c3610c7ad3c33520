package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Streaming jobs on the real broker: chunks in order that reassemble to the result, coalescing, the
 * first-data and idle clocks, and every way a stream can go wrong (cut, stall, malformed event,
 * missing {@code [DONE]}, in-band error), with a restart when a fallback takes over.
 */
class StreamingIT {
  private static final AtomicInteger IDS = new AtomicInteger();
  private static final int MAX_RETRIES = 1;
  private static final Duration CHUNK_INTERVAL = Duration.ofMillis(200);

  @RegisterExtension
  static final WorkerRig RIG =
      WorkerRig.with(
          (env, rig) -> {
            env.put("AIJOBS_PROVIDER_MOCK_FIRST_DATA_TIMEOUT", "800ms");
            env.put("AIJOBS_PROVIDER_MOCK_IDLE_TIMEOUT", "500ms");
            env.put("AIJOBS_PROVIDER_MOCK_TIMEOUT", "1s");
            env.put("AIJOBS_PROVIDER_MOCK_MAX_RETRIES", Integer.toString(MAX_RETRIES));
            env.put("AIJOBS_PROVIDER_MOCK2_BASE_URL", rig.upstream().baseUrl());
            env.put("AIJOBS_PROVIDER_MOCK2_FIRST_DATA_TIMEOUT", "2s");
            env.put("AIJOBS_PROVIDER_MOCK2_IDLE_TIMEOUT", "2s");
            env.put("AIJOBS_RETRY_BASE_DELAY", "50ms");
            // Coalescing: chunks go out by time only (the size limit is never reached).
            env.put("AIJOBS_CHUNK_CHARS", "100000");
            env.put("AIJOBS_CHUNK_INTERVAL", CHUNK_INTERVAL.toMillis() + "ms");
          });

  @BeforeEach
  void resetUpstream() {
    RIG.upstream().reset();
  }

  /** A streaming job to {@code mock} with a model unique to this job (so times=N is its own). */
  private static ObjectNode streamJob(String id, String directives) {
    ObjectNode job = BotSide.job(id, "mock", id + directives, "stream " + id);
    job.put("stream", true);
    return job;
  }

  private static String newId(String what) {
    return "stream-" + what + "-" + IDS.incrementAndGet();
  }

  private static JsonNode publishAndWait(ObjectNode job) throws Exception {
    String id = job.path("id").asText();
    RIG.bot().publish(job);
    await().atMost(Duration.ofSeconds(30)).until(() -> RIG.bot().result(id) != null);
    return RIG.bot().result(id);
  }

  /** The chunks of a job, in arrival order. */
  private static List<JsonNode> chunks(String id) {
    List<JsonNode> out = new ArrayList<>();
    for (BotSide.Reply r : RIG.bot().replies(id)) {
      if ("chunk".equals(r.body().path("type").asText())) {
        assertThat(r.props().getType()).isEqualTo("chunk");
        out.add(r.body());
      }
    }
    return out;
  }

  /** What a consumer that honours {@code restart} shows after all chunks. */
  private static String reassemble(List<JsonNode> chunks) {
    StringBuilder text = new StringBuilder();
    for (JsonNode c : chunks) {
      if (c.path("restart").asBoolean(false)) {
        text.setLength(0);
      }
      text.append(c.path("delta").asText());
    }
    return text.toString();
  }

  private static void assertSeqCountsUpFromZero(List<JsonNode> chunks) {
    for (int i = 0; i < chunks.size(); i++) {
      assertThat(chunks.get(i).path("seq").asLong()).as("seq of chunk %d", i).isEqualTo(i);
    }
  }

  /** Every reply of the job arrived before its result, and exactly one result came. */
  private static void assertResultComesLast(String id) {
    List<BotSide.Reply> replies = RIG.bot().replies(id);
    long results =
        replies.stream().filter(r -> "result".equals(r.body().path("type").asText())).count();
    assertThat(results).isEqualTo(1);
    assertThat(replies.get(replies.size() - 1).body().path("type").asText()).isEqualTo("result");
  }

  @Test
  void chunksArriveInOrderAndReassembleToTheResult() throws Exception {
    String id = newId("happy");
    // Spread over about a second so that several coalesced chunks go out.
    JsonNode r = publishAndWait(streamJob(id, ";mock:tokens=40;mock:token-interval=25"));

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    assertThat(r.path("completion").path("finish_reason").asText()).isEqualTo("stop");
    assertThat(r.path("completion").path("provider").asText()).isEqualTo("mock");
    assertThat(r.path("timing").path("ttft_ms").isIntegralNumber()).as(r.toString()).isTrue();
    assertThat(r.path("timing").path("ttft_ms").asLong())
        .isLessThanOrEqualTo(r.path("timing").path("total_ms").asLong());
    assertThat(r.path("attempts")).hasSize(1);

    List<JsonNode> chunks = chunks(id);
    assertThat(chunks).hasSizeGreaterThan(1);
    assertSeqCountsUpFromZero(chunks);
    String content = r.path("completion").path("content").asText();
    assertThat(content).startsWith("t0 t1").endsWith("t39");
    assertThat(reassemble(chunks)).isEqualTo(content);
    for (JsonNode c : chunks) {
      assertThat(c.path("v").asInt()).isEqualTo(1);
      assertThat(c.path("id").asText()).isEqualTo(id);
      assertThat(c.has("restart")).as("no restart on a single attempt").isFalse();
      assertThat(c.path("meta").path("chat_id").asInt()).isEqualTo(42);
    }
    assertResultComesLast(id);
  }

  @Test
  void deltasAreCoalescedIntoFarFewerChunksThanTokens() throws Exception {
    String id = newId("coalesce");
    int tokens = 20;
    JsonNode r = publishAndWait(streamJob(id, ";mock:tokens=" + tokens + ";mock:token-interval=5"));

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    List<JsonNode> chunks = chunks(id);
    assertThat(chunks).isNotEmpty();
    assertThat(chunks.size())
        .as("chunk messages for %d tokens", tokens)
        .isLessThanOrEqualTo(tokens / 4);
    assertSeqCountsUpFromZero(chunks);
    assertThat(reassemble(chunks)).isEqualTo(r.path("completion").path("content").asText());
  }

  @Test
  void sseCommentsBeforeTheFirstTokenAreNotData() throws Exception {
    String id = newId("comments");
    // Comments keep coming (every ~136 ms) but the first data event is at 1500 ms, past the
    // 800 ms first-data clock: a comment must not count as data.
    JsonNode r = publishAndWait(streamJob(id, ";mock:first-token=1500;mock:comments=10"));

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("error");
    assertThat(r.path("error").path("code").asText()).isEqualTo("timeout");
    assertThat(r.path("attempts")).as("a silent route is not retried").hasSize(1);
    assertThat(r.path("attempts").get(0).path("outcome").asText()).isEqualTo("timeout");
    assertThat(chunks(id)).isEmpty();
  }

  @Test
  void commentsWithinTheFirstDataClockDoNotHurt() throws Exception {
    String id = newId("comments-ok");
    JsonNode r = publishAndWait(streamJob(id, ";mock:first-token=300;mock:comments=5"));

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    assertThat(r.path("timing").path("ttft_ms").asLong()).isGreaterThanOrEqualTo(300);
    assertThat(reassemble(chunks(id))).isEqualTo(r.path("completion").path("content").asText());
  }

  @Test
  void aLongStreamIsNotKilledByTheProviderTimeout() throws Exception {
    String id = newId("long");
    // 30 tokens at 100 ms: about 3 s, three times the provider's 1 s TIMEOUT, while data keeps
    // flowing well within the 500 ms idle clock.
    JsonNode r = publishAndWait(streamJob(id, ";mock:tokens=30;mock:token-interval=100"));

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    assertThat(r.path("completion").path("content").asText()).endsWith("t29");
    assertThat(r.path("attempts")).hasSize(1);
    assertThat(r.path("timing").path("total_ms").asLong()).isGreaterThanOrEqualTo(2900);
    assertThat(reassemble(chunks(id))).isEqualTo(r.path("completion").path("content").asText());
  }

  @Test
  void aCutStreamIsNeverOk() throws Exception {
    String id = newId("cut");
    JsonNode r =
        publishAndWait(
            streamJob(id, ";mock:tokens=20;mock:token-interval=20;mock:fault=stream-cut"));

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("error");
    assertThat(r.path("completion").isNull()).isTrue();
    assertThat(r.path("error").path("code").asText()).isEqualTo("truncated_stream");
    assertThat(r.path("attempts")).as("retried, then given up").hasSize(1 + MAX_RETRIES);
    for (JsonNode a : r.path("attempts")) {
      assertThat(a.path("outcome").asText()).isEqualTo("truncated_stream");
    }
    assertResultComesLast(id);
  }

  @Test
  void aCutStreamTakenOverByAFallbackRestartsTheChunks() throws Exception {
    String id = newId("cut-fallback");
    // The primary streams 8 tokens over ~700 ms (so chunks go out) and is then cut, every time.
    ObjectNode job =
        streamJob(
            id, ";mock:tokens=30;mock:token-interval=100;mock:fault=stream-cut;mock:fault-after=8");
    job.putArray("fallbacks").addObject().put("provider", "mock2").put("model", id + "-fb");
    JsonNode r = publishAndWait(job);

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    assertThat(r.path("completion").path("provider").asText()).isEqualTo("mock2");
    assertThat(r.path("completion").path("model").asText()).isEqualTo(id + "-fb");
    String content = r.path("completion").path("content").asText();
    assertThat(content).isEqualTo("echo: stream " + id);
    JsonNode attempts = r.path("attempts");
    assertThat(attempts).hasSize(2 + MAX_RETRIES);
    assertThat(attempts.get(0).path("outcome").asText()).isEqualTo("truncated_stream");
    assertThat(attempts.get(attempts.size() - 1).path("provider").asText()).isEqualTo("mock2");
    assertThat(attempts.get(attempts.size() - 1).path("outcome").asText()).isEqualTo("ok");

    List<JsonNode> chunks = chunks(id);
    assertSeqCountsUpFromZero(chunks);
    assertThat(chunks.get(0).path("delta").asText())
        .as("the primary's text reached the consumer first")
        .startsWith("t0");
    int lastRestart = -1;
    for (int i = 0; i < chunks.size(); i++) {
      if (chunks.get(i).path("restart").asBoolean(false)) {
        lastRestart = i;
      }
    }
    assertThat(lastRestart).as("a chunk says restart").isPositive();
    assertThat(chunks.get(lastRestart).path("delta").asText()).startsWith("echo:");
    StringBuilder fallbackText = new StringBuilder();
    for (JsonNode c : chunks.subList(lastRestart, chunks.size())) {
      fallbackText.append(c.path("delta").asText());
    }
    assertThat(fallbackText.toString()).isEqualTo(content);
    assertThat(reassemble(chunks)).isEqualTo(content);
    assertResultComesLast(id);
  }

  @Test
  void aCutStreamRetriedOnTheSameRouteRestartsTheChunks() throws Exception {
    String id = newId("cut-retry");
    // Cut once after ~700 ms of text; the retry (no directives any more) answers with the echo.
    JsonNode r =
        publishAndWait(
            streamJob(
                id,
                ";mock:tokens=30;mock:token-interval=100;mock:fault=stream-cut;mock:fault-after=8"
                    + ";mock:times=1"));

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    String content = r.path("completion").path("content").asText();
    assertThat(content).isEqualTo("echo: stream " + id);
    assertThat(r.path("attempts")).hasSize(2);
    assertThat(r.path("attempts").get(0).path("outcome").asText()).isEqualTo("truncated_stream");

    List<JsonNode> chunks = chunks(id);
    assertSeqCountsUpFromZero(chunks);
    assertThat(chunks.get(0).path("delta").asText()).startsWith("t0");
    List<JsonNode> restarts =
        chunks.stream().filter(c -> c.path("restart").asBoolean(false)).toList();
    assertThat(restarts).hasSize(1);
    assertThat(restarts.get(0).path("delta").asText()).startsWith("echo:");
    assertThat(reassemble(chunks)).isEqualTo(content);
    assertResultComesLast(id);
  }

  @Test
  void aStalledStreamIsTruncatedNeverOk() throws Exception {
    String id = newId("stall");
    JsonNode r =
        publishAndWait(
            streamJob(id, ";mock:tokens=20;mock:token-interval=10;mock:fault=stream-stall"));

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("error");
    assertThat(r.path("error").path("code").asText()).isEqualTo("truncated_stream");
    assertThat(r.path("attempts")).as("a stalled route is not retried").hasSize(1);
    assertThat(r.path("completion").isNull()).isTrue();
  }

  @Test
  void aMalformedEventFailsTheAttemptAndIsRetried() throws Exception {
    String id = newId("malformed");
    JsonNode r = publishAndWait(streamJob(id, ";mock:tokens=10;mock:fault=malformed-event"));

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("error");
    assertThat(r.path("error").path("code").asText()).isEqualTo("malformed_response");
    assertThat(r.path("attempts").size()).isGreaterThan(1);
    for (JsonNode a : r.path("attempts")) {
      assertThat(a.path("outcome").asText()).isEqualTo("malformed_response");
    }
  }

  @Test
  void aMalformedEventOnceIsRepairedByTheRetry() throws Exception {
    String id = newId("malformed-once");
    JsonNode r =
        publishAndWait(streamJob(id, ";mock:tokens=10;mock:fault=malformed-event;mock:times=1"));

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    assertThat(r.path("attempts")).hasSize(2);
    // times=1: the retry is answered without any directive, i.e. with the echo.
    assertThat(r.path("completion").path("content").asText()).isEqualTo("echo: stream " + id);
    assertThat(reassemble(chunks(id))).isEqualTo(r.path("completion").path("content").asText());
  }

  @Test
  void aStreamWithoutDoneIsOkOnceItHasAFinishReason() throws Exception {
    String id = newId("no-done");
    JsonNode r = publishAndWait(streamJob(id, ";mock:tokens=5;mock:fault=no-done"));

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    assertThat(r.path("completion").path("finish_reason").asText()).isEqualTo("stop");
    assertThat(r.path("completion").path("content").asText()).isEqualTo("t0 t1 t2 t3 t4");
    assertThat(r.path("attempts")).hasSize(1);
  }

  @Test
  void anErrorStatusOnAStreamJobIsRetriedBeforeAnyChunk() throws Exception {
    String id = newId("500-once");
    JsonNode r = publishAndWait(streamJob(id, ";mock:status=500;mock:times=1"));

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    assertThat(r.path("attempts")).hasSize(2);
    assertThat(r.path("attempts").get(0).path("outcome").asText()).isEqualTo("upstream_error");
    List<JsonNode> chunks = chunks(id);
    assertThat(chunks).isNotEmpty();
    assertSeqCountsUpFromZero(chunks);
    assertThat(chunks).allSatisfy(c -> assertThat(c.has("restart")).isFalse());
    assertThat(reassemble(chunks)).isEqualTo(r.path("completion").path("content").asText());
  }

  @Test
  void anInBandErrorAfterChunksIsRetriedWithARestart() throws Exception {
    String id = newId("in-band-retry");
    JsonNode r =
        publishAndWait(
            streamJob(
                id,
                ";mock:tokens=30;mock:token-interval=100;mock:fault=in-band-error"
                    + ";mock:fault-after=8;mock:times=1"));

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("ok");
    assertThat(r.path("attempts")).hasSize(2);
    assertThat(r.path("attempts").get(0).path("outcome").asText()).isEqualTo("upstream_error");
    String content = r.path("completion").path("content").asText();
    assertThat(content).isEqualTo("echo: stream " + id);
    List<JsonNode> chunks = chunks(id);
    assertSeqCountsUpFromZero(chunks);
    assertThat(chunks.get(0).path("delta").asText()).startsWith("t0");
    assertThat(chunks.stream().filter(c -> c.path("restart").asBoolean(false)).count())
        .isEqualTo(1);
    assertThat(reassemble(chunks)).isEqualTo(content);
    assertResultComesLast(id);
  }

  @Test
  void theDeadlineBeforeTheFirstTokenEndsTheJob() throws Exception {
    String id = newId("deadline-first");
    // mock2's first-data clock (2 s) is longer than the time left to the deadline (1 s).
    ObjectNode job = BotSide.job(id, "mock2", id + ";mock:first-token=5000", "late");
    job.put("stream", true);
    job.put("deadline_ms", System.currentTimeMillis() + 1000);
    JsonNode r = publishAndWait(job);

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("error");
    assertThat(r.path("error").path("code").asText()).isEqualTo("deadline_exceeded");
    assertThat(r.path("attempts")).hasSize(1);
    assertThat(r.path("timing").path("total_ms").asLong()).isLessThan(5000);
    assertThat(chunks(id)).isEmpty();
  }

  @Test
  void theDeadlineMidStreamEndsTheJobAndNoChunkFollowsTheResult() throws Exception {
    String id = newId("deadline-mid");
    ObjectNode job = BotSide.job(id, "mock2", id + ";mock:tokens=50;mock:token-interval=100", "x");
    job.put("stream", true);
    job.put("deadline_ms", System.currentTimeMillis() + 1500);
    JsonNode r = publishAndWait(job);

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("error");
    assertThat(r.path("error").path("code").asText()).isEqualTo("deadline_exceeded");
    assertThat(r.path("attempts")).hasSize(1);
    assertThat(r.path("timing").path("ttft_ms").isIntegralNumber()).isTrue();
    List<JsonNode> chunks = chunks(id);
    assertThat(chunks).isNotEmpty();
    assertSeqCountsUpFromZero(chunks);
    // Text still pending in the coalescer when the deadline struck must not trail the result.
    await()
        .during(CHUNK_INTERVAL.multipliedBy(2))
        .atMost(CHUNK_INTERVAL.multipliedBy(4))
        .untilAsserted(() -> assertResultComesLast(id));
  }

  @Test
  void anInBandErrorUnderHttp200IsAnUpstreamError() throws Exception {
    String id = newId("in-band");
    JsonNode r = publishAndWait(streamJob(id, ";mock:tokens=10;mock:fault=in-band-error"));

    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("error");
    assertThat(r.path("completion").isNull()).isTrue();
    assertThat(r.path("error").path("code").asText()).isEqualTo("upstream_error");
    assertThat(r.path("error").path("http_status").asInt()).isEqualTo(200);
    for (JsonNode a : r.path("attempts")) {
      assertThat(a.path("outcome").asText()).isEqualTo("upstream_error");
    }
  }
}
