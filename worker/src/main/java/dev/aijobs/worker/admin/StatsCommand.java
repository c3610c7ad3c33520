package dev.aijobs.worker.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.aijobs.protocol.Topology;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code queues stats}: depth and consumers of {@code ai.jobs} and {@code ai.jobs.dead} from AMQP
 * passive declares, plus unacked counts and message rates when the management API answers.
 */
final class StatsCommand {
  private static final String ROW = "%-14s %9s %9s %10s %11s %11s %9s%n";

  private final BrokerTarget target;
  private final PrintStream out;

  StatsCommand(BrokerTarget target, PrintStream out) {
    this.target = target;
    this.out = out;
  }

  int run() throws AdminException {
    ManagementApi api = new ManagementApi(target);
    try (Connection connection = target.connect()) {
      out.printf(ROW, "queue", "ready", "unacked", "consumers", "publish/s", "deliver/s", "ack/s");
      printRow(connection, api, Topology.JOBS_QUEUE);
      printRow(connection, api, Topology.DEAD_LETTER_QUEUE);
    } catch (IOException e) {
      throw new AdminException("broker connection failed: " + e.getMessage(), e);
    }
    if (api.problem() == null) {
      out.println("rates: management API at " + target.managementUrl());
    } else {
      out.println(
          "rates and unacked counts omitted: management API " + api.problem() + "; AMQP only");
    }
    return 0;
  }

  private void printRow(Connection connection, ManagementApi api, String queue)
      throws AdminException, IOException {
    AMQP.Queue.DeclareOk ok = passiveDeclare(connection, queue);
    Optional<JsonNode> details = api.queue(queue);
    String unacked = details.map(d -> count(d, "messages_unacknowledged")).orElse("-");
    JsonNode stats = details.map(d -> d.path("message_stats")).orElse(null);
    out.printf(
        ROW,
        queue,
        ok.getMessageCount(),
        unacked,
        ok.getConsumerCount(),
        rate(stats, "publish_details"),
        rate(stats, "deliver_get_details"),
        rate(stats, "ack_details"));
  }

  private AMQP.Queue.DeclareOk passiveDeclare(Connection connection, String queue)
      throws AdminException, IOException {
    // A passive declare of a missing queue closes its channel: use one channel per queue.
    Channel channel = connection.createChannel();
    try {
      AMQP.Queue.DeclareOk ok = channel.queueDeclarePassive(queue);
      channel.close();
      return ok;
    } catch (IOException e) {
      throw new AdminException(
          "queue '"
              + queue
              + "' does not exist in vhost '"
              + target.vhost()
              + "': no worker has declared it yet (or wrong --uri vhost)",
          e);
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
