package dev.aijobs.worker.reply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.aijobs.worker.it.ItBroker;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The publisher's channel replacement, on the real broker: refusals of one destination in a row
 * replace the channel (at most once per interval), a refusal of another destination or an accepted
 * message in between does not count, and what is published after a replacement is confirmed and
 * enqueued once. The refusals come from a full queue with {@code x-overflow: reject-publish}.
 */
class ConfirmingPublisherIT {
  private static final String FULL = "aijobs-it-publisher-full";
  private static final String OPEN = "aijobs-it-publisher-open";
  private static final AMQP.BasicProperties PROPS =
      new AMQP.BasicProperties.Builder().deliveryMode(2).build();

  @SuppressWarnings("deprecation") // as the worker: one Netty event loop for AMQP publishes
  private final EventLoopGroup group = new io.netty.channel.nio.NioEventLoopGroup(1);

  private Connection connection;
  private Channel admin;

  @BeforeEach
  void queues() throws Exception {
    connection = ItBroker.connectionFactory().newConnection("aijobs-it-publisher");
    admin = connection.createChannel();
    admin.queueDelete(FULL);
    admin.queueDelete(OPEN);
    // Holds one message; refuses (nacks) any other while that one is there.
    admin.queueDeclare(
        FULL, true, false, false, Map.of("x-max-length", 1, "x-overflow", "reject-publish"));
    admin.queueDeclare(OPEN, true, false, false, null);
    admin.basicPublish("", FULL, PROPS, "first".getBytes(StandardCharsets.UTF_8));
  }

  @AfterEach
  void close() throws Exception {
    admin.queueDelete(FULL);
    admin.queueDelete(OPEN);
    connection.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  @Test
  void refusalsInARowOfOneDestinationReplaceTheChannelOnce() throws Exception {
    ConfirmingPublisher publisher =
        new ConfirmingPublisher(connection, group.next(), 3, TimeUnit.MINUTES.toMillis(10));
    try {
      for (int i = 0; i < 2; i++) {
        assertRefused(publisher, FULL);
      }
      publish(publisher, OPEN).get(10, TimeUnit.SECONDS);
      assertThat(publisher.renewals()).as("two refusals, then another queue's accept").isZero();

      assertRefused(publisher, FULL); // the third of FULL in a row
      await().atMost(Duration.ofSeconds(10)).until(() -> publisher.renewals() == 1);

      // The new channel publishes; the full queue still refuses, truthfully, and within the
      // interval no second replacement follows.
      publish(publisher, OPEN).get(10, TimeUnit.SECONDS);
      for (int i = 0; i < 4; i++) {
        assertRefused(publisher, FULL);
      }
      publish(publisher, OPEN).get(10, TimeUnit.SECONDS);
      assertThat(publisher.renewals()).isEqualTo(1);
      assertThat(publisher.isOpen()).isTrue();
      assertThat(admin.queueDeclarePassive(OPEN).getMessageCount())
          .as("each confirmed message enqueued once")
          .isEqualTo(3);
      assertThat(admin.queueDeclarePassive(FULL).getMessageCount()).isEqualTo(1);
    } finally {
      publisher.close();
    }
  }

  @Test
  void anAcceptedMessageEndsTheRunOfRefusals() throws Exception {
    ConfirmingPublisher publisher = new ConfirmingPublisher(connection, group.next(), 3, 0);
    try {
      assertRefused(publisher, FULL);
      assertRefused(publisher, FULL);
      admin.queuePurge(FULL);
      publish(publisher, FULL).get(10, TimeUnit.SECONDS); // accepted: the queue is full again
      assertRefused(publisher, FULL);
      assertRefused(publisher, FULL);
      assertThat(publisher.renewals()).as("two refusals since the last accept").isZero();
      assertRefused(publisher, FULL);
      await().atMost(Duration.ofSeconds(10)).until(() -> publisher.renewals() == 1);
    } finally {
      publisher.close();
    }
  }

  private static CompletableFuture<Void> publish(ConfirmingPublisher publisher, String queue) {
    return publisher.publish("", queue, PROPS, "m".getBytes(StandardCharsets.UTF_8));
  }

  private static void assertRefused(ConfirmingPublisher publisher, String queue) {
    assertThatThrownBy(() -> publish(publisher, queue).get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(IOException.class)
        .hasMessageContaining("nack");
  }
}
