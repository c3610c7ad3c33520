package dev.aijobs.worker.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.aijobs.protocol.Topology;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code queues stats} with a management API: depth and consumers still come from AMQP, unacked
 * counts and rates from {@code /api/queues/VHOST/NAME} (served here by a stub, since the broker's
 * management plugin may be off), authenticated with the AMQP URI's credentials. Provider lanes
 * ({@code ai.jobs.lane.*}) get a row each: listed by the management API ({@code
 * /api/queues/VHOST}), or without it looked for over AMQP for the providers the environment names.
 */
class StatsIT {
  private static AdminBroker broker;
  private static HttpServer management;
  private static final List<String> requests = new CopyOnWriteArrayList<>();

  /** The queue names the stub's list answers with. */
  private static final List<String> listed = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    broker = new AdminBroker();
    broker.reset();
    management = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    management.createContext(
        "/api/queues/",
        exchange -> {
          String path = exchange.getRequestURI().getRawPath();
          requests.add(
              path
                  + (exchange.getRequestURI().getRawQuery() == null
                      ? ""
                      : "?" + exchange.getRequestURI().getRawQuery())
                  + " "
                  + exchange.getRequestHeaders().getFirst("Authorization"));
          String json;
          if (path.matches("/api/queues/[^/]+/?")) {
            StringBuilder list = new StringBuilder("[");
            for (String name : listed) {
              list.append(list.length() > 1 ? "," : "")
                  .append("{\"name\":\"")
                  .append(name)
                  .append("\"}");
            }
            json = list.append("]").toString();
          } else {
            json =
                "{\"messages_unacknowledged\": 7, \"message_stats\": {"
                    + "\"publish_details\": {\"rate\": 12.5},"
                    + "\"deliver_get_details\": {\"rate\": 11.25},"
                    + "\"ack_details\": {\"rate\": 10.0}}}";
          }
          byte[] body = json.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    management.start();
  }

  @AfterAll
  static void stop() throws Exception {
    management.stop(0);
    broker.close();
  }

  @BeforeEach
  void noLanes() {
    listed.clear();
    listed.addAll(List.of(Topology.JOBS_QUEUE, Topology.DEAD_LETTER_QUEUE, "bot-1.replies"));
    requests.clear();
  }

  @AfterEach
  void deleteLanes() throws Exception {
    for (String provider : List.of("deepseek", "my_llm", "other")) {
      broker.deleteQueue(Topology.laneQueue(provider));
    }
  }

  private static String url() {
    return "http://127.0.0.1:" + management.getAddress().getPort();
  }

  @Test
  void ratesAndUnackedComeFromTheManagementApi() {
    AdminBroker.Run stats = broker.cli("queues", "stats", "--management-url", url());

    assertThat(stats.code()).as(stats.err()).isZero();
    assertThat(stats.out())
        .containsPattern("ai\\.jobs\\s+0\\s+7\\s+\\d+\\s+12\\.5\\s+11\\.3\\s+10\\.0")
        .contains("rates: management API at " + url())
        .doesNotContain(Topology.LANE_PREFIX)
        .doesNotContain("lanes:");
    assertThat(requests)
        .anyMatch(r -> r.matches("/api/queues/[^/]+/ai\\.jobs Basic .+"))
        .anyMatch(r -> r.startsWith("/api/queues/") && r.contains("/ai.jobs.dead "));
  }

  @Test
  void everyLaneTheManagementApiListsGetsARowBetweenAiJobsAndTheDeadLetters() throws Exception {
    broker.declareLane("deepseek");
    broker.declareLane("my_llm");
    broker.publishTo(Topology.laneQueue("deepseek"), "{}");
    broker.publishTo(Topology.laneQueue("deepseek"), "{}");
    listed.add(Topology.laneQueue("my_llm"));
    listed.add(Topology.laneQueue("deepseek"));
    // Listed, but deleted before its row was read: left out, not an error.
    listed.add(Topology.laneQueue("gone"));

    AdminBroker.Run stats = broker.cli("queues", "stats", "--management-url", url());

    assertThat(stats.code()).as(stats.err()).isZero();
    List<String> rows = stats.out().lines().toList();
    assertThat(rows)
        .extracting(r -> r.split("\\s+")[0])
        .containsSubsequence(
            "queue",
            "ai.jobs",
            "ai.jobs.lane.deepseek",
            "ai.jobs.lane.my_llm",
            "ai.jobs.dead",
            "rates:")
        .doesNotContain("ai.jobs.lane.gone", "bot-1.replies");
    assertThat(stats.out())
        .containsPattern("ai\\.jobs\\.lane\\.deepseek\\s+2\\s+7\\s+0\\s+12\\.5\\s+11\\.3\\s+10\\.0")
        .containsPattern("ai\\.jobs\\.lane\\.my_llm\\s+0\\s+7\\s+0\\s+12\\.5")
        .doesNotContain("lanes:");
    // The columns stay aligned with the longest name.
    assertThat(rows.get(0).indexOf("ready") + "ready".length())
        .isEqualTo(
            rows.stream()
                .filter(r -> r.startsWith("ai.jobs.lane.deepseek"))
                .findFirst()
                .map(r -> r.indexOf(" 2 ") + 2)
                .orElseThrow());
    assertThat(requests)
        .anyMatch(r -> r.matches("/api/queues/[^/]+\\?columns=name Basic .+"))
        .anyMatch(r -> r.matches("/api/queues/[^/]+/ai\\.jobs\\.lane\\.deepseek Basic .+"));
  }

  @Test
  void withoutTheManagementApiTheLanesOfTheNamedProvidersAreFoundOverAmqp() throws Exception {
    broker.declareLane("deepseek"); // a preset
    broker.declareLane("my_llm"); // configured in the environment
    broker.declareLane("other"); // named nowhere: only the management API would list it
    broker.publishTo(Topology.laneQueue("my_llm"), "{}");
    String nobody;
    try (ServerSocket free = new ServerSocket(0)) {
      nobody = "http://127.0.0.1:" + free.getLocalPort();
    }

    AdminBroker.Run stats =
        broker.cli(
            Map.of("AIJOBS_PROVIDER_MY_LLM_BASE_URL", "http://127.0.0.1:8000/v1"),
            "queues",
            "stats",
            "--management-url",
            nobody);

    assertThat(stats.code()).as(stats.err()).isZero();
    assertThat(stats.out())
        .containsPattern("ai\\.jobs\\.lane\\.deepseek\\s+0\\s+-\\s+0\\s+-\\s+-\\s+-")
        .containsPattern("ai\\.jobs\\.lane\\.my_llm\\s+1\\s+-\\s+0\\s+-")
        .doesNotContain("ai.jobs.lane.other")
        .contains("rates and unacked counts omitted: management API not reachable")
        .contains("lanes: looked for over AMQP for providers ")
        .contains("my_llm");
  }
}
