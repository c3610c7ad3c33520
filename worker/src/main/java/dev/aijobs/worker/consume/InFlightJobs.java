package dev.aijobs.worker.consume;

import com.rabbitmq.client.Channel;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deliveries this worker holds unsettled. Each is settled exactly once: acked after its reply
 * is confirmed, or requeued (on a failed reply, or when the drain timeout runs out at shutdown).
 * Thread-safe.
 */
public final class InFlightJobs {
  private static final Logger log = LoggerFactory.getLogger(InFlightJobs.class);

  // Keyed by the delivery itself: tags restart on every channel (a resubscription, a recovery).
  private final Set<Delivery> deliveries = ConcurrentHashMap.newKeySet();
  private final Object drained = new Object();
  private final AtomicLong bytes = new AtomicLong();
  private final ReadGate gate;
  private volatile boolean draining;

  /** In-flight jobs without a byte budget. */
  public InFlightJobs() {
    this(null);
  }

  /** In-flight jobs whose bodies' bytes drive {@code gate} (null: no budget). */
  public InFlightJobs(ReadGate gate) {
    this.gate = gate;
  }

  /** One unsettled delivery. */
  public final class Delivery {
    private final Channel channel;
    private final long tag;
    private final int size;
    private final Runnable onSettled;
    private boolean settled;

    private Delivery(Channel channel, long tag, int size, Runnable onSettled) {
      this.channel = channel;
      this.tag = tag;
      this.size = size;
      this.onSettled = onSettled;
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
      deliveries.remove(this);
      held(bytes.addAndGet(-size));
      onSettled.run();
      if (deliveries.isEmpty()) {
        synchronized (drained) {
          drained.notifyAll();
        }
      }
      return true;
    }
  }

  /** Registers a new delivery of {@code size} bytes; {@code onSettled} runs when it is settled. */
  public Delivery add(Channel channel, long tag, int size, Runnable onSettled) {
    Delivery d = new Delivery(channel, tag, size, onSettled);
    deliveries.add(d);
    held(bytes.addAndGet(size));
    return d;
  }

  /** Bytes of the job bodies held right now. */
  public long bytes() {
    return bytes.get();
  }

  private void held(long now) {
    if (gate != null) {
      gate.update(now);
    }
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
    for (Delivery d : deliveries) {
      d.requeue();
      requeued++;
    }
    return requeued;
  }
}
