package dev.aijobs.worker.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.aijobs.protocol.Topology;
import dev.aijobs.worker.consume.ConsumerSupervisor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * The monitoring files fit every place they go: the dashboard imports into any Grafana (its data
 * source is a variable) and still picks the compose-provisioned Prometheus; the ServiceMonitor
 * selects the worker Service; and no rule or panel selects a scrape job that only compose, or only
 * Kubernetes, produces. (The Debian promtool cannot check {@code kubernetes.yml}: it is built
 * without Kubernetes discovery; its shape is checked here instead.)
 */
class OpsMonitoringFilesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Path ROOT = RepoFiles.root();
  private static final String DS_VARIABLE = "${datasource}";
  private static final Pattern JOB_SELECTOR =
      Pattern.compile("\\bjob\\s*(=~|!~|!=|=)\\s*\"([^\"]*)\"");

  private static JsonNode json(String file) throws IOException {
    return JSON.readTree(ROOT.resolve(file).toFile());
  }

  private static JsonNode yaml(String file) throws IOException {
    return YAML.readTree(ROOT.resolve(file).toFile());
  }

  private static List<JsonNode> datasourceFields(JsonNode node, List<JsonNode> found) {
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        if (e.getKey().equals("datasource")) {
          found.add(e.getValue());
        } else {
          datasourceFields(e.getValue(), found);
        }
      }
    } else if (node.isArray()) {
      node.forEach(n -> datasourceFields(n, found));
    }
    return found;
  }

  private static JsonNode variable(JsonNode dashboard, String name) {
    return StreamSupport.stream(dashboard.path("templating").path("list").spliterator(), false)
        .filter(v -> v.path("name").asText().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("dashboard has no variable " + name));
  }

  @Test
  void everyDashboardDataSourceIsTheVariable() throws IOException {
    JsonNode dashboard = json("ops/grafana/dashboards/aijobs.json");

    List<JsonNode> datasources = datasourceFields(dashboard, new ArrayList<>());
    assertThat(datasources).hasSizeGreaterThan(10);
    for (JsonNode ds : datasources) {
      assertThat(ds.path("uid").asText()).as("datasource %s", ds).isEqualTo(DS_VARIABLE);
      assertThat(ds.path("type").asText()).as("datasource %s", ds).isEqualTo("prometheus");
    }
    for (JsonNode panel : dashboard.path("panels")) {
      if (!panel.path("type").asText().equals("row")) {
        assertThat(panel.path("datasource").path("uid").asText())
            .as("panel %s", panel.path("title"))
            .isEqualTo(DS_VARIABLE);
        assertThat(panel.path("targets")).as("panel %s", panel.path("title")).isNotEmpty();
      }
    }
  }

  @Test
  void dashboardAsksForAPrometheusOnImportAndPicksTheProvisionedOneOtherwise() throws IOException {
    JsonNode dashboard = json("ops/grafana/dashboards/aijobs.json");
    JsonNode input = dashboard.path("__inputs").get(0);
    JsonNode variable = variable(dashboard, "datasource");

    assertThat(dashboard.path("__inputs")).hasSize(1);
    assertThat(input.path("type").asText()).isEqualTo("datasource");
    assertThat(input.path("pluginId").asText()).isEqualTo("prometheus");
    String importedAs = "${" + input.path("name").asText() + "}";
    assertThat(variable.path("type").asText()).isEqualTo("datasource");
    assertThat(variable.path("query").asText()).isEqualTo("prometheus");
    // The import fills in the chosen data source as the variable's start value.
    assertThat(variable.path("current").path("value").asText()).isEqualTo(importedAs);
    // Provisioned, the input stays unfilled and the variable falls back to a Prometheus data
    // source: in compose there is exactly one, the default, and no regex filters it out.
    assertThat(variable.path("regex").asText()).isEmpty();
    JsonNode provisioned = yaml("ops/grafana/provisioning/datasources/prometheus.yml");
    List<JsonNode> prometheus =
        StreamSupport.stream(provisioned.path("datasources").spliterator(), false)
            .filter(d -> d.path("type").asText().equals("prometheus"))
            .toList();
    assertThat(prometheus).hasSize(1);
    assertThat(prometheus.get(0).path("isDefault").asBoolean()).isTrue();
  }

  @Test
  void serviceMonitorSelectsTheWorkerServiceByLabelsAndPortName() throws IOException {
    JsonNode service = yaml("ops/k8s/service.yaml");
    JsonNode monitor = yaml("ops/k8s/monitoring/servicemonitor.yaml");
    Map<String, String> serviceLabels = strings(service.path("metadata").path("labels"));
    Set<String> portNames = new TreeSet<>();
    service.path("spec").path("ports").forEach(p -> portNames.add(p.path("name").asText()));

    assertThat(monitor.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(monitor.path("kind").asText()).isEqualTo("ServiceMonitor");
    assertThat(monitor.path("metadata").path("namespace").asText())
        .isEqualTo(service.path("metadata").path("namespace").asText());
    Map<String, String> selector =
        strings(monitor.path("spec").path("selector").path("matchLabels"));
    assertThat(selector).isNotEmpty();
    assertThat(serviceLabels).containsAllEntriesOf(selector);
    assertThat(monitor.path("spec").path("namespaceSelector").path("matchNames"))
        .extracting(JsonNode::asText)
        .contains(service.path("metadata").path("namespace").asText());
    JsonNode endpoints = monitor.path("spec").path("endpoints");
    assertThat(endpoints).isNotEmpty();
    for (JsonNode endpoint : endpoints) {
      assertThat(portNames).contains(endpoint.path("port").asText());
      assertThat(endpoint.path("path").asText()).isEqualTo("/metrics");
    }
  }

  @Test
  void serviceMonitorIsAnOptionalComponentOutsideTheDefaultResources() throws IOException {
    JsonNode base = yaml("ops/k8s/kustomization.yaml");
    JsonNode component = yaml("ops/k8s/monitoring/kustomization.yaml");

    assertThat(base.path("resources"))
        .extracting(JsonNode::asText)
        .noneMatch(r -> r.contains("monitor"));
    assertThat(component.path("kind").asText()).isEqualTo("Component");
    assertThat(component.path("resources"))
        .extracting(JsonNode::asText)
        .containsExactly("servicemonitor.yaml");
  }

  @Test
  void kubernetesScrapeJobKeepsTheWorkerPodsAndTheyHaveNoScrapeAnnotations() throws IOException {
    JsonNode template = yaml("ops/k8s/deployment.yaml").path("spec").path("template");
    JsonNode job = yaml("ops/prometheus/kubernetes.yml").path("scrape_configs").get(0);
    Map<String, String> podLabels = strings(template.path("metadata").path("labels"));
    Set<String> containerPorts = new TreeSet<>();
    template
        .path("spec")
        .path("containers")
        .forEach(c -> c.path("ports").forEach(p -> containerPorts.add(p.path("name").asText())));

    for (JsonNode rule : job.path("relabel_configs")) {
      if (!rule.path("action").asText().equals("keep")) {
        continue;
      }
      String source = rule.path("source_labels").get(0).asText();
      String regex = rule.path("regex").asText();
      if (source.equals("__meta_kubernetes_pod_container_port_name")) {
        assertThat(containerPorts).anyMatch(p -> p.matches(regex));
      } else {
        String label = source.substring("__meta_kubernetes_pod_label_".length());
        assertThat(podLabels)
            .anySatisfy(
                (k, v) -> {
                  assertThat(k.replaceAll("[^A-Za-z0-9_]", "_")).isEqualTo(label);
                  assertThat(v).matches(regex);
                });
      }
    }
    // An annotation-driven job would scrape the workers a second time under another job name.
    assertThat(strings(template.path("metadata").path("annotations")).keySet())
        .noneMatch(k -> k.startsWith("prometheus.io/"));
  }

  @Test
  void rulesAndPanelsSelectOnlyJobsThatEverySetupProduces() throws IOException {
    Map<String, Set<String>> jobsBySetup = new LinkedHashMap<>();
    jobsBySetup.put("compose (prometheus.yml)", jobNames("ops/prometheus/prometheus.yml"));
    jobsBySetup.put(
        "Kubernetes without the operator (kubernetes.yml)",
        jobNames("ops/prometheus/kubernetes.yml"));
    jobsBySetup.put("Kubernetes with the ServiceMonitor", Set.of(serviceMonitorJob()));
    List<String> sources = new ArrayList<>();
    sources.add(Files.readString(ROOT.resolve("ops/prometheus/rules/aijobs.yml")));
    JsonNode dashboard = json("ops/grafana/dashboards/aijobs.json");
    for (JsonNode panel : dashboard.path("panels")) {
      panel.path("targets").forEach(t -> sources.add(t.path("expr").asText()));
    }
    dashboard
        .path("templating")
        .path("list")
        .forEach(v -> sources.add(v.path("definition").asText()));

    int selectors = 0;
    for (String source : sources) {
      Matcher m = JOB_SELECTOR.matcher(source);
      while (m.find()) {
        String op = m.group(1);
        String value = m.group(2);
        if (op.startsWith("!")) {
          continue; // excluding a job narrows nothing down to one setup
        }
        selectors++;
        jobsBySetup.forEach(
            (setup, jobs) ->
                assertThat(jobs)
                    .as("job%s\"%s\" in %s", op, value, setup)
                    .anyMatch(job -> op.equals("=~") ? job.matches(value) : job.equals(value)));
      }
    }
    assertThat(selectors).as("the worker-down rule selects up by job").isPositive();
  }

  @Test
  void lanePanelsAndTheLaneAlertUseTheWorkersGaugesAndLaneQueues() throws IOException {
    JsonNode dashboard = json("ops/grafana/dashboards/aijobs.json");
    List<String> exprs = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      panel.path("targets").forEach(t -> exprs.add(t.path("expr").asText()));
    }
    String rules = Files.readString(ROOT.resolve("ops/prometheus/rules/aijobs.yml"));

    for (String gauge :
        List.of(
            ConsumerSupervisor.LANE_LIMIT,
            ConsumerSupervisor.LANE_IN_FLIGHT,
            ConsumerSupervisor.LANE_PAUSED)) {
      // Micrometer's name as Prometheus exports it; worker series only, like the breaker panels.
      String exported = gauge.replace('.', '_');
      assertThat(exprs)
          .as(exported)
          .anyMatch(
              e ->
                  e.contains(exported + "{provider=~\"$provider\"}")
                      && e.contains(" and on (job, instance) aijobs_jobs_in_flight"));
    }
    String lanes = "queue=~\"" + Topology.LANE_PREFIX + "$provider\"";
    assertThat(exprs)
        .anyMatch(e -> e.contains("rabbitmq_detailed_queue_messages_ready{" + lanes + "}"))
        .anyMatch(e -> e.contains("rabbitmq_detailed_queue_consumers{" + lanes + "}"));
    assertThat(rules)
        .contains("alert: AijobsLanePaused")
        .contains(ConsumerSupervisor.LANE_PAUSED.replace('.', '_') + "[")
        .contains("ai.jobs.lane.{{ $labels.provider }}");
  }

  private static Set<String> jobNames(String file) throws IOException {
    Set<String> names = new TreeSet<>();
    yaml(file).path("scrape_configs").forEach(c -> names.add(c.path("job_name").asText()));
    return names;
  }

  /**
   * The job label Prometheus gives the ServiceMonitor's targets: jobLabel's value, else the name.
   */
  private static String serviceMonitorJob() throws IOException {
    JsonNode service = yaml("ops/k8s/service.yaml");
    JsonNode monitor = yaml("ops/k8s/monitoring/servicemonitor.yaml");
    String jobLabel = monitor.path("spec").path("jobLabel").asText();
    return jobLabel.isEmpty()
        ? service.path("metadata").path("name").asText()
        : service.path("metadata").path("labels").path(jobLabel).asText();
  }

  private static Map<String, String> strings(JsonNode object) {
    Map<String, String> map = new LinkedHashMap<>();
    object.properties().forEach(e -> map.put(e.getKey(), e.getValue().asText()));
    return map;
  }
}
