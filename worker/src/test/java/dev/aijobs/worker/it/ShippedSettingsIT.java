package dev.aijobs.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.aijobs.protocol.Topology;
import dev.aijobs.testkit.MockUpstream;
import dev.aijobs.worker.Worker;
import dev.aijobs.worker.admin.OpsLanesManifestsTest;
import dev.aijobs.worker.admin.RepoFiles;
import dev.aijobs.worker.config.ConfigLoader;
import dev.aijobs.worker.config.ConfigSource;
import dev.aijobs.worker.config.WorkerConfig;
import dev.aijobs.worker.consume.ConsumerSupervisor;
import io.micrometer.core.instrument.search.Search;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The settings shipped for Kubernetes ({@code ops/k8s}, also with the provider-lane components
 * {@code ops/k8s/lanes} and {@code ops/k8s/lanes/pool-deepseek}) and Docker Compose ({@code
 * docker-compose.yml}) go through the configuration loader as they are, and start workers that
 * answer jobs once only the hosts are pointed at the test broker, the mock upstream and the local
 * SOCKS5 proxy.
 */
class ShippedSettingsIT {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static MockUpstream upstream;

  @BeforeAll
  static void start() {
    Dante.requireRunning();
    upstream = MockUpstream.start();
  }

  @AfterAll
  static void stop() {
    upstream.close();
  }

  @BeforeEach
  void reset() throws Exception {
    BotSide.resetQueues();
  }

  @Test
  void kubernetesConfigMapSecretAndDeploymentStartAWorker() throws Exception {
    Map<String, String> shipped = new HashMap<>();
    shipped.putAll(strings(yaml("ops/k8s/configmap.yaml").path("data")));
    shipped.putAll(strings(yaml("ops/k8s/secret.example.yaml").path("stringData")));
    for (JsonNode container :
        yaml("ops/k8s/deployment.yaml").at("/spec/template/spec/containers")) {
      for (JsonNode e : container.path("env")) {
        shipped.put(e.path("name").asText(), e.path("value").asText());
      }
    }
    assertThat(shipped).containsKeys("AIJOBS_MAX_IN_FLIGHT", "AIJOBS_LOG_LEVEL");

    WorkerConfig config = ConfigLoader.load(ConfigSource.of(shipped));
    assertThat(config.jobs().maxInFlight())
        .isEqualTo(Integer.parseInt(shipped.get("AIJOBS_MAX_IN_FLIGHT")));
    assertThat(config.providers()).containsKey("openrouter");

    Map<String, String> local = new HashMap<>(shipped);
    pointAtThisMachine(local);
    local.put("AIJOBS_PROVIDER_OPENROUTER_BASE_URL", upstream.baseUrl());
    assertAnswers(local, "openrouter");
  }

  @Test
  void kubernetesLanesWithTheDeepseekPoolStartWorkersThatServeTheirLanes() throws Exception {
    // ops/k8s/lanes and ops/k8s/lanes/pool-deepseek on top of ops/k8s, as kustomize merges them
    // (OpsLanesManifestsTest checks the files fit together).
    Map<String, String> general = new HashMap<>(OpsLanesManifestsTest.workerSettings(true, true));
    Map<String, String> pool = new HashMap<>(OpsLanesManifestsTest.poolSettings());
    assertThat(general)
        .containsEntry("AIJOBS_LANES", "true")
        .containsEntry("AIJOBS_SERVE", "openrouter");
    assertThat(pool)
        .containsEntry("AIJOBS_LANES", "true")
        .containsEntry("AIJOBS_SERVE", "deepseek");
    for (Map<String, String> env : List.of(general, pool)) {
      pointAtThisMachine(env);
      env.put("AIJOBS_PROVIDER_OPENROUTER_BASE_URL", upstream.baseUrl());
      env.put("AIJOBS_PROVIDER_DEEPSEEK_BASE_URL", upstream.baseUrl());
    }

    try (Worker generalWorker = Worker.start(ConfigLoader.load(ConfigSource.of(general)));
        Worker poolWorker = Worker.start(ConfigLoader.load(ConfigSource.of(pool)));
        BotSide bot = new BotSide()) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> generalWorker.isReady() && poolWorker.isReady());
      for (String p : List.of("openrouter", "deepseek")) {
        bot.publish(BotSide.job("lanes-" + p, p, "demo", "hi"));
      }
      for (String p : List.of("openrouter", "deepseek")) {
        await().atMost(Duration.ofSeconds(20)).until(() -> bot.result("lanes-" + p) != null);
        JsonNode r = bot.result("lanes-" + p);
        assertThat(r.path("status").asText()).as(p + ": " + r).isEqualTo("ok");
      }
      assertThat(lanes(generalWorker)).containsExactly("openrouter");
      assertThat(lanes(poolWorker)).containsExactly("deepseek");
    } finally {
      try (Connection c = ItBroker.connectionFactory().newConnection("aijobs-it-shipped-lanes");
          Channel ch = c.createChannel()) {
        for (String p : List.of("openrouter", "deepseek")) {
          ch.queueDelete(Topology.laneQueue(p));
        }
      }
    }
  }

  /** The providers whose lanes a worker consumes, by its lane gauges. */
  private static List<String> lanes(Worker worker) {
    return Search.in(worker.registry()).name(ConsumerSupervisor.LANE_LIMIT).gauges().stream()
        .map(g -> g.getId().getTag("provider"))
        .sorted()
        .toList();
  }

  @Test
  void composeWorkerEnvironmentStartsAWorker() throws Exception {
    Map<String, String> shipped = strings(yaml("docker-compose.yml").at("/x-worker/environment"));
    assertThat(shipped).containsKeys("AIJOBS_AMQP_URI", "AIJOBS_PROVIDER_MOCK_PROXY_MODE");
    // Compose passes the empty pass-through variables (OPENROUTER_API_KEY: ...) as empty strings.
    WorkerConfig config = ConfigLoader.load(ConfigSource.of(shipped));
    assertThat(config.providers()).containsKeys("mock", "mock_proxy");

    Map<String, String> local = new HashMap<>(shipped);
    pointAtThisMachine(local);
    local.put("AIJOBS_PROVIDER_MOCK_BASE_URL", upstream.baseUrl());
    local.put("AIJOBS_PROVIDER_MOCK_PROXY_BASE_URL", upstream.baseUrl());
    local.put("AIJOBS_PROVIDER_MOCK_PROXY_PROXY_URL", Dante.noAuthUrl());
    assertAnswers(local, "mock", "mock_proxy");
  }

  private static void pointAtThisMachine(Map<String, String> env) {
    env.put("AIJOBS_AMQP_URI", ItBroker.uri());
    env.put("AIJOBS_HTTP_HOST", "127.0.0.1");
    env.put("AIJOBS_HTTP_PORT", "0");
  }

  private static void assertAnswers(Map<String, String> env, String... providers) throws Exception {
    WorkerConfig config = ConfigLoader.load(ConfigSource.of(env));
    try (Worker worker = Worker.start(config);
        BotSide bot = new BotSide()) {
      await().atMost(Duration.ofSeconds(10)).until(worker::isReady);
      for (String p : providers) {
        bot.publish(BotSide.job("shipped-" + p, p, "demo", "hi"));
      }
      for (String p : providers) {
        await().atMost(Duration.ofSeconds(20)).until(() -> bot.result("shipped-" + p) != null);
        JsonNode r = bot.result("shipped-" + p);
        assertThat(r.path("status").asText()).as(p + ": " + r).isEqualTo("ok");
      }
      // The shipped settings keep the start-up warm-up; none of its synthetic jobs is counted.
      assertThat(config.upstream().warmUpJobs()).isPositive();
      assertThat(
              io.micrometer.core.instrument.search.Search.in(worker.registry())
                  .tag("provider", dev.aijobs.worker.warm.WarmUp.PROVIDER)
                  .meters())
          .isEmpty();
      assertThat(
              io.micrometer.core.instrument.search.Search.in(worker.registry())
                  .name(dev.aijobs.worker.metrics.WorkerMetrics.JOBS_COMPLETED)
                  .counters()
                  .stream()
                  .mapToDouble(io.micrometer.core.instrument.Counter::count)
                  .sum())
          .isEqualTo(providers.length);
    }
  }

  private static JsonNode yaml(String file) throws IOException {
    return YAML.readTree(Files.readAllBytes(RepoFiles.root().resolve(file)));
  }

  /** A YAML mapping's entries as strings; null (empty) values as empty strings. */
  private static Map<String, String> strings(JsonNode mapping) {
    assertThat(mapping.isObject()).as("a mapping").isTrue();
    Map<String, String> out = new HashMap<>();
    mapping
        .properties()
        .forEach(f -> out.put(f.getKey(), f.getValue().isNull() ? "" : f.getValue().asText()));
    return out;
  }
}
