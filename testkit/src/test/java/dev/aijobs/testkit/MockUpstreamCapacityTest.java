package dev.aijobs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code max-concurrent=N} and {@code for=MS} directives: a provider's capacity (429 beyond N
 * requests being answered at once) and a storm limited in time. Requests are held open with
 * latency, so "beyond the limit" is shown by the order of answers, not by timing.
 */
class MockUpstreamCapacityTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(10);

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
  void maxConcurrentRefusesRequestsBeyondTheLimitAtOnce() throws IOException {
    String model = "m;mock:latency=1500;mock:max-concurrent=2";
    try (RawHttp a = send(upstream, model, false);
        RawHttp b = send(upstream, model, false)) {
      await().atMost(WAIT).until(() -> upstream.inFlight(model) == 2);

      try (RawHttp c = send(upstream, model, false)) {
        String head = c.readHead();
        assertThat(head).startsWith("HTTP/1.1 429");
        assertThat(head.toLowerCase()).doesNotContain("retry-after");
        JsonNode error = body(c, head).path("error");
        assertThat(error.path("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(error.path("message").asText()).contains("more than 2 at once");
      }
      assertThat(upstream.inFlight(model))
          .as("the first two are still being answered")
          .isEqualTo(2);

      assertThat(a.readHead()).startsWith("HTTP/1.1 200");
      assertThat(b.readHead()).startsWith("HTTP/1.1 200");
    }
    await().atMost(WAIT).until(() -> upstream.inFlight(model) == 0);
    try (RawHttp d = send(upstream, model, false)) {
      assertThat(d.readHead()).as("room again").startsWith("HTTP/1.1 200");
    }
    assertThat(upstream.peakInFlight(model)).isEqualTo(2);
    assertThat(upstream.overLimitCount(model)).isEqualTo(1);
    assertThat(upstream.requestCount(model)).isEqualTo(4);
  }

  @Test
  void theLimitHoldsAfterTimesHasRunOut() throws IOException {
    try (MockUpstream slow =
        MockUpstream.start(
            MockUpstream.Options.builder().latency(Duration.ofMillis(1500)).build())) {
      String model = "m;mock:status=503;mock:times=1;mock:max-concurrent=1";
      try (RawHttp first = send(slow, model, false)) {
        await().atMost(WAIT).until(() -> slow.inFlight(model) == 1);
        try (RawHttp second = send(slow, model, false)) {
          assertThat(second.readHead()).startsWith("HTTP/1.1 429");
        }
        assertThat(first.readHead()).startsWith("HTTP/1.1 503");
      }
      await().atMost(WAIT).until(() -> slow.inFlight(model) == 0);
      try (RawHttp third = send(slow, model, false)) {
        assertThat(third.readHead()).startsWith("HTTP/1.1 200");
      }
      assertThat(slow.overLimitCount(model)).isEqualTo(1);
    }
  }

  @Test
  void aRefusalCarriesTheRetryAfterOfTheDirectivesInForce() throws IOException {
    String model = "m;mock:status=429;mock:retry-after=2;mock:latency=1500;mock:max-concurrent=1";
    try (RawHttp first = send(upstream, model, false)) {
      await().atMost(WAIT).until(() -> upstream.inFlight(model) == 1);
      try (RawHttp second = send(upstream, model, false)) {
        String head = second.readHead();
        assertThat(head).startsWith("HTTP/1.1 429").contains("Retry-After: 2");
        assertThat(body(second, head).path("error").path("message").asText())
            .contains("concurrent");
      }
      assertThat(first.readHead()).startsWith("HTTP/1.1 429").contains("Retry-After: 2");
    }
  }

  @Test
  void forAppliesTheDirectivesWithinTheWindowAfterTheFirstRequest() throws Exception {
    String model = "m;mock:status=503;mock:for=1500";
    assertThat(status(model)).isEqualTo(503);
    assertThat(status(model)).isEqualTo(503);

    Thread.sleep(1700);
    assertThat(status(model)).as("the window is over").isEqualTo(200);

    upstream.reset();
    assertThat(status(model)).as("reset starts the window again").isEqualTo(503);
  }

  @Test
  void aStreamIsBeingAnsweredUntilItsLastChunk() throws IOException {
    String model = "m;mock:tokens=3;mock:token-interval=400;mock:max-concurrent=1";
    try (RawHttp stream = send(upstream, model, true)) {
      assertThat(stream.readHead()).startsWith("HTTP/1.1 200").contains("text/event-stream");
      assertThat(upstream.inFlight(model)).isEqualTo(1);
      try (RawHttp other = send(upstream, model, false)) {
        assertThat(other.readHead()).startsWith("HTTP/1.1 429");
      }
      assertThat(stream.readChunkedBody()).contains("[DONE]");
    }
    await().atMost(WAIT).until(() -> upstream.inFlight(model) == 0);
  }

  @Test
  void aConnectionClosedBeforeTheAnswerEndsItsRequest() throws IOException {
    String model = "m;mock:fault=no-answer;mock:max-concurrent=1";
    RawHttp silent = send(upstream, model, false);
    await().atMost(WAIT).until(() -> upstream.inFlight(model) == 1);
    silent.close();
    await().atMost(WAIT).until(() -> upstream.inFlight(model) == 0);
    assertThat(upstream.peakInFlight(model)).isEqualTo(1);
    assertThat(upstream.overLimitCount(model)).isZero();
  }

  private int status(String model) throws IOException {
    try (RawHttp client = send(upstream, model, false)) {
      String head = client.readHead();
      return Integer.parseInt(head.substring("HTTP/1.1 ".length(), "HTTP/1.1 ".length() + 3));
    }
  }

  private static RawHttp send(MockUpstream server, String model, boolean stream)
      throws IOException {
    RawHttp client = RawHttp.connect(server.port());
    client.post(RawHttp.chatBody(model, stream));
    return client;
  }

  private static JsonNode body(RawHttp client, String head) throws IOException {
    byte[] bytes = client.readBody(RawHttp.contentLength(head));
    return JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
  }
}
