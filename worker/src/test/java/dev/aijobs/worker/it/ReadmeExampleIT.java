package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.aijobs.protocol.JobCodec;
import dev.aijobs.protocol.JobRequest;
import dev.aijobs.protocol.JobResult;
import dev.aijobs.protocol.Topology;
import dev.aijobs.testkit.MockUpstream;
import dev.aijobs.worker.Worker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The README's Java example, compiled and run here so that the README stays true. */
class ReadmeExampleIT {

  @Test
  void readmeJavaExamplePublishesAJobAndReadsItsResult() throws Exception {
    BotSide.resetQueues();
    try (MockUpstream upstream = MockUpstream.start();
        Worker worker = Workers.start(upstream)) {
      String content = publishAndWait(ItBroker.uri());
      assertThat(content).isEqualTo("echo: Hi");
      assertThat(worker.inFlight()).isZero();
    } finally {
      try (Connection c = ItBroker.connectionFactory().newConnection();
          Channel ch = c.createChannel()) {
        ch.queueDelete("bot.replies");
      }
    }
  }

  @Test
  void readmeContainsTheExampleVerbatim() throws Exception {
    String source =
        Files.readString(Path.of("src/test/java/dev/aijobs/worker/it/ReadmeExampleIT.java"));
    String start = "// tag::" + "publish[]"; // split so that this line is not the marker
    String end = "    // end::" + "publish[]";
    String snippet =
        source.substring(source.indexOf(start) + start.length() + 1, source.indexOf(end));
    String readme = Files.readString(Path.of("../README.md"));
    assertThat(readme).contains(snippet.stripTrailing().stripIndent().strip());
  }

  private static String publishAndWait(String amqpUri) throws Exception {
    // tag::publish[]
    ConnectionFactory factory = new ConnectionFactory();
    factory.setUri(amqpUri); // e.g. amqp://guest:guest@localhost:5672/%2F
    try (Connection connection = factory.newConnection("my-bot");
        Channel channel = connection.createChannel()) {
      String replyQueue = "bot.replies"; // durable: results wait here while the bot is down
      channel.queueDeclare(replyQueue, true, false, false, null);
      Topology.declareProducerSide(channel);

      JobCodec codec = new JobCodec();
      ObjectNode message = codec.newObject().put("role", "user").put("content", "Hi");
      long now = System.currentTimeMillis();
      JobRequest job =
          new JobRequest(
              1,
              UUID.randomUUID().toString(),
              "mock",
              "demo",
              List.of(),
              List.of(message),
              null,
              false,
              now,
              now + 60_000,
              null);

      CompletableFuture<JobResult> result = new CompletableFuture<>();
      channel.basicConsume(
          replyQueue,
          true,
          (tag, delivery) -> {
            AMQP.BasicProperties p = delivery.getProperties();
            if (job.id().equals(p.getCorrelationId()) && Topology.TYPE_RESULT.equals(p.getType())) {
              result.complete(codec.decodeResult(delivery.getBody()));
            }
          },
          tag -> {});

      channel.confirmSelect();
      AMQP.BasicProperties props =
          new AMQP.BasicProperties.Builder()
              .contentType(Topology.CONTENT_TYPE)
              .deliveryMode(2)
              .messageId(job.id())
              .replyTo(replyQueue)
              .build();
      channel.basicPublish(Topology.JOBS_EXCHANGE, job.provider(), props, codec.encodeRequest(job));
      channel.waitForConfirmsOrDie(5_000);

      JobResult r = result.get(60, TimeUnit.SECONDS);
      return r.isOk() ? r.completion().content() : r.error().code().wireName();
    }
    // end::publish[]
  }
}
