package dev.aijobs.worker.admin;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.aijobs.protocol.Topology;
import java.io.PrintStream;

/** {@code queues dead purge --yes-i-am-sure}: deletes every ready message of ai.jobs.dead. */
final class DeadPurgeCommand {
  static final String CONFIRM_FLAG = "--yes-i-am-sure";

  private final BrokerTarget target;
  private final PrintStream out;

  DeadPurgeCommand(BrokerTarget target, PrintStream out) {
    this.target = target;
    this.out = out;
  }

  int run() throws AdminException {
    try (Connection connection = target.connect()) {
      Channel channel = connection.createChannel();
      int purged = channel.queuePurge(Topology.DEAD_LETTER_QUEUE).getMessageCount();
      channel.close();
      out.printf("purged %d dead letters from %s%n", purged, Topology.DEAD_LETTER_QUEUE);
      return 0;
    } catch (AdminException e) {
      throw e;
    } catch (Exception e) {
      throw new AdminException("purging dead letters failed: " + e.getMessage(), e);
    }
  }
}
