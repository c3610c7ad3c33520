package dev.aijobs.worker.consume;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.aijobs.protocol.Topology;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the worker consuming {@code ai.jobs}. It declares the topology on a channel it keeps open
 * (so the client's connection recovery declares it again after a failover), subscribes, and when
 * the broker ends the subscription without a connection loss (a consumer cancel after {@code
 * ai.jobs} was deleted, a channel-level close such as the consumer timeout) it declares and
 * subscribes again on a new channel, with backoff, until it succeeds or the worker stops. Jobs
 * taken on a channel are settled on that channel. Liveness: {@link #consumingRecently} is false
 * once the worker has not been consuming for the liveness timeout while not stopping.
 */
public final class ConsumerSupervisor {
  private static final Logger log = LoggerFactory.getLogger(ConsumerSupervisor.class);
  private static final long FIRST_BACKOFF_MS = 500;
  private static final long MAX_BACKOFF_MS = 15_000;

  private final Connection connection;
  private final int prefetch;
  private final JobProcessor processor;
  private final ScheduledExecutorService scheduler;
  private final long livenessNanos;
  private volatile Channel topologyChannel;
  private volatile JobConsumer consumer;
  private volatile String consumerTag;
  private volatile boolean stopped;
  private volatile long notConsumingSince = System.nanoTime();
  private long backoffMs = FIRST_BACKOFF_MS;
  private boolean resubscribeScheduled;

  /**
   * @param scheduler runs resubscriptions (they wait for the broker: not an event-loop thread)
   * @param liveness how long the worker may go without consuming before it is no longer live
   */
  public ConsumerSupervisor(
      Connection connection,
      int prefetch,
      JobProcessor processor,
      ScheduledExecutorService scheduler,
      Duration liveness) {
    this.connection = connection;
    this.prefetch = prefetch;
    this.processor = processor;
    this.scheduler = scheduler;
    this.livenessNanos = liveness.toNanos();
  }

  /** Declares the topology and subscribes; throws when the broker refuses (start-up fails). */
  public void start() throws IOException {
    subscribe();
  }

  private synchronized void subscribe() throws IOException {
    Channel admin = topologyChannel;
    if (admin == null || !admin.isOpen()) {
      admin = connection.createChannel();
      topologyChannel = admin;
    }
    Topology.declareWorkerSide(admin);
    Channel ch = connection.createChannel();
    try {
      ch.basicQos(prefetch, false);
      JobConsumer c = new JobConsumer(ch, processor, this::lost);
      consumerTag = ch.basicConsume(Topology.JOBS_QUEUE, false, c);
      consumer = c;
      backoffMs = FIRST_BACKOFF_MS;
    } catch (IOException | RuntimeException e) {
      closeQuietly(ch);
      throw e;
    }
  }

  /** The subscription ended for good: subscribe again later (never on the caller's thread). */
  private synchronized void lost(String why) {
    notConsumingSince = System.nanoTime();
    if (stopped || resubscribeScheduled) {
      return;
    }
    resubscribeScheduled = true;
    log.warn("not consuming: {}; subscribing again in {} ms", why, backoffMs);
    scheduler.schedule(this::resubscribe, backoffMs, TimeUnit.MILLISECONDS);
    backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
  }

  private void resubscribe() {
    synchronized (this) {
      resubscribeScheduled = false;
      if (stopped) {
        return;
      }
    }
    try {
      subscribe();
      log.info("consuming ai.jobs again");
    } catch (IOException | RuntimeException e) {
      lost("subscribing failed: " + (e.getCause() != null ? e.getCause().getMessage() : e));
    }
  }

  /** Whether the broker is delivering to this worker now (readiness). */
  public boolean isConsuming() {
    JobConsumer c = consumer;
    boolean on = c != null && c.isConsuming();
    if (on) {
      notConsumingSince = Long.MAX_VALUE;
    } else if (notConsumingSince == Long.MAX_VALUE) {
      notConsumingSince = System.nanoTime();
    }
    return on;
  }

  /**
   * Liveness: true while consuming, while stopping, or while the worker has not been consuming for
   * less than the liveness timeout (reconnecting, resubscribing).
   */
  public boolean consumingRecently() {
    if (stopped || isConsuming()) {
      return true;
    }
    long since = notConsumingSince;
    return since == Long.MAX_VALUE || System.nanoTime() - since < livenessNanos;
  }

  /** Stops consuming for good (the worker drains); jobs already taken go on. */
  public void stop() throws IOException {
    synchronized (this) {
      stopped = true;
    }
    JobConsumer c = consumer;
    String tag = consumerTag;
    if (c != null && tag != null && c.getChannel().isOpen()) {
      c.getChannel().basicCancel(tag);
    }
  }

  private static void closeQuietly(Channel ch) {
    try {
      ch.close();
    } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
      // already closed
    }
  }
}
