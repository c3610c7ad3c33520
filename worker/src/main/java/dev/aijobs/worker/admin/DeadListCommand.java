package dev.aijobs.worker.admin;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import dev.aijobs.protocol.Topology;
import java.io.PrintStream;

/**
 * {@code queues dead list [--limit N]}: shows up to N dead letters without removing them. Each is
 * fetched unacknowledged and returned to the queue when the channel closes (a channel close, unlike
 * a requeueing nack, does not count as a failed delivery on quorum queues of RabbitMQ 4).
 */
final class DeadListCommand {
  static final int DEFAULT_LIMIT = 50;

  private final BrokerTarget target;
  private final PrintStream out;
  private final int limit;

  DeadListCommand(BrokerTarget target, PrintStream out, int limit) {
    this.target = target;
    this.out = out;
    this.limit = limit;
  }

  int run() throws AdminException {
    try (Connection connection = target.connect()) {
      Channel channel = connection.createChannel();
      DeadLetterPrinter printer = new DeadLetterPrinter(out);
      long total = channel.queueDeclarePassive(Topology.DEAD_LETTER_QUEUE).getMessageCount();
      printer.header("id");
      int shown = 0;
      while (shown < limit) {
        GetResponse response = channel.basicGet(Topology.DEAD_LETTER_QUEUE, false);
        if (response == null) {
          break;
        }
        printer.row("", DeadLetter.of(response));
        shown++;
      }
      channel.close(); // returns every fetched message to the queue
      out.printf("%d shown of %d in %s (none removed)%n", shown, total, Topology.DEAD_LETTER_QUEUE);
      return 0;
    } catch (AdminException e) {
      throw e;
    } catch (Exception e) {
      throw new AdminException("listing dead letters failed: " + e.getMessage(), e);
    }
  }
}
