package dev.aijobs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MockUpstreamTest {

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
  void answersAStandardChatCompletionEchoingTheLastMessage() throws Exception {
    HttpResponse<String> response =
        chat("gpt-x", Map.of("role", "system", "content", "be brief"), user("hello big world"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.path("id").asText()).startsWith("chatcmpl-mock-");
    assertThat(body.path("object").asText()).isEqualTo("chat.completion");
    assertThat(body.path("created").asLong()).isPositive();
    assertThat(body.path("model").asText()).isEqualTo("gpt-x");
    JsonNode choice = body.path("choices").path(0);
    assertThat(choice.path("index").asInt()).isZero();
    assertThat(choice.path("message").path("role").asText()).isEqualTo("assistant");
    assertThat(choice.path("message").path("content").asText()).isEqualTo("echo: hello big world");
    assertThat(choice.path("finish_reason").asText()).isEqualTo("stop");
    JsonNode usage = body.path("usage");
    assertThat(usage.path("prompt_tokens").asInt()).isEqualTo(5);
    assertThat(usage.path("completion_tokens").asInt()).isEqualTo(4);
    assertThat(usage.path("total_tokens").asInt()).isEqualTo(9);
  }

  @Test
  void baseUrlPointsAtTheBoundLoopbackPort() {
    assertThat(upstream.port()).isPositive();
    assertThat(upstream.baseUrl()).isEqualTo("http://127.0.0.1:" + upstream.port() + "/v1");
  }

  @Test
  void statusDirectiveAnswersAnOpenAiStyleError() throws Exception {
    HttpResponse<String> response = chat("gpt-x;mock:status=500", user("hi"));

    assertThat(response.statusCode()).isEqualTo(500);
    JsonNode error = JSON.readTree(response.body()).path("error");
    assertThat(error.path("message").asText()).isNotBlank();
    assertThat(error.path("type").asText()).isEqualTo("server_error");
    assertThat(error.has("code")).isTrue();
  }

  @Test
  void errorDirectiveSetsTheCodeOfA400() throws Exception {
    HttpResponse<String> tooLong = chat("m;mock:status=400;mock:error=context_length_exceeded");
    HttpResponse<String> filtered = chat("m, mock:error=content_policy_violation");

    assertThat(tooLong.statusCode()).isEqualTo(400);
    assertThat(errorCode(tooLong)).isEqualTo("context_length_exceeded");
    assertThat(filtered.statusCode()).isEqualTo(400);
    assertThat(errorCode(filtered)).isEqualTo("content_policy_violation");
  }

  @Test
  void retryAfterDirectivesAddTheirHeaders() throws Exception {
    HttpResponse<String> response =
        chat("m;mock:status=429;mock:retry-after=2;mock:retry-after-ms=1500");

    assertThat(response.statusCode()).isEqualTo(429);
    assertThat(response.headers().firstValue("Retry-After")).hasValue("2");
    assertThat(response.headers().firstValue("retry-after-ms")).hasValue("1500");
    assertThat(errorCode(response)).isEqualTo("rate_limit_exceeded");
  }

  @Test
  void timesDirectiveFailsOnlyTheFirstRequestsOfThatModel() throws Exception {
    String model = "m;mock:status=503;mock:times=2";

    assertThat(chat(model).statusCode()).isEqualTo(503);
    assertThat(chat(model).statusCode()).isEqualTo(503);
    assertThat(chat(model).statusCode()).isEqualTo(200);
    assertThat(chat(model).statusCode()).isEqualTo(200);

    upstream.reset();
    assertThat(chat(model).statusCode()).isEqualTo(503);
  }

  @Test
  void latencyDirectiveStillAnswers() throws Exception {
    HttpResponse<String> response = chat("m;mock:latency=150", user("slow"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(content(response)).isEqualTo("echo: slow");
  }

  @Test
  void configuredLatencyAndJitterStillAnswer() throws Exception {
    Duration latency = Duration.ofMillis(20);
    try (MockUpstream slow =
        MockUpstream.start(
            MockUpstream.Options.builder()
                .latency(latency)
                .latencyJitter(Duration.ofMillis(30))
                .build())) {
      HttpResponse<String> response = post(slow.baseUrl() + "/chat/completions", body("m"));

      assertThat(response.statusCode()).isEqualTo(200);
    }
  }

  @Test
  void unknownPathIs404() throws Exception {
    HttpResponse<String> response = post(upstream.baseUrl() + "/embeddings", body("m"));

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(response.body()).path("error").path("message").asText())
        .contains("/v1/embeddings");
    assertThat(upstream.requestCount()).isZero();
  }

  @Test
  void bodyThatIsNotJsonIs400() throws Exception {
    HttpResponse<String> response = post(chatUrl(), "this is not json");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(response.body()).path("error").path("type").asText())
        .isEqualTo("invalid_request_error");
  }

  @Test
  void unknownDirectiveIs400NamingIt() throws Exception {
    HttpResponse<String> response = chat("m;mock:explode=1");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(response.body()).path("error").path("message").asText())
        .contains("explode");
  }

  @Test
  void countsRequestsInTotalAndPerExactModel() throws Exception {
    chat("a");
    chat("a");
    chat("b;mock:status=500");
    post(chatUrl(), "not json");

    assertThat(upstream.requestCount()).isEqualTo(4);
    assertThat(upstream.requestCount("a")).isEqualTo(2);
    assertThat(upstream.requestCount("b;mock:status=500")).isEqualTo(1);
    assertThat(upstream.requestCount("b")).isZero();

    upstream.reset();
    assertThat(upstream.requestCount()).isZero();
    assertThat(upstream.requestCount("a")).isZero();
  }

  @Test
  void optionsRejectInvalidValuesNamingTheField() {
    assertThatThrownBy(() -> MockUpstream.Options.builder().port(70000).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("port");
    assertThatThrownBy(() -> MockUpstream.Options.builder().latency(Duration.ofMillis(-1)).build())
        .hasMessageContaining("latency");
    assertThatThrownBy(() -> MockUpstream.Options.builder().ioThreads(0).build())
        .hasMessageContaining("ioThreads");
  }

  @Test
  void startFailsClearlyWhenThePortIsTaken() {
    MockUpstream.Options taken = MockUpstream.Options.builder().port(upstream.port()).build();

    assertThatThrownBy(() -> MockUpstream.start(taken))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(Integer.toString(upstream.port()));
  }

  private HttpResponse<String> chat(String model, Map<?, ?>... messages)
      throws IOException, InterruptedException {
    return post(chatUrl(), body(model, messages));
  }

  private HttpResponse<String> post(String url, String body)
      throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private String chatUrl() {
    return upstream.baseUrl() + "/chat/completions";
  }

  private static String body(String model, Map<?, ?>... messages) throws IOException {
    Object[] effective = messages.length == 0 ? new Object[] {user("hi")} : messages;
    return JSON.writeValueAsString(Map.of("model", model, "messages", effective));
  }

  private static Map<String, String> user(String content) {
    return Map.of("role", "user", "content", content);
  }

  private static String content(HttpResponse<String> response) throws IOException {
    return JSON.readTree(response.body())
        .path("choices")
        .path(0)
        .path("message")
        .path("content")
        .asText();
  }

  private static String errorCode(HttpResponse<String> response) throws IOException {
    return JSON.readTree(response.body()).path("error").path("code").asText();
  }
}
