package dev.aijobs.worker.consume;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AMQP consumer of {@code ai.jobs} on one channel; knows whether it is consuming (readiness)
 * and tells its supervisor when the broker took the subscription away (a cancel, e.g. the queue was
 * deleted, or a channel-level close, e.g. the consumer timeout). A connection loss is not reported:
 * the client's automatic recovery resubscribes this consumer itself.
 */
final class JobConsumer extends DefaultConsumer {
  private static final Logger log = LoggerFactory.getLogger(JobConsumer.class);

  private final JobProcessor processor;
  private final Lane lane;
  private final Consumer<String> onLost;
  private final java.util.concurrent.atomic.AtomicInteger outstanding =
      new java.util.concurrent.atomic.AtomicInteger();
  private volatile boolean consuming;
  private volatile boolean gone;

  /**
   * A consumer on {@code channel}.
   *
   * @param onLost called (on a client thread, must not block) with the reason when the broker ends
   *     this subscription for good
   */
  JobConsumer(Channel channel, JobProcessor processor, Lane lane, Consumer<String> onLost) {
    super(channel);
    this.processor = processor;
    this.lane = lane;
    this.onLost = onLost;
  }

  /** Deliveries of this consumer not yet settled. */
  int outstanding() {
    return outstanding.get();
  }

  /**
   * Whether the broker ended this subscription for good (a cancel, a channel-level close); a lost
   * connection is not that: the client's recovery brings the subscription back.
   */
  boolean isGone() {
    return gone;
  }

  /** Whether the broker is delivering to this consumer. */
  public boolean isConsuming() {
    return consuming && getChannel().isOpen();
  }

  @Override
  public void handleConsumeOk(String consumerTag) {
    super.handleConsumeOk(consumerTag);
    consuming = true;
    log.debug("consuming {} as {}", lane.queue(), consumerTag);
  }

  @Override
  public void handleDelivery(
      String consumerTag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
    outstanding.incrementAndGet();
    lane.delivered();
    processor.onDelivery(
        getChannel(),
        envelope,
        properties,
        body,
        () -> {
          outstanding.decrementAndGet();
          lane.settled();
        });
  }

  @Override
  public void handleCancelOk(String consumerTag) {
    consuming = false;
    log.debug("stopped consuming {} ({})", lane.queue(), consumerTag);
  }

  @Override
  public void handleCancel(String consumerTag) {
    consuming = false;
    gone = true;
    log.warn("the broker cancelled consumer {} ({} deleted?)", consumerTag, lane.queue());
    onLost.accept("the broker cancelled the consumer");
  }

  @Override
  public void handleShutdownSignal(String consumerTag, ShutdownSignalException sig) {
    consuming = false;
    if (sig.isInitiatedByApplication()) {
      return;
    }
    if (sig.isHardError()) {
      log.warn("consumer connection lost: {}; reconnecting", sig.getMessage());
    } else {
      gone = true;
      log.warn("consumer channel closed by the broker: {}", sig.getMessage());
      onLost.accept("the broker closed the consume channel: " + sig.getMessage());
    }
  }

  @Override
  public void handleRecoverOk(String consumerTag) {
    consuming = true;
    log.info("consumer {} recovered", consumerTag);
  }
}
