package dev.aijobs.worker.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.aijobs.protocol.Topology;
import dev.aijobs.worker.config.ConfigKeys;
import dev.aijobs.worker.config.ProviderConfig;
import dev.aijobs.worker.config.ProviderPresets;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code queues stats}: depth and consumers of {@code ai.jobs}, of every provider lane {@code
 * ai.jobs.lane.<provider>} that exists, and of {@code ai.jobs.dead} from AMQP passive declares,
 * plus unacked counts and message rates when the management API answers. The lanes are listed by
 * the management API; without it they are looked for over AMQP, for the preset providers and those
 * the environment names ({@code AIJOBS_PROVIDER_<ID>_*}, {@code AIJOBS_SERVE}): run in a worker's
 * container, that is the worker's providers.
 */
final class StatsCommand {
  private static final int MIN_NAME_WIDTH = 14;

  private final BrokerTarget target;
  private final PrintStream out;
  private final Map<String, String> env;

  StatsCommand(BrokerTarget target, PrintStream out, Map<String, String> env) {
    this.target = target;
    this.out = out;
    this.env = env;
  }

  int run() throws AdminException {
    ManagementApi api = new ManagementApi(target);
    String lanesNote;
    try (Connection connection = target.connect()) {
      Optional<List<String>> listed = api.queueNames();
      List<String> lanes;
      if (listed.isPresent()) {
        lanes = lanes(listed.get());
        lanesNote = null;
      } else {
        Set<String> providers = providersNamed(env);
        lanes = new ArrayList<>();
        for (String id : providers) {
          if (passiveDeclare(connection, Topology.laneQueue(id)).isPresent()) {
            lanes.add(Topology.laneQueue(id));
          }
        }
        lanes = lanes(lanes);
        lanesNote =
            "lanes: looked for over AMQP for providers "
                + String.join(", ", providers)
                + " only (the management API lists every lane)";
      }
      List<String> queues = new ArrayList<>();
      queues.add(Topology.JOBS_QUEUE);
      queues.addAll(lanes);
      queues.add(Topology.DEAD_LETTER_QUEUE);
      int width = MIN_NAME_WIDTH;
      for (String q : queues) {
        width = Math.max(width, q.length());
      }
      String row = "%-" + width + "s %9s %9s %10s %11s %11s %9s%n";
      out.printf(row, "queue", "ready", "unacked", "consumers", "publish/s", "deliver/s", "ack/s");
      for (String queue : queues) {
        printRow(connection, api, row, queue, !lanes.contains(queue));
      }
    } catch (IOException e) {
      throw new AdminException("broker connection failed: " + e.getMessage(), e);
    }
    if (api.problem() == null) {
      out.println("rates: management API at " + target.managementUrl());
    } else {
      out.println(
          "rates and unacked counts omitted: management API " + api.problem() + "; AMQP only");
    }
    if (lanesNote != null) {
      out.println(lanesNote);
    }
    return 0;
  }

  /** The provider lanes among {@code names}, sorted. */
  private static List<String> lanes(List<String> names) {
    return names.stream()
        .filter(
            n -> n.startsWith(Topology.LANE_PREFIX) && n.length() > Topology.LANE_PREFIX.length())
        .distinct()
        .sorted()
        .toList();
  }

  /**
   * The providers whose lanes are looked for without the management API: the presets, every
   * provider an {@code AIJOBS_PROVIDER_<ID>_<FIELD>} variable configures and those {@code
   * AIJOBS_SERVE} names.
   */
  private static Set<String> providersNamed(Map<String, String> env) {
    Set<String> ids = new LinkedHashSet<>();
    ProviderPresets.ALL.forEach(p -> ids.add(p.id()));
    for (String key : env.keySet()) {
      if (!key.startsWith(ConfigKeys.PROVIDER_PREFIX)) {
        continue;
      }
      String rest = key.substring(ConfigKeys.PROVIDER_PREFIX.length());
      for (String field : ConfigKeys.PROVIDER_FIELDS) {
        if (rest.endsWith("_" + field) && rest.length() > field.length() + 1) {
          ids.add(ProviderConfig.idFromEnv(rest.substring(0, rest.length() - field.length() - 1)));
          break;
        }
      }
    }
    for (String part : env.getOrDefault(ConfigKeys.SERVE, "").split(",")) {
      if (!part.isBlank()) {
        ids.add(part.strip().toLowerCase(Locale.ROOT));
      }
    }
    return ids;
  }

  /**
   * Prints {@code queue}'s row. A queue that does not exist fails the command when {@code required}
   * ({@code ai.jobs}, {@code ai.jobs.dead}); a lane deleted since it was listed is left out.
   */
  private void printRow(
      Connection connection, ManagementApi api, String row, String queue, boolean required)
      throws AdminException, IOException {
    Optional<AMQP.Queue.DeclareOk> declared = passiveDeclare(connection, queue);
    if (declared.isEmpty()) {
      if (!required) {
        return;
      }
      throw new AdminException(
          "queue '"
              + queue
              + "' does not exist in vhost '"
              + target.vhost()
              + "': no worker has declared it yet (or wrong --uri vhost)");
    }
    AMQP.Queue.DeclareOk ok = declared.get();
    Optional<JsonNode> details = api.queue(queue);
    String unacked = details.map(d -> count(d, "messages_unacknowledged")).orElse("-");
    JsonNode stats = details.map(d -> d.path("message_stats")).orElse(null);
    out.printf(
        row,
        queue,
        ok.getMessageCount(),
        unacked,
        ok.getConsumerCount(),
        rate(stats, "publish_details"),
        rate(stats, "deliver_get_details"),
        rate(stats, "ack_details"));
  }

  /** The queue's depth and consumers, or empty when it does not exist. */
  private static Optional<AMQP.Queue.DeclareOk> passiveDeclare(Connection connection, String queue)
      throws AdminException, IOException {
    // A passive declare of a missing queue closes its channel: use one channel per queue.
    Channel channel = connection.createChannel();
    try {
      AMQP.Queue.DeclareOk ok = channel.queueDeclarePassive(queue);
      channel.close();
      return Optional.of(ok);
    } catch (IOException e) {
      if (!connection.isOpen()) {
        throw e;
      }
      return Optional.empty();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AdminException("closing a channel timed out", e);
    }
  }

  private static String count(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || !value.isNumber() ? "-" : value.asText();
  }

  private static String rate(JsonNode stats, String field) {
    if (stats == null) {
      return "-";
    }
    JsonNode rate = stats.path(field).get("rate");
    double value = rate == null || !rate.isNumber() ? 0.0 : rate.asDouble();
    return String.format(Locale.ROOT, "%.1f", value);
  }
}
