package dev.aijobs.worker.consume;

import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the memory jobs hold by pausing the socket reads of the consume connection while the
 * bodies of the jobs held exceed a byte budget, and resuming them below three quarters of it. The
 * broker then stops sending (TCP back-pressure): jobs wait in the queue, not in this worker's heap,
 * whatever their size and the prefetch. While paused, {@link #keepAlive} lets one read through now
 * and then so the connection's heartbeat check never sees it idle (a read takes at most one socket
 * buffer). Reads pause too while results cannot be published ({@link #publisherDown}): jobs taken
 * then could only end in the queue again. Thread-safe.
 */
public final class ReadGate {
  private static final Logger log = LoggerFactory.getLogger(ReadGate.class);

  private final long budget;
  private final long resumeBelow;
  private final AtomicBoolean paused = new AtomicBoolean();
  private volatile boolean overBudget;
  private volatile boolean publisherDown;
  private volatile Channel channel;

  /** A gate for {@code budget} bytes of job bodies. */
  public ReadGate(long budget) {
    this.budget = budget;
    this.resumeBelow = budget / 4 * 3;
  }

  /** The consume connection's socket channel (again after each reconnect). */
  public void attach(Channel ch) {
    channel = ch;
    ch.config().setAutoRead(!paused.get());
  }

  /** The bytes held changed to {@code held}. */
  void update(long held) {
    if (held > budget && !overBudget) {
      overBudget = true;
      log.info("jobs held {} bytes, over the budget of {}: pausing deliveries", held, budget);
      apply();
    } else if (held < resumeBelow && overBudget) {
      overBudget = false;
      log.info("jobs held {} bytes: resuming deliveries", held);
      apply();
    }
  }

  /** Results can (false) or cannot (true) be published now. */
  public void publisherDown(boolean down) {
    if (publisherDown != down) {
      publisherDown = down;
      if (down) {
        log.warn("results cannot be published: pausing deliveries");
      } else {
        log.info("results can be published again: resuming deliveries");
      }
      apply();
    }
  }

  private synchronized void apply() {
    boolean pause = overBudget || publisherDown;
    if (paused.getAndSet(pause) != pause) {
      setAutoRead(!pause);
    }
  }

  /** While paused, reads once (heartbeats and the next bytes of a delivery); else nothing. */
  public void keepAlive() {
    Channel ch = channel;
    if (paused.get() && ch != null && ch.isActive()) {
      ch.read();
    }
  }

  /** Whether deliveries are paused. */
  public boolean isPaused() {
    return paused.get();
  }

  private void setAutoRead(boolean on) {
    Channel ch = channel;
    if (ch != null) {
      ch.config().setAutoRead(on);
    }
  }
}
