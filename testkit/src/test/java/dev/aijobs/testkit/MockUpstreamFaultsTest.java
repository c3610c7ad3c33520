package dev.aijobs.testkit;

import static dev.aijobs.testkit.MockUpstreamStreamingTest.chunks;
import static dev.aijobs.testkit.MockUpstreamStreamingTest.content;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every {@code fault=} directive as a raw-socket client sees it. "Nothing more arrives" is shown by
 * a short socket read timeout, which only bounds how long the test looks, never what it asserts
 * about the server's speed.
 */
class MockUpstreamFaultsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int LOOK_MILLIS = 300;

  private MockUpstream upstream;

  @BeforeEach
  void start() {
    upstream = MockUpstream.start();
  }

  @AfterEach
  void stop() {
    upstream.close();
  }

  @Test
  void resetBeforeHeadersAbortsTheConnection() throws IOException {
    try (RawHttp client = send("m;mock:fault=reset-before-headers", false)) {
      assertThatThrownBy(client::read)
          .isInstanceOf(SocketException.class)
          .hasMessageContaining("reset");
    }
    assertThat(upstream.requestCount()).isEqualTo(1);
  }

  @Test
  void closeBeforeHeadersClosesCleanlyWithoutAByte() throws IOException {
    try (RawHttp client = send("m;mock:fault=close-before-headers", true)) {
      assertThat(client.read()).isEqualTo(-1);
    }
  }

  @Test
  void noAnswerKeepsTheConnectionOpenAndSilent() throws IOException {
    try (RawHttp client = send("m;mock:fault=no-answer", true)) {
      client.socket().setSoTimeout(LOOK_MILLIS);
      assertThatThrownBy(client::read).isInstanceOf(SocketTimeoutException.class);
      assertThat(upstream.openConnections()).isEqualTo(1);
      assertThat(upstream.requestCount("m;mock:fault=no-answer")).isEqualTo(1);
    }
  }

  @Test
  void streamCutClosesAfterSomeTokensWithoutFinishOrDone() throws IOException {
    try (RawHttp client = send("m;mock:fault=stream-cut;mock:tokens=5", true)) {
      assertThat(client.readHead()).startsWith("HTTP/1.1 200").contains("text/event-stream");
      List<String> data = SseEvents.parse(client.readChunksUntilClosed()).data();

      assertThat(data).hasSize(2).doesNotContain("[DONE]");
      assertThat(content(chunks(data))).isEqualTo("t0 t1");
      assertThat(chunks(data))
          .noneMatch(c -> c.path("choices").path(0).hasNonNull("finish_reason"));
    }
    assertThat(upstream.streamsStarted()).isEqualTo(1);
  }

  @Test
  void faultAfterChoosesWhereTheStreamIsCut() throws IOException {
    try (RawHttp client = send("m;mock:fault=stream-cut;mock:fault-after=0", true)) {
      client.readHead();
      assertThat(SseEvents.parse(client.readChunksUntilClosed()).data()).isEmpty();
    }
  }

  @Test
  void streamStallSendsSomeTokensThenNothingOnAnOpenConnection() throws IOException {
    try (RawHttp client = send("m;mock:fault=stream-stall;mock:tokens=5", true)) {
      client.readHead();
      StringBuilder body = new StringBuilder();
      while (SseEvents.parse(body.toString()).data().size() < 2) {
        body.append(client.readChunk());
      }
      client.socket().setSoTimeout(LOOK_MILLIS);
      assertThatThrownBy(client::readChunk).isInstanceOf(SocketTimeoutException.class);
      assertThat(content(chunks(SseEvents.parse(body.toString()).data()))).isEqualTo("t0 t1");
      assertThat(upstream.openConnections()).isEqualTo(1);
    }
  }

  @Test
  void malformedEventComesMidStreamAndTheRestFollows() throws IOException {
    try (RawHttp client = send("m;mock:fault=malformed-event;mock:tokens=4", true)) {
      client.readHead();
      List<String> data = SseEvents.parse(client.readChunkedBody()).data();

      assertThat(data.get(2)).isEqualTo("{not json");
      assertThat(data).last().isEqualTo("[DONE]");
      List<String> parsable = data.stream().filter(d -> !d.startsWith("{not")).toList();
      assertThat(content(chunks(parsable))).isEqualTo("t0 t1 t2 t3");
    }
  }

  @Test
  void noDoneEndsTheResponseNormallyAfterFinishReason() throws IOException {
    try (RawHttp client = send("m;mock:fault=no-done", true)) {
      client.readHead();
      List<String> data = SseEvents.parse(client.readChunkedBody()).data();

      assertThat(data).doesNotContain("[DONE]");
      JsonNode last = JSON.readTree(data.get(data.size() - 1));
      assertThat(last.path("choices").path(0).path("finish_reason").asText()).isEqualTo("stop");
      assertThat(content(chunks(data))).isEqualTo("echo: hello big world");
    }
  }

  @Test
  void inBandErrorInAStreamIsAnErrorEventUnder200() throws IOException {
    try (RawHttp client = send("m;mock:fault=in-band-error;mock:fault-after=1", true)) {
      assertThat(client.readHead()).startsWith("HTTP/1.1 200");
      List<String> data = SseEvents.parse(client.readChunkedBody()).data();

      assertThat(data).hasSize(2).doesNotContain("[DONE]");
      JsonNode error = JSON.readTree(data.get(1)).path("error");
      assertThat(error.path("code").asInt()).isEqualTo(502);
      assertThat(error.path("message").asText()).isNotBlank();
    }
  }

  @Test
  void inBandErrorWithoutStreamIsA200BodyWithAnErrorAndNoChoices() throws IOException {
    try (RawHttp client = send("m;mock:fault=in-band-error", false)) {
      String head = client.readHead();
      byte[] body = client.readBody(RawHttp.contentLength(head));

      assertThat(head).startsWith("HTTP/1.1 200");
      JsonNode json = JSON.readTree(body);
      assertThat(json.path("error").path("code").asInt()).isEqualTo(502);
      assertThat(json.has("choices")).isFalse();
    }
  }

  @Test
  void nonStreamCutSendsHalfTheAnnouncedBodyThenCloses() throws IOException {
    try (RawHttp client = send("m;mock:fault=stream-cut", false)) {
      long announced = RawHttp.contentLength(client.readHead());
      byte[] received = client.readToEnd();

      assertThat(received.length).isPositive().isLessThan((int) announced);
    }
  }

  @Test
  void nonStreamStallSendsHalfTheBodyAndWaits() throws IOException {
    try (RawHttp client = send("m;mock:fault=stream-stall", false)) {
      long announced = RawHttp.contentLength(client.readHead());
      byte[] half = client.readBody(announced / 2);
      client.socket().setSoTimeout(LOOK_MILLIS);

      assertThat(half).hasSize((int) (announced / 2));
      assertThatThrownBy(client::read).isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void nonStreamMalformedIsA200BodyThatIsNotJson() throws IOException {
    try (RawHttp client = send("m;mock:fault=malformed-event", false)) {
      String head = client.readHead();
      String body =
          new String(client.readBody(RawHttp.contentLength(head)), StandardCharsets.UTF_8);

      assertThat(head).startsWith("HTTP/1.1 200");
      assertThat(body).isEqualTo("{not json");
    }
  }

  @Test
  void timesLimitsAFaultToTheFirstRequests() throws IOException {
    String model = "m;mock:fault=close-before-headers;mock:times=1";
    try (RawHttp first = send(model, false)) {
      assertThatThrownBy(first::readHead).isInstanceOf(EOFException.class);
    }
    try (RawHttp second = send(model, false)) {
      assertThat(second.readHead()).startsWith("HTTP/1.1 200");
    }
    assertThat(upstream.requestCount(model)).isEqualTo(2);
    await().atMost(Duration.ofSeconds(5)).until(() -> upstream.openConnections() == 0);
  }

  @Test
  void unknownFaultIs400ListingTheKnownOnes() throws IOException {
    try (RawHttp client = send("m;mock:fault=explode", false)) {
      String head = client.readHead();
      String body =
          new String(client.readBody(RawHttp.contentLength(head)), StandardCharsets.UTF_8);

      assertThat(head).startsWith("HTTP/1.1 400");
      assertThat(body).contains("explode").contains("stream-cut");
    }
  }

  private RawHttp send(String model, boolean stream) throws IOException {
    RawHttp client = RawHttp.connect(upstream.port());
    client.post(RawHttp.chatBody(model, stream));
    return client;
  }
}
