package dev.aijobs.worker.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.aijobs.protocol.Topology;
import dev.aijobs.worker.config.ConfigLoader;
import dev.aijobs.worker.config.ConfigSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes files for provider lanes ({@code ops/k8s/lanes}, a kustomize Component, and its
 * provider pool {@code ops/k8s/lanes/pool-deepseek}) fit the base manifests and the worker: every
 * file is used by its kustomization, the patches name the base's objects, each ScaledObject scales
 * on exactly the queues its Deployment consumes (as the worker's own configuration loader reads the
 * shipped settings), no configured provider is left without workers, the pool's pods are the base's
 * plus two settings, and the pool is scraped like the other workers. ShippedSettingsIT starts
 * workers from the same settings.
 */
public class OpsLanesManifestsTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Path ROOT = RepoFiles.root();
  static final String LANES = "ops/k8s/lanes";
  static final String POOL = "ops/k8s/lanes/pool-deepseek";

  /** Every YAML document of a file. */
  static List<JsonNode> documents(String file) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (var it = YAML.readerFor(JsonNode.class).readValues(ROOT.resolve(file).toFile())) {
      while (it.hasNext()) {
        JsonNode doc = (JsonNode) it.next();
        if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
          docs.add(doc);
        }
      }
    }
    return docs;
  }

  static JsonNode yaml(String file) throws IOException {
    List<JsonNode> docs = documents(file);
    assertThat(docs).as(file).hasSize(1);
    return docs.get(0);
  }

  /** The document of {@code kind} in {@code file}. */
  static JsonNode ofKind(String file, String kind) throws IOException {
    return documents(file).stream()
        .filter(d -> d.path("kind").asText().equals(kind))
        .findFirst()
        .orElseThrow(() -> new AssertionError(file + " has no " + kind));
  }

  /** {@code name=value} of a container's {@code env} list, in order. */
  static Map<String, String> env(JsonNode container) {
    Map<String, String> out = new LinkedHashMap<>();
    container.path("env").forEach(e -> out.put(e.path("name").asText(), e.path("value").asText()));
    return out;
  }

  static JsonNode container(JsonNode deployment) {
    return deployment.at("/spec/template/spec/containers").get(0);
  }

  static Map<String, String> strings(JsonNode object) {
    Map<String, String> out = new LinkedHashMap<>();
    object.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }

  /** The ConfigMap's data and the Secret example's stringData: what envFrom gives every pod. */
  static Map<String, String> sharedSettings() throws IOException {
    Map<String, String> env = new HashMap<>();
    env.putAll(strings(yaml("ops/k8s/configmap.yaml").path("data")));
    env.putAll(strings(yaml("ops/k8s/secret.example.yaml").path("stringData")));
    return env;
  }

  /**
   * The pool needs DEEPSEEK_API_KEY in the Secret: the example has it commented out, as the line an
   * operator uncomments.
   */
  static Map<String, String> withDeepseekKey(Map<String, String> env) throws IOException {
    assertThat(Files.readString(ROOT.resolve("ops/k8s/secret.example.yaml")))
        .contains("# DEEPSEEK_API_KEY: ");
    Map<String, String> out = new HashMap<>(env);
    out.put("DEEPSEEK_API_KEY", "CHANGE-ME");
    return out;
  }

  /**
   * The settings of the base workers with the lanes component (and the pool's patch), with or
   * without DEEPSEEK_API_KEY uncommented in the Secret.
   */
  public static Map<String, String> workerSettings(boolean withPool, boolean deepseekKey)
      throws IOException {
    Map<String, String> env = sharedSettings();
    if (deepseekKey) {
      env = withDeepseekKey(env);
    }
    env.putAll(env(container(yaml("ops/k8s/deployment.yaml"))));
    env.putAll(env(container(yaml(LANES + "/deployment-lanes.yaml"))));
    if (withPool) {
      env.putAll(env(container(yaml(POOL + "/deployment-serve.yaml"))));
    }
    return env;
  }

  /** The settings of the deepseek pool's workers. */
  public static Map<String, String> poolSettings() throws IOException {
    Map<String, String> env = withDeepseekKey(sharedSettings());
    env.putAll(env(container(ofKind(POOL + "/pool.yaml", "Deployment"))));
    return env;
  }

  /** The queues a worker with these settings consumes for new jobs: its lanes. */
  private static Set<String> lanesServed(Map<String, String> settings) {
    var config = ConfigLoader.load(ConfigSource.of(settings));
    assertThat(config.lanes().enabled()).as("AIJOBS_LANES").isTrue();
    Set<String> queues = new TreeSet<>();
    config.servedProviders().forEach(id -> queues.add(Topology.laneQueue(id)));
    return queues;
  }

  private static List<JsonNode> triggers(JsonNode scaledObject) {
    List<JsonNode> out = new ArrayList<>();
    scaledObject.path("spec").path("triggers").forEach(out::add);
    assertThat(out).as("triggers of %s", scaledObject.at("/metadata/name")).isNotEmpty();
    return out;
  }

  private static Set<String> queueNames(List<JsonNode> triggers) {
    Set<String> out = new TreeSet<>();
    triggers.forEach(t -> out.add(t.at("/metadata/queueName").asText()));
    return out;
  }

  /** Every trigger is the base's ai.jobs trigger with another queue (same scaler, mode, auth). */
  private static void assertLikeTheBaseTrigger(List<JsonNode> triggers) throws IOException {
    JsonNode base =
        ofKind("ops/k8s/keda-scaledobject.yaml", "ScaledObject")
            .path("spec")
            .path("triggers")
            .get(0);
    for (JsonNode t : triggers) {
      ObjectNode same = t.deepCopy();
      ((ObjectNode) same.path("metadata")).put("queueName", Topology.JOBS_QUEUE);
      assertThat(same).as("trigger on %s", t.at("/metadata/queueName")).isEqualTo(base);
    }
  }

  private static Set<String> kustomizationFiles(String dir, String... lists) throws IOException {
    JsonNode k = yaml(dir + "/kustomization.yaml");
    assertThat(k.path("kind").asText()).isEqualTo("Component");
    Set<String> used = new TreeSet<>();
    for (String list : lists) {
      for (JsonNode entry : k.path(list)) {
        used.add(entry.isTextual() ? entry.asText() : entry.path("path").asText());
      }
    }
    return used;
  }

  private static Set<String> yamlFilesIn(String dir) throws IOException {
    try (Stream<Path> files = Files.list(ROOT.resolve(dir))) {
      Set<String> out = new TreeSet<>();
      files
          .filter(Files::isRegularFile)
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml"))
          .forEach(out::add);
      return out;
    }
  }

  @Test
  void everyFileOfTheComponentsIsInItsKustomization() throws IOException {
    assertThat(kustomizationFiles(LANES, "resources", "patches"))
        .isEqualTo(yamlFilesIn(LANES))
        .containsExactlyInAnyOrder("deployment-lanes.yaml", "keda-scaledobject-lanes.yaml");
    assertThat(kustomizationFiles(POOL, "resources", "patches"))
        .isEqualTo(yamlFilesIn(POOL))
        .containsExactlyInAnyOrder("pool.yaml", "deployment-serve.yaml");
    // Components on top of the base, like monitoring/: not in the default resources.
    assertThat(yaml("ops/k8s/kustomization.yaml").path("resources"))
        .extracting(JsonNode::asText)
        .noneMatch(r -> r.contains("lanes"));
  }

  @Test
  void patchesNameTheBaseObjectsAndItsContainer() throws IOException {
    JsonNode deployment = yaml("ops/k8s/deployment.yaml");
    JsonNode scaledObject = ofKind("ops/k8s/keda-scaledobject.yaml", "ScaledObject");
    ObjectNode baseName = deployment.path("metadata").deepCopy();
    baseName.remove("labels");
    for (String patch :
        List.of(LANES + "/deployment-lanes.yaml", POOL + "/deployment-serve.yaml")) {
      JsonNode p = yaml(patch);
      assertThat(p.path("kind").asText()).as(patch).isEqualTo("Deployment");
      assertThat(p.path("apiVersion")).as(patch).isEqualTo(deployment.path("apiVersion"));
      assertThat(p.path("metadata")).as(patch).isEqualTo(baseName);
      assertThat(container(p).path("name").asText())
          .isEqualTo(container(deployment).path("name").asText());
    }
    JsonNode kedaPatch = yaml(LANES + "/keda-scaledobject-lanes.yaml");
    assertThat(kedaPatch.path("kind").asText()).isEqualTo("ScaledObject");
    assertThat(kedaPatch.path("apiVersion")).isEqualTo(scaledObject.path("apiVersion"));
    assertThat(kedaPatch.path("metadata")).isEqualTo(scaledObject.path("metadata"));
    assertThat(env(container(yaml(LANES + "/deployment-lanes.yaml"))))
        .containsExactly(Map.entry("AIJOBS_LANES", "true"));
  }

  @Test
  void eachScaledObjectScalesOnTheLanesItsDeploymentConsumes() throws IOException {
    List<JsonNode> general = triggers(yaml(LANES + "/keda-scaledobject-lanes.yaml"));
    Set<String> lanesAlone = lanesServed(workerSettings(false, false));
    Set<String> lanesBesideThePool = lanesServed(workerSettings(true, true));
    JsonNode pool = ofKind(POOL + "/pool.yaml", "ScaledObject");
    List<JsonNode> poolTriggers = triggers(pool);
    Set<String> poolLanes = lanesServed(poolSettings());

    // ai.jobs as well: what was queued before the switch, drained by the lane workers.
    Set<String> expected = new TreeSet<>(lanesAlone);
    expected.add(Topology.JOBS_QUEUE);
    assertThat(queueNames(general)).isEqualTo(expected);
    assertThat(lanesBesideThePool).isEqualTo(lanesAlone);
    assertThat(poolLanes).containsExactly(Topology.laneQueue("deepseek"));
    assertThat(queueNames(poolTriggers)).isEqualTo(poolLanes);
    assertThat(pool.at("/spec/scaleTargetRef/name").asText())
        .isEqualTo(ofKind(POOL + "/pool.yaml", "Deployment").at("/metadata/name").asText());
    assertLikeTheBaseTrigger(general);
    assertLikeTheBaseTrigger(poolTriggers);
  }

  @Test
  void everyConfiguredProviderKeepsWorkersWhenThePoolServesOne() throws IOException {
    // With DEEPSEEK_API_KEY set, lane workers without AIJOBS_SERVE serve every provider; beside
    // the pool, the general workers and the pool between them still do: no lane is left to wait.
    Set<String> all = lanesServed(workerSettings(false, true));
    Set<String> split = new LinkedHashSet<>(lanesServed(workerSettings(true, true)));
    split.addAll(lanesServed(poolSettings()));

    assertThat(all).contains(Topology.laneQueue("deepseek"), Topology.laneQueue("openrouter"));
    assertThat(split).containsExactlyInAnyOrderElementsOf(all);
    assertThat(lanesServed(workerSettings(true, true)))
        .doesNotContain(Topology.laneQueue("deepseek"));
  }

  @Test
  void thePoolsPodsAreTheWorkersPodsPlusLanesAndServe() throws IOException {
    JsonNode base = yaml("ops/k8s/deployment.yaml");
    JsonNode pool = ofKind(POOL + "/pool.yaml", "Deployment");
    ObjectNode baseSpec = base.at("/spec/template/spec").deepCopy();
    ObjectNode poolSpec = pool.at("/spec/template/spec").deepCopy();
    Map<String, String> baseEnv = env(baseSpec.path("containers").get(0));
    Map<String, String> poolEnv = env(poolSpec.path("containers").get(0));
    ((ObjectNode) baseSpec.path("containers").get(0)).remove("env");
    ((ObjectNode) poolSpec.path("containers").get(0)).remove("env");

    assertThat(poolSpec).isEqualTo(baseSpec);
    Map<String, String> expectedEnv = new LinkedHashMap<>(baseEnv);
    expectedEnv.put("AIJOBS_LANES", "true");
    expectedEnv.put("AIJOBS_SERVE", "deepseek");
    assertThat(poolEnv).isEqualTo(expectedEnv);
    ObjectNode baseStrategy = base.at("/spec/strategy").deepCopy();
    assertThat(pool.at("/spec/strategy")).isEqualTo(baseStrategy);
    assertThat(pool.at("/metadata/namespace")).isEqualTo(base.at("/metadata/namespace"));
  }

  @Test
  void theTwoDeploymentsAndDisruptionBudgetsNeverSelectEachOthersPods() throws IOException {
    JsonNode base = yaml("ops/k8s/deployment.yaml");
    JsonNode pool = ofKind(POOL + "/pool.yaml", "Deployment");
    Map<String, String> basePods = strings(base.at("/spec/template/metadata/labels"));
    Map<String, String> poolPods = strings(pool.at("/spec/template/metadata/labels"));
    Map<String, String> baseSelector = strings(base.at("/spec/selector/matchLabels"));
    Map<String, String> poolSelector = strings(pool.at("/spec/selector/matchLabels"));

    assertThat(basePods).containsAllEntriesOf(baseSelector);
    assertThat(poolPods).containsAllEntriesOf(poolSelector);
    assertThat(matches(baseSelector, poolPods)).as("base Deployment selects pool pods").isFalse();
    assertThat(matches(poolSelector, basePods)).as("pool Deployment selects base pods").isFalse();
    Map<String, String> basePdb =
        strings(yaml("ops/k8s/pdb.yaml").at("/spec/selector/matchLabels"));
    Map<String, String> poolPdb =
        strings(
            ofKind(POOL + "/pool.yaml", "PodDisruptionBudget").at("/spec/selector/matchLabels"));
    assertThat(poolPdb).isEqualTo(poolSelector);
    assertThat(matches(basePdb, poolPods)).isFalse();
  }

  private static boolean matches(Map<String, String> selector, Map<String, String> labels) {
    return labels.entrySet().containsAll(selector.entrySet());
  }

  @Test
  void thePoolIsScrapedAsJobAijobsWorkerByEitherShippedScrape() throws IOException {
    JsonNode pool = ofKind(POOL + "/pool.yaml", "Deployment");
    JsonNode service = ofKind(POOL + "/pool.yaml", "Service");
    JsonNode monitor = yaml("ops/k8s/monitoring/servicemonitor.yaml");
    Map<String, String> podLabels = strings(pool.at("/spec/template/metadata/labels"));
    Set<String> ports = new TreeSet<>();
    container(pool).path("ports").forEach(p -> ports.add(p.path("name").asText()));

    // ServiceMonitor: selects the pool's Service, which selects the pool's pods.
    assertThat(matches(strings(service.at("/spec/selector")), podLabels)).isTrue();
    Map<String, String> serviceLabels = strings(service.at("/metadata/labels"));
    assertThat(serviceLabels)
        .containsAllEntriesOf(strings(monitor.at("/spec/selector/matchLabels")));
    assertThat(serviceLabels.get(monitor.at("/spec/jobLabel").asText())).isEqualTo("aijobs-worker");
    for (JsonNode endpoint : monitor.path("spec").path("endpoints")) {
      assertThat(service.at("/spec/ports"))
          .extracting(p -> p.path("name").asText())
          .contains(endpoint.path("port").asText());
    }
    // Without the operator: kubernetes.yml keeps the pool's pods too (and still the base's).
    JsonNode job = yaml("ops/prometheus/kubernetes.yml").path("scrape_configs").get(0);
    assertThat(job.path("job_name").asText()).isEqualTo("aijobs-worker");
    int keeps = 0;
    for (JsonNode rule : job.path("relabel_configs")) {
      if (!rule.path("action").asText().equals("keep")) {
        continue;
      }
      keeps++;
      String source = rule.path("source_labels").get(0).asText();
      String regex = rule.path("regex").asText();
      if (source.equals("__meta_kubernetes_pod_container_port_name")) {
        assertThat(ports).anyMatch(p -> p.matches(regex));
      } else {
        assertThat(source).isEqualTo("__meta_kubernetes_pod_label_app_kubernetes_io_name");
        assertThat(podLabels.get("app.kubernetes.io/name")).matches(regex);
        assertThat("aijobs-worker").matches(regex);
        assertThat("billing").doesNotMatch(regex);
      }
    }
    assertThat(keeps).isEqualTo(2);
    assertThat(strings(pool.at("/spec/template/metadata/annotations")).keySet())
        .noneMatch(k -> k.startsWith("prometheus.io/"));
  }
}
