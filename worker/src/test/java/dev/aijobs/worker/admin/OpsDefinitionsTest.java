package dev.aijobs.worker.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.aijobs.protocol.Topology;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * The ops files agree with the code: RabbitMQ definitions declare exactly what {@link Topology}
 * declares (a differing argument would make the worker's declaration fail with
 * PRECONDITION_FAILED), and every shutdown grace period leaves room for the drain.
 */
class OpsDefinitionsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Path ROOT = RepoFiles.root();

  private static JsonNode definitions() throws IOException {
    return JSON.readTree(ROOT.resolve("ops/rabbitmq/definitions.json").toFile());
  }

  private static JsonNode named(JsonNode array, String name) {
    return StreamSupport.stream(array.spliterator(), false)
        .filter(n -> n.path("name").asText().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("definitions.json has no " + name));
  }

  private static Map<String, Object> arguments(JsonNode queue) {
    return JSON.convertValue(queue.path("arguments"), new TypeReference<Map<String, Object>>() {});
  }

  @Test
  void queuesHaveExactlyTheWorkersArguments() throws IOException {
    JsonNode queues = definitions().path("queues");

    JsonNode jobs = named(queues, Topology.JOBS_QUEUE);
    assertThat(arguments(jobs)).isEqualTo(Topology.jobsQueueArguments());
    assertThat(arguments(named(queues, Topology.DEAD_LETTER_QUEUE)))
        .isEqualTo(Topology.deadLetterQueueArguments());
    assertThat(jobs.path("arguments").path("x-delivery-limit").isInt())
        .as("x-delivery-limit is an integer, not a string")
        .isTrue();
    for (JsonNode q : queues) {
      assertThat(q.path("durable").asBoolean()).isTrue();
      assertThat(q.path("auto_delete").asBoolean()).isFalse();
    }
  }

  @Test
  void exchangesAndBindingsMatchTheTopology() throws IOException {
    JsonNode defs = definitions();
    assertThat(named(defs.path("exchanges"), Topology.JOBS_EXCHANGE).path("type").asText())
        .isEqualTo("topic");
    assertThat(named(defs.path("exchanges"), Topology.DEAD_LETTER_EXCHANGE).path("type").asText())
        .isEqualTo("fanout");
    assertThat(defs.path("bindings"))
        .extracting(
            b ->
                b.path("source").asText()
                    + " -> "
                    + b.path("destination").asText()
                    + " ["
                    + b.path("routing_key").asText()
                    + "]")
        .containsExactlyInAnyOrder(
            "ai.jobs -> ai.jobs [" + Topology.ALL_ROUTING_KEYS + "]",
            "ai.jobs.dlx -> ai.jobs.dead []");
  }

  @Test
  void kubernetesGracePeriodExceedsPreStopPlusDrain() throws IOException {
    JsonNode config = YAML.readTree(ROOT.resolve("ops/k8s/configmap.yaml").toFile());
    JsonNode pod =
        YAML.readTree(ROOT.resolve("ops/k8s/deployment.yaml").toFile())
            .path("spec")
            .path("template")
            .path("spec");
    Duration drain =
        Duration.parse("PT" + config.path("data").path("AIJOBS_DRAIN_TIMEOUT").asText());
    long preStop =
        Long.parseLong(
            pod.path("containers")
                .get(0)
                .path("lifecycle")
                .path("preStop")
                .path("exec")
                .path("command")
                .get(1)
                .asText());

    assertThat(pod.path("terminationGracePeriodSeconds").asLong())
        .isGreaterThan(preStop + drain.toSeconds() + 10);
  }

  @Test
  void composeStopGraceExceedsTheDrainTimeout() throws IOException {
    JsonNode worker = YAML.readTree(ROOT.resolve("docker-compose.yml").toFile()).path("x-worker");
    Duration drain =
        Duration.parse("PT" + worker.path("environment").path("AIJOBS_DRAIN_TIMEOUT").asText());
    Duration grace = Duration.parse("PT" + worker.path("stop_grace_period").asText());

    assertThat(grace).isGreaterThan(drain.plusSeconds(10));
  }
}
