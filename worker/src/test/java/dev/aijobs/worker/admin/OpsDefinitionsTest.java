package dev.aijobs.worker.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.aijobs.protocol.Topology;
import dev.aijobs.worker.config.ProviderPresets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * The ops files agree with the code: RabbitMQ definitions declare exactly what {@link Topology}
 * declares (a differing argument would make the worker's declaration fail with
 * PRECONDITION_FAILED), both the shipped single-queue topology and the example for provider lanes,
 * and every shutdown grace period leaves room for the drain.
 */
class OpsDefinitionsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Path ROOT = RepoFiles.root();
  private static final String DEFINITIONS = "ops/rabbitmq/definitions.json";
  private static final String LANE_DEFINITIONS = "ops/rabbitmq/definitions-lanes.example.json";

  private static JsonNode definitions() throws IOException {
    return JSON.readTree(ROOT.resolve(DEFINITIONS).toFile());
  }

  private static JsonNode laneDefinitions() throws IOException {
    return JSON.readTree(ROOT.resolve(LANE_DEFINITIONS).toFile());
  }

  private static JsonNode named(JsonNode array, String name) {
    return StreamSupport.stream(array.spliterator(), false)
        .filter(n -> n.path("name").asText().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("the definitions have no " + name));
  }

  private static List<String> bindings(JsonNode defs) {
    return StreamSupport.stream(defs.path("bindings").spliterator(), false)
        .map(
            b ->
                b.path("source").asText()
                    + " -> "
                    + b.path("destination").asText()
                    + " ["
                    + b.path("routing_key").asText()
                    + "]")
        .toList();
  }

  private static List<String> presetIds() {
    return ProviderPresets.ALL.stream().map(ProviderPresets.Preset::id).toList();
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
    assertThat(bindings(defs))
        .containsExactlyInAnyOrder(
            "ai.jobs -> ai.jobs [" + Topology.ALL_ROUTING_KEYS + "]",
            "ai.jobs.dlx -> ai.jobs.dead []");
  }

  @Test
  void everyDefinitionsFileInOpsIsCheckedHere() throws IOException {
    try (Stream<Path> files = Files.list(ROOT.resolve("ops/rabbitmq"))) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")))
          .as("a definitions file no test loads could drift from Topology unnoticed")
          .containsExactlyInAnyOrder(
              Path.of(DEFINITIONS).getFileName().toString(),
              Path.of(LANE_DEFINITIONS).getFileName().toString());
    }
  }

  @Test
  void laneQueuesOfThePresetsHaveExactlyTheArgumentsOfAiJobs() throws IOException {
    JsonNode queues = laneDefinitions().path("queues");

    assertThat(arguments(named(queues, Topology.JOBS_QUEUE)))
        .isEqualTo(Topology.jobsQueueArguments());
    assertThat(arguments(named(queues, Topology.DEAD_LETTER_QUEUE)))
        .isEqualTo(Topology.deadLetterQueueArguments());
    List<String> lanes = new ArrayList<>();
    for (String id : presetIds()) {
      JsonNode lane = named(queues, Topology.laneQueue(id));
      lanes.add(lane.path("name").asText());
      assertThat(arguments(lane))
          .as(lane.path("name").asText())
          .isEqualTo(Topology.jobsQueueArguments());
      assertThat(lane.path("arguments").path("x-delivery-limit").isInt())
          .as("x-delivery-limit of %s is an integer, not a string", lane.path("name"))
          .isTrue();
    }
    assertThat(queues)
        .extracting(q -> q.path("name").asText())
        .containsExactlyInAnyOrderElementsOf(
            Stream.concat(
                    Stream.of(Topology.JOBS_QUEUE, Topology.DEAD_LETTER_QUEUE), lanes.stream())
                .toList());
    for (JsonNode q : queues) {
      assertThat(q.path("vhost").asText()).isEqualTo("/");
      assertThat(q.path("durable").asBoolean()).isTrue();
      assertThat(q.path("auto_delete").asBoolean()).isFalse();
    }
  }

  @Test
  void laneExampleBindsEachLaneByItsProviderIdAndLeavesAiJobsUnbound() throws IOException {
    List<String> expected = new ArrayList<>();
    for (String id : presetIds()) {
      expected.add(Topology.JOBS_EXCHANGE + " -> " + Topology.laneQueue(id) + " [" + id + "]");
    }
    expected.add("ai.jobs.dlx -> ai.jobs.dead []");

    // Bound to '#' as well, ai.jobs would get a second copy of every job at each broker boot.
    assertThat(bindings(laneDefinitions())).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void laneExampleDiffersFromTheShippedDefinitionsOnlyInQueuesAndBindings() throws IOException {
    JsonNode shipped = definitions();
    JsonNode lanes = laneDefinitions();

    assertThat(withoutQueuesAndBindings(lanes)).isEqualTo(withoutQueuesAndBindings(shipped));
    for (JsonNode q : shipped.path("queues")) {
      assertThat(named(lanes.path("queues"), q.path("name").asText())).isEqualTo(q);
    }
  }

  /** Everything of a definitions file but its queues and bindings (users, exchanges, ...). */
  private static Map<String, JsonNode> withoutQueuesAndBindings(JsonNode defs) {
    Map<String, JsonNode> out = new TreeMap<>();
    defs.properties().forEach(e -> out.put(e.getKey(), e.getValue()));
    out.remove("queues");
    out.remove("bindings");
    return out;
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
