package dev.aijobs.worker.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code queues stats} with a management API: depth and consumers still come from AMQP, unacked
 * counts and rates from {@code /api/queues/VHOST/NAME} (served here by a stub, since the broker's
 * management plugin may be off), authenticated with the AMQP URI's credentials.
 */
class StatsIT {
  private static AdminBroker broker;
  private static HttpServer management;
  private static final List<String> requests = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    broker = new AdminBroker();
    broker.reset();
    management = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    management.createContext(
        "/api/queues/",
        exchange -> {
          requests.add(
              exchange.getRequestURI().getRawPath()
                  + " "
                  + exchange.getRequestHeaders().getFirst("Authorization"));
          byte[] body =
              ("{\"messages_unacknowledged\": 7, \"message_stats\": {"
                      + "\"publish_details\": {\"rate\": 12.5},"
                      + "\"deliver_get_details\": {\"rate\": 11.25},"
                      + "\"ack_details\": {\"rate\": 10.0}}}")
                  .getBytes(StandardCharsets.UTF_8);
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

  @Test
  void ratesAndUnackedComeFromTheManagementApi() {
    String url = "http://127.0.0.1:" + management.getAddress().getPort();

    AdminBroker.Run stats = broker.cli("queues", "stats", "--management-url", url);

    assertThat(stats.code()).as(stats.err()).isZero();
    assertThat(stats.out())
        .containsPattern("ai\\.jobs\\s+0\\s+7\\s+\\d+\\s+12\\.5\\s+11\\.3\\s+10\\.0")
        .contains("rates: management API at " + url);
    assertThat(requests)
        .anyMatch(r -> r.matches("/api/queues/[^/]+/ai\\.jobs Basic .+"))
        .anyMatch(r -> r.startsWith("/api/queues/") && r.contains("/ai.jobs.dead "));
  }
}
