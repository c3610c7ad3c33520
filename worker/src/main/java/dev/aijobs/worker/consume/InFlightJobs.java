package dev.aijobs.worker.consume;

import com.rabbitmq.client.Channel;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deliveries this worker holds unsettled. Each is settled exactly once: acked after its reply
 * is confirmed, or requeued (on a failed reply, or when the drain timeout runs out at shutdown).
 * Thread-safe.
 */
public final class InFlightJobs {
  private static final Logger log = LoggerFactory.getLogger(InFlightJobs.class);

  private final Map<Long, Delivery> deliveries = new ConcurrentHashMap<>();
  private final Object drained = new Object();
  private volatile boolean draining;

  /** One unsettled delivery. */
  public final class Delivery {
    private final Channel channel;
    private final long tag;
    private boolean settled;

    private Delivery(Channel channel, long tag) {
      this.channel = channel;
      this.tag = tag;
    }

    /** Acks the job; later calls do nothing. */
    public void ack() {
      if (settle()) {
        try {
          channel.basicAck(tag, false);
        } catch (Exception e) {
          log.debug(
              "ack of delivery {} not sent (channel gone; the broker redelivers): {}",
              tag,
              e.toString());
        }
      }
    }

    /** Returns the job to the queue for another worker; later calls do nothing. */
    public void requeue() {
      if (settle()) {
        try {
          channel.basicNack(tag, false, true);
        } catch (Exception e) {
          log.debug(
              "requeue of delivery {} not sent (channel gone; the broker redelivers): {}",
              tag,
              e.toString());
        }
      }
    }

    /** Whether the delivery was already acked or requeued (then its result must not be sent). */
    public synchronized boolean isSettled() {
      return settled;
    }

    private boolean settle() {
      synchronized (this) {
        if (settled) {
          return false;
        }
        settled = true;
      }
      deliveries.remove(tag);
      if (deliveries.isEmpty()) {
        synchronized (drained) {
          drained.notifyAll();
        }
      }
      return true;
    }
  }

  /** Registers a new delivery. */
  public Delivery add(Channel channel, long tag) {
    Delivery d = new Delivery(channel, tag);
    deliveries.put(tag, d);
    return d;
  }

  /** Jobs held right now. */
  public int size() {
    return deliveries.size();
  }

  /** Whether the worker is stopping: new deliveries are requeued at once. */
  public boolean isDraining() {
    return draining;
  }

  /**
   * Stops taking work, waits up to {@code timeout} for held jobs to finish, then requeues the rest.
   *
   * @return how many jobs were requeued
   */
  public int drain(Duration timeout) throws InterruptedException {
    draining = true;
    long end = System.nanoTime() + timeout.toNanos();
    synchronized (drained) {
      while (!deliveries.isEmpty()) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          break;
        }
        TimeUnit.NANOSECONDS.timedWait(drained, left);
      }
    }
    int requeued = 0;
    for (Delivery d : deliveries.values()) {
      d.requeue();
      requeued++;
    }
    return requeued;
  }
}
