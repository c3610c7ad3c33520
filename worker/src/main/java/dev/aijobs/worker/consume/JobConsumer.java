package dev.aijobs.worker.consume;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The AMQP consumer of {@code ai.jobs}; knows whether it is consuming (readiness). */
public final class JobConsumer extends DefaultConsumer {
  private static final Logger log = LoggerFactory.getLogger(JobConsumer.class);

  private final JobProcessor processor;
  private volatile boolean consuming;

  public JobConsumer(Channel channel, JobProcessor processor) {
    super(channel);
    this.processor = processor;
  }

  /** Whether the broker is delivering to this consumer. */
  public boolean isConsuming() {
    return consuming && getChannel().isOpen();
  }

  @Override
  public void handleConsumeOk(String consumerTag) {
    super.handleConsumeOk(consumerTag);
    consuming = true;
    log.info("consuming ai.jobs as {}", consumerTag);
  }

  @Override
  public void handleDelivery(
      String consumerTag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
    processor.onDelivery(getChannel(), envelope, properties, body);
  }

  @Override
  public void handleCancelOk(String consumerTag) {
    consuming = false;
    log.info("stopped consuming ({})", consumerTag);
  }

  @Override
  public void handleCancel(String consumerTag) {
    consuming = false;
    log.warn("the broker cancelled consumer {} (queue deleted?)", consumerTag);
  }

  @Override
  public void handleShutdownSignal(String consumerTag, ShutdownSignalException sig) {
    consuming = false;
    if (!sig.isInitiatedByApplication()) {
      log.warn("consumer channel closed: {}; reconnecting", sig.getMessage());
    }
  }

  @Override
  public void handleRecoverOk(String consumerTag) {
    consuming = true;
    log.info("consumer {} recovered", consumerTag);
  }
}
