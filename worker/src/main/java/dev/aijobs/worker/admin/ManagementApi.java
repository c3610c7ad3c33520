package dev.aijobs.worker.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Reads queue details and queue names from RabbitMQ's management HTTP API. Optional by design:
 * every failure (no plugin, no route, refused credentials) becomes an empty result plus a {@link
 * #problem()} text.
 */
final class ManagementApi {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(3);

  private final BrokerTarget target;
  private final HttpClient http;
  private String problem;

  ManagementApi(BrokerTarget target) {
    this.target = target;
    this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  }

  /** The queue's JSON ({@code GET /api/queues/VHOST/NAME}), or empty when unavailable. */
  Optional<JsonNode> queue(String name) {
    return get("/api/queues/" + encode(target.vhost()) + "/" + encode(name));
  }

  /**
   * The names of the vhost's queues ({@code GET /api/queues/VHOST?columns=name}), or empty when
   * unavailable.
   */
  Optional<List<String>> queueNames() {
    Optional<JsonNode> list = get("/api/queues/" + encode(target.vhost()) + "?columns=name");
    if (list.isEmpty()) {
      return Optional.empty();
    }
    if (!list.get().isArray()) {
      problem = "answered something else than a list of queues";
      return Optional.empty();
    }
    List<String> names = new ArrayList<>();
    list.get().forEach(q -> names.add(q.path("name").asText()));
    return Optional.of(names);
  }

  private Optional<JsonNode> get(String pathAndQuery) {
    String base = target.managementUrl().toString().replaceAll("/+$", "");
    URI uri = URI.create(base + pathAndQuery);
    String auth = target.username() + ":" + target.password();
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(TIMEOUT)
            .header(
                "Authorization",
                "Basic "
                    + Base64.getEncoder().encodeToString(auth.getBytes(StandardCharsets.UTF_8)))
            .GET()
            .build();
    try {
      HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      if (response.statusCode() != 200) {
        problem = "HTTP " + response.statusCode() + " from " + base;
        return Optional.empty();
      }
      return Optional.of(JSON.readTree(response.body()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      problem = "interrupted";
      return Optional.empty();
    } catch (Exception e) {
      problem = "not reachable at " + base + " (" + e.getClass().getSimpleName() + ")";
      return Optional.empty();
    }
  }

  /** Why the last call returned empty, or null. */
  String problem() {
    return problem;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
