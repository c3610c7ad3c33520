package dev.aijobs.sdk.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aijobs.protocol.JobRequest;
import dev.aijobs.protocol.JobResult;
import dev.aijobs.protocol.ToolCall;
import dev.aijobs.sdk.AiJobsClient;
import dev.aijobs.sdk.ClientConfig;
import dev.aijobs.sdk.Jobs;
import dev.aijobs.testkit.MockUpstream;
import dev.aijobs.worker.Worker;
import dev.aijobs.worker.it.ItBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The README's tool-call round trip (between the tag markers), compiled and run here: the first
 * answer is a recorded OpenAI tool-call answer, the follow-up is answered by the mock upstream from
 * the tool message.
 */
class SdkToolCallReadmeIT {
  private static final String REPLY_QUEUE = "bot-tools.replies";

  @Test
  void readmeToolCallRoundTrip() throws Exception {
    try (MockUpstream upstream = MockUpstream.start();
        Worker worker = SdkEnv.startWorker(upstream);
        AiJobsClient client =
            AiJobsClient.create(
                ClientConfig.builder().uri(ItBroker.uri()).replyQueue(REPLY_QUEUE).build())) {
      await().atMost(Duration.ofSeconds(10)).until(worker::isReady);
      // The first request with this model gets the recorded tool-call answer, later ones an echo.
      String answer = example(client, "demo;mock:corpus=openai-tool-calls;mock:times=1", "mock");
      assertThat(answer).isEqualTo("echo: 21:04");
    } finally {
      SdkEnv.delete(REPLY_QUEUE);
    }
  }

  @Test
  void snippetMarkersArePresent() throws Exception {
    String source =
        Files.readString(Path.of("src/test/java/dev/aijobs/sdk/it/SdkToolCallReadmeIT.java"));
    String snippet = SdkReadmeExampleIT.snippet(source, "tools");
    assertThat(snippet).contains("toolCalls()").contains("toolResult(");
    assertThat(Files.readString(Path.of("../README.md"))).contains(snippet);
  }

  /** The tool the model may call; the bot's own code. */
  private static String runTool(String name, String arguments) {
    return name.equals("get_time") ? "21:04" : "-3 °C";
  }

  private static String example(AiJobsClient client, String model, String provider)
      throws Exception {
    // tag::tools[]
    JsonNode tools =
        new ObjectMapper()
            .readTree(
                """
                [{"type": "function", "function": {"name": "get_weather",
                  "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]
                """);
    JobRequest ask =
        Jobs.builder(provider, model).user("Weather in Oslo?").param("tools", tools).build();
    JobResult first = client.submit(ask).get(60, TimeUnit.SECONDS);
    if (first.isOk() && !first.completion().toolCalls().isEmpty()) {
      // The history so far, the assistant turn as received, then one tool message per call.
      Jobs.Builder followUp =
          Jobs.builder(provider, model)
              .user("Weather in Oslo?")
              .message(first.completion().toMessage())
              .param("tools", tools);
      for (ToolCall call : first.completion().toolCalls()) {
        followUp.toolResult(call.id(), runTool(call.name(), call.arguments()));
      }
      first = client.submit(followUp.build()).get(60, TimeUnit.SECONDS);
    }
    return first.isOk() ? first.completion().content() : first.error().code().wireName();
    // end::tools[]
  }
}
