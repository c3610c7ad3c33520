package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.aijobs.worker.Worker;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real gateways: a base URL with a query string (Azure OpenAI's {@code api-version}), the key in
 * another header ({@code api-key}), extra headers (OpenRouter's attribution headers), and {@code
 * stream_options.include_usage} on streams unless turned off. A loopback HTTP server records what
 * the worker sends.
 */
class GatewayIT {
  private static final String PLAIN =
      "{\"choices\":[{\"index\":0,\"finish_reason\":\"stop\",\"message\":{\"role\":\"assistant\","
          + "\"content\":\"hi\"}}]}";
  private static final String STREAM =
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}]}"
          + "\n\ndata: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,"
          + "\"total_tokens\":4}}\n\ndata: [DONE]\n\n";

  /** One request as the gateway saw it. */
  record Seen(String path, String query, Headers headers, JsonNode body) {}

  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private HttpServer server;

  @BeforeEach
  void start() throws Exception {
    BotSide.resetQueues();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::answer);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private void answer(HttpExchange x) throws IOException {
    JsonNode body = BotSide.JSON.readTree(x.getRequestBody().readAllBytes());
    seen.add(
        new Seen(
            x.getRequestURI().getPath(),
            x.getRequestURI().getRawQuery(),
            x.getRequestHeaders(),
            body));
    boolean stream = body.path("stream").asBoolean();
    byte[] out = (stream ? STREAM : PLAIN).getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", stream ? "text/event-stream" : "application/json");
    x.sendResponseHeaders(200, out.length);
    try (OutputStream o = x.getResponseBody()) {
      o.write(out);
    }
  }

  @Test
  void azureStyleGatewayGetsItsQueryKeyHeaderAndExtraHeaders() throws Exception {
    Map<String, String> env = Workers.env();
    env.put(
        "AIJOBS_PROVIDER_AZURE_BASE_URL",
        "http://127.0.0.1:"
            + server.getAddress().getPort()
            + "/openai/deployments/gpt-4o?api-version=2024-10-21");
    env.put("AIJOBS_PROVIDER_AZURE_API_KEY", "azure-key-1");
    env.put("AIJOBS_PROVIDER_AZURE_AUTH_HEADER", "api-key");
    env.put("AIJOBS_PROVIDER_AZURE_HEADERS", "HTTP-Referer=https://bot.example; X-Title=My Bot");
    JsonNode plain = run(env, "azure", false);
    JsonNode streamed = run(env, "azure", true);

    assertThat(plain.path("status").asText()).as(plain.toString()).isEqualTo("ok");
    assertThat(streamed.path("status").asText()).as(streamed.toString()).isEqualTo("ok");
    assertThat(streamed.at("/completion/usage/total_tokens").asInt()).isEqualTo(4);
    assertThat(seen).hasSize(2);
    for (Seen s : seen) {
      assertThat(s.path()).isEqualTo("/openai/deployments/gpt-4o/chat/completions");
      assertThat(s.query()).isEqualTo("api-version=2024-10-21");
      assertThat(s.headers().getFirst("api-key")).isEqualTo("azure-key-1");
      assertThat(s.headers().containsKey("Authorization")).isFalse();
      assertThat(s.headers().getFirst("HTTP-Referer")).isEqualTo("https://bot.example");
      assertThat(s.headers().getFirst("X-Title")).isEqualTo("My Bot");
    }
    assertThat(seen.get(0).body().has("stream_options")).as("plain call").isFalse();
    assertThat(seen.get(1).body().at("/stream_options/include_usage").asBoolean())
        .as("streamed call asks for usage")
        .isTrue();
  }

  @Test
  void streamUsageCanBeTurnedOffAndBearerIsTheDefault() throws Exception {
    Map<String, String> env = Workers.env();
    env.put(
        "AIJOBS_PROVIDER_LOCAL_BASE_URL",
        "http://127.0.0.1:" + server.getAddress().getPort() + "/v1");
    env.put("AIJOBS_PROVIDER_LOCAL_API_KEY", "local-key");
    env.put("AIJOBS_PROVIDER_LOCAL_STREAM_USAGE", "false");
    JsonNode streamed = run(env, "local", true);
    assertThat(streamed.path("status").asText()).isEqualTo("ok");
    assertThat(seen).hasSize(1);
    assertThat(seen.get(0).path()).isEqualTo("/v1/chat/completions");
    assertThat(seen.get(0).headers().getFirst("Authorization")).isEqualTo("Bearer local-key");
    assertThat(seen.get(0).body().has("stream_options")).isFalse();
  }

  private static JsonNode run(Map<String, String> env, String provider, boolean stream)
      throws Exception {
    try (Worker worker = Worker.start(Workers.config(env));
        BotSide bot = new BotSide()) {
      await().atMost(Duration.ofSeconds(10)).until(worker::isReady);
      String id = "gw-" + provider + "-" + stream;
      ObjectNode job = BotSide.job(id, provider, "gpt-4o", "hi");
      job.put("stream", stream);
      bot.publish(job);
      await().atMost(Duration.ofSeconds(20)).until(() -> bot.result(id) != null);
      return bot.result(id);
    }
  }
}
