package dev.aijobs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** SSE answers to {@code "stream": true} requests, parsed the way a client would. */
class MockUpstreamStreamingTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
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
  void streamsTheEchoAsOpenAiChunksThenStopUsageAndDone() throws Exception {
    HttpResponse<String> response = stream("gpt-x");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("text/event-stream");
    assertThat(response.headers().firstValue("transfer-encoding")).hasValue("chunked");
    List<String> data = SseEvents.parse(response.body()).data();
    assertThat(data).last().isEqualTo("[DONE]");
    List<JsonNode> chunks = chunks(data);
    JsonNode first = chunks.get(0);
    assertThat(first.path("id").asText()).startsWith("chatcmpl-mock-");
    assertThat(first.path("model").asText()).isEqualTo("gpt-x");
    assertThat(first.path("choices").path(0).path("delta").path("role").asText())
        .isEqualTo("assistant");
    assertThat(chunks)
        .allSatisfy(c -> assertThat(c.path("object").asText()).isEqualTo("chat.completion.chunk"))
        .allSatisfy(c -> assertThat(c.path("id")).isEqualTo(first.path("id")));
    assertThat(content(chunks)).isEqualTo("echo: hello big world");

    JsonNode last = chunks.get(chunks.size() - 1);
    JsonNode finalChoice = last.path("choices").path(0);
    assertThat(finalChoice.path("finish_reason").asText()).isEqualTo("stop");
    assertThat(finalChoice.path("delta").isEmpty()).isTrue();
    assertThat(last.path("usage").path("prompt_tokens").asInt()).isEqualTo(3);
    assertThat(last.path("usage").path("completion_tokens").asInt()).isEqualTo(4);
    assertThat(chunks.subList(0, chunks.size() - 1))
        .allSatisfy(
            c -> assertThat(c.path("choices").path(0).path("finish_reason").isNull()).isTrue());
    assertThat(upstream.streamsStarted()).isEqualTo(1);
  }

  @Test
  void tokensDirectiveStreamsNumberedTokensAtTheInterval() throws Exception {
    HttpResponse<String> response = stream("m;mock:tokens=5;mock:token-interval=5");

    List<JsonNode> chunks = chunks(SseEvents.parse(response.body()).data());
    assertThat(chunks).hasSize(6);
    assertThat(content(chunks)).isEqualTo("t0 t1 t2 t3 t4");
    assertThat(chunks.get(5).path("usage").path("completion_tokens").asInt()).isEqualTo(5);
  }

  @Test
  void commentsComeBeforeTheFirstDataEventAndAreNotData() throws Exception {
    HttpResponse<String> response = stream("m;mock:comments=3;mock:first-token=30;mock:tokens=2");

    SseEvents events = SseEvents.parse(response.body());
    assertThat(events.comments())
        .containsExactly("OPENROUTER PROCESSING", "OPENROUTER PROCESSING", "OPENROUTER PROCESSING");
    assertThat(events.indexOfFirstData()).isEqualTo(3);
    assertThat(content(chunks(events.data()))).isEqualTo("t0 t1");
  }

  @Test
  void errorStatusWinsOverStreamingAndIsPlainJson() throws Exception {
    HttpResponse<String> response = stream("m;mock:status=429;mock:retry-after=1");

    assertThat(response.statusCode()).isEqualTo(429);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(response.headers().firstValue("retry-after")).hasValue("1");
    assertThat(upstream.streamsStarted()).isZero();
  }

  @Test
  void streamsReuseTheKeptAliveConnection() throws Exception {
    stream("m");
    stream("m;mock:fault=no-done");
    HttpResponse<String> third = stream("m;mock:tokens=1");

    assertThat(SseEvents.parse(third.body()).data()).last().isEqualTo("[DONE]");
    assertThat(upstream.openConnections()).isEqualTo(1);
    assertThat(upstream.streamsStarted()).isEqualTo(3);
    assertThat(upstream.requestCount()).isEqualTo(3);
  }

  private HttpResponse<String> stream(String model) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(upstream.baseUrl() + "/chat/completions"))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(RawHttp.chatBody(model, true)))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** Parses every data payload except [DONE] as JSON. */
  static List<JsonNode> chunks(List<String> data) throws IOException {
    List<JsonNode> chunks = new ArrayList<>();
    for (String payload : data) {
      if (!payload.equals("[DONE]")) {
        chunks.add(JSON.readTree(payload));
      }
    }
    return chunks;
  }

  static String content(List<JsonNode> chunks) {
    StringBuilder content = new StringBuilder();
    for (JsonNode chunk : chunks) {
      content.append(chunk.path("choices").path(0).path("delta").path("content").asText(""));
    }
    return content.toString();
  }
}
