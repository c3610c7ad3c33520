package dev.aijobs.sdk.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aijobs.protocol.JobChunk;
import dev.aijobs.protocol.JobRequest;
import dev.aijobs.protocol.JobResult;
import dev.aijobs.sdk.AiJobsClient;
import dev.aijobs.sdk.ChunkListener;
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

/** The README's Java SDK example (between the tag markers), compiled and run here. */
class SdkReadmeExampleIT {
  private static final String REPLY_QUEUE = "bot-1.replies";

  @Test
  void readmeSdkExampleSubmitsAndStreams() throws Exception {
    try (MockUpstream upstream = MockUpstream.start();
        Worker worker = SdkEnv.startWorker(upstream)) {
      await().atMost(Duration.ofSeconds(10)).until(worker::isReady);
      String[] out = example(ItBroker.uri());
      assertThat(out[0]).isEqualTo("echo: Hi");
      assertThat(out[1]).isEqualTo("echo: Tell me more").isEqualTo(out[2]);
    } finally {
      SdkEnv.delete(REPLY_QUEUE);
    }
  }

  @Test
  void snippetMarkersArePresent() throws Exception {
    String source =
        Files.readString(Path.of("src/test/java/dev/aijobs/sdk/it/SdkReadmeExampleIT.java"));
    assertThat(snippet(source, "sdk")).contains("AiJobsClient.create").contains("client.stream(");
    assertThat(Files.readString(Path.of("../README.md"))).contains(snippet(source, "sdk"));
  }

  /** The text between the {@code tag} markers, unindented: what the README shows. */
  static String snippet(String source, String tag) {
    String start = "// tag::" + tag + "[]"; // built so that this line is not a marker
    String end = "    // end::" + tag + "[]";
    String body = source.substring(source.indexOf(start) + start.length() + 1, source.indexOf(end));
    return body.stripTrailing().stripIndent().strip();
  }

  private static String[] example(String amqpUri) throws Exception {
    // tag::sdk[]
    ClientConfig config =
        ClientConfig.builder()
            .uri(amqpUri) // e.g. amqp://guest:guest@localhost:5672/%2F
            .replyQueue("bot-1.replies") // durable: results wait here while the bot is down
            .unclaimedResultHandler(r -> System.out.println("result after a restart: " + r.id()))
            .build();
    try (AiJobsClient client = AiJobsClient.create(config)) {
      JobRequest job =
          Jobs.builder("mock", "demo")
              .system("You are terse.")
              .user("Hi")
              .param("temperature", 0.2)
              .timeout(Duration.ofSeconds(60))
              .build();
      JobResult r = client.submit(job).get(60, TimeUnit.SECONDS); // or thenAccept(...)
      String answer = r.isOk() ? r.completion().content() : r.error().code().wireName();

      StringBuilder text = new StringBuilder();
      JobRequest streamed = Jobs.builder("mock", "demo").user("Tell me more").build();
      ChunkListener listener =
          new ChunkListener() {
            @Override
            public void onChunk(JobChunk chunk) { // in seq order, never concurrently
              text.append(chunk.delta());
            }

            @Override
            public void onRestart() { // another attempt took over: start again
              text.setLength(0);
            }
          };
      JobResult full = client.stream(streamed, listener).get(60, TimeUnit.SECONDS);
      return new String[] {answer, text.toString(), full.completion().content()};
    }
    // end::sdk[]
  }
}
