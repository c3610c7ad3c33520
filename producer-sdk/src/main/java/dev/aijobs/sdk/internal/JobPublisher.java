package dev.aijobs.sdk.internal;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import com.rabbitmq.client.Return;
import com.rabbitmq.client.ShutdownSignalException;
import dev.aijobs.sdk.ClientClosedException;
import dev.aijobs.sdk.PublishException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes jobs on its own thread, with publisher confirms tracked asynchronously ({@link
 * ConfirmTracker}) and {@code mandatory} returns, so that no caller ever blocks on the socket: a
 * blocked connection (resource alarm) can stall a socket write, and only this thread would wait.
 *
 * <p>Failures, each completed on the dispatch thread: a return fails the job ({@code RETURNED}), a
 * nack fails it ({@code NACKED}); {@code connection.blocked} makes new jobs fail at once and fails
 * the unconfirmed ones ({@code BLOCKED}); a connection loss fails the unconfirmed ones ({@code
 * CONNECTION_LOST}), and new jobs fail at once until recovery. Jobs the broker confirmed stay
 * pending: their results wait in the durable reply queue (with direct reply-to they are lost, and
 * {@code failAllOnConnectionLoss} fails them too).
 *
 * <p>Given a way to open channels, a channel that keeps refusing one routing key is replaced: after
 * {@value #RENEW_AFTER_NACKS} nacks in a row of one routing key, at most once every {@value
 * #RENEW_INTERVAL_MS} ms, the next job is published on a new channel. RabbitMQ 3.10 nacks every
 * publish of a channel to a quorum queue whose leader's node was down when that channel first
 * published to it, even once a new leader runs (e.g. a channel recovered while {@code ai.jobs}
 * elected a new leader); a new channel reaches the new leader.
 */
public final class JobPublisher {
  private static final Logger LOG = LoggerFactory.getLogger(JobPublisher.class);

  /** Nacks in a row of one routing key after which the channel is replaced. */
  static final int RENEW_AFTER_NACKS = 3;

  /** At most one replacement per this interval (a queue that really refuses stays refused). */
  static final long RENEW_INTERVAL_MS = 5_000;

  private static final long RENEW_INTERVAL_NANOS =
      java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(RENEW_INTERVAL_MS);

  /** Opens a new publishing channel (confirm mode, topology declared). */
  @FunctionalInterface
  public interface ChannelOpener {
    Channel open() throws IOException;
  }

  private volatile Channel channel;
  private final ChannelOpener opener;
  private final java.util.Map<String, Integer> nackStreaks =
      new java.util.concurrent.ConcurrentHashMap<>();
  private volatile boolean renewRequested;
  private volatile long lastRenewal = System.nanoTime() - RENEW_INTERVAL_NANOS;
  private final String exchange;
  private final PendingJobs pending;
  private final boolean failAllOnConnectionLoss;
  private final ConfirmTracker<PendingJob> tracker = new ConfirmTracker<>();
  private final LinkedBlockingQueue<PendingJob> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile String blockedReason;
  private volatile boolean connected = true;

  /**
   * Publishes on {@code channel}; with an {@code opener} (null: never), a channel that keeps
   * refusing is replaced by one it opens.
   */
  public JobPublisher(
      Connection connection,
      Channel channel,
      ChannelOpener opener,
      String exchange,
      PendingJobs pending,
      boolean failAllOnConnectionLoss,
      String threadName) {
    this.channel = channel;
    this.opener = opener;
    this.exchange = exchange;
    this.pending = pending;
    this.failAllOnConnectionLoss = failAllOnConnectionLoss;
    attach(channel);
    connection.addBlockedListener(this::onBlocked, this::onUnblocked);
    if (connection instanceof Recoverable) {
      ((Recoverable) connection).addRecoveryListener(new Recovery());
    }
    this.thread = SdkThreads.newThread(threadName, this::run);
    thread.start();
  }

  /**
   * Why a new job cannot be published right now, or null when it can: the connection is blocked or
   * down. Lets a caller fail fast instead of queueing behind a stalled socket.
   */
  public PublishException refusal(String jobId) {
    String blocked = blockedReason;
    if (blocked != null) {
      return PublishException.blocked(jobId, blocked);
    }
    if (!connected) {
      return PublishException.connectionLost(jobId, null);
    }
    return null;
  }

  /** Listeners of {@code ch}; they do nothing once {@code ch} was replaced. */
  private void attach(Channel ch) {
    ch.addConfirmListener(
        (seq, multiple) -> {
          if (ch == channel) {
            onAck(seq, multiple);
          }
        },
        (seq, multiple) -> {
          if (ch == channel) {
            onNack(seq, multiple);
          }
        });
    ch.addReturnListener(
        r -> {
          if (ch == channel) {
            onReturn(r);
          }
        });
    ch.addShutdownListener(
        cause -> {
          if (ch == channel) {
            onChannelDown(cause);
          }
        });
  }

  /** Whether the broker has blocked the connection. */
  public boolean isBlocked() {
    return blockedReason != null;
  }

  /** Whether the publishing channel is up. */
  public boolean isConnected() {
    return connected;
  }

  /** Queues a job for publishing; it is failed if the publisher has stopped. */
  public void enqueue(PendingJob job) {
    queue.add(job);
    if (!running && queue.remove(job)) {
      pending.fail(job, ClientClosedException.pending(job.id()), "closed");
    }
  }

  /** Stops publishing: queued jobs are failed as closed. Waits up to {@code timeout}. */
  public void stop(Duration timeout) {
    running = false;
    thread.interrupt();
    PendingJob job;
    while ((job = queue.poll()) != null) {
      pending.fail(job, ClientClosedException.pending(job.id()), "closed");
    }
    if (Thread.currentThread() != thread) {
      try {
        thread.join(timeout.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void run() {
    while (running) {
      PendingJob job;
      try {
        job = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      publish(job);
    }
  }

  private void publish(PendingJob job) {
    if (job.isFinished()) {
      return; // timed out or cancelled while queued
    }
    PublishException refusal = refusal(job.id());
    if (refusal != null) {
      pending.failLater(job, refusal);
      return;
    }
    if (renewRequested) {
      renew();
    }
    ConfirmTracker.Epoch<PendingJob> epoch = tracker.current();
    long seq = channel.getNextPublishSeqNo();
    epoch.register(seq, job);
    try {
      channel.basicPublish(exchange, job.routingKey(), true, job.properties(), job.body());
    } catch (IOException | RuntimeException e) {
      epoch.remove(seq);
      pending.failLater(job, PublishException.connectionLost(job.id(), e));
      return;
    }
    if (!tracker.isCurrent(epoch) && epoch.remove(seq) != null) {
      // The channel went down while this job was being published, after its epoch was drained.
      pending.failLater(job, PublishException.connectionLost(job.id(), null));
    }
  }

  /**
   * On the publishing thread, between two publishes: waits (up to 2 s) for the confirms of what the
   * old channel published, opens a new channel, publishes on it from now on and closes the old one;
   * what the old one left unconfirmed fails as a connection loss.
   */
  private void renew() {
    Channel old = channel;
    try {
      try {
        old.waitForConfirms(2_000);
      } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
        LOG.debug("replacing the publishing channel before all confirms arrived: {}", e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      Channel fresh = opener.open();
      attach(fresh);
      channel = fresh; // the old channel's listeners ignore it from here on
      nackStreaks.clear();
      for (PendingJob job : tracker.reset()) {
        pending.failLater(job, PublishException.connectionLost(job.id(), null));
      }
      try {
        old.close();
      } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
        LOG.debug("closing the replaced publishing channel: {}", e.toString());
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot open a new publishing channel ({}); keeping the old one", e.toString());
    } finally {
      renewRequested = false;
      lastRenewal = System.nanoTime();
    }
  }

  // Listener methods run on the connection's I/O thread: they only touch concurrent state and
  // hand completions to the dispatch thread.

  private void onAck(long seq, boolean multiple) {
    List<PendingJob> jobs = tracker.settle(seq, multiple);
    if (!nackStreaks.isEmpty()) {
      jobs.forEach(job -> nackStreaks.remove(job.routingKey()));
    }
    if (!jobs.isEmpty()) {
      pending.dispatch(() -> jobs.forEach(pending::confirmed));
    }
  }

  private void onNack(long seq, boolean multiple) {
    for (PendingJob job : tracker.settle(seq, multiple)) {
      int streak = nackStreaks.merge(job.routingKey(), 1, Integer::sum);
      if (opener != null
          && streak >= RENEW_AFTER_NACKS
          && !renewRequested
          && System.nanoTime() - lastRenewal >= RENEW_INTERVAL_NANOS) {
        LOG.warn(
            "the broker refused {} jobs in a row for {}; publishing the next on a new channel",
            streak,
            job.routingKey());
        lastRenewal = System.nanoTime(); // one request per interval
        renewRequested = true;
      }
      pending.failLater(job, PublishException.nacked(job.id()));
    }
  }

  private void onReturn(Return r) {
    String id = r.getProperties().getMessageId();
    PendingJob job = id == null ? null : pending.get(id);
    if (job == null) {
      LOG.warn("broker returned a message of no job in flight: {}", r.getReplyText());
      return;
    }
    pending.failLater(
        job,
        PublishException.returned(
            id, r.getReplyCode(), r.getReplyText(), r.getExchange(), r.getRoutingKey()));
  }

  private void onBlocked(String reason) {
    LOG.warn("broker blocked the publishing connection: {}", reason);
    blockedReason = reason == null || reason.isEmpty() ? "resource alarm" : reason;
    for (PendingJob job : tracker.drainCurrent()) {
      pending.failLater(job, PublishException.blocked(job.id(), blockedReason));
    }
  }

  private void onUnblocked() {
    LOG.info("broker unblocked the publishing connection");
    blockedReason = null;
  }

  private void onChannelDown(ShutdownSignalException cause) {
    connected = false;
    List<PendingJob> unconfirmed = tracker.reset();
    if (cause.isInitiatedByApplication()) {
      return; // close(): the client fails what is left itself
    }
    LOG.warn(
        "publishing channel down ({} unconfirmed jobs): {}",
        unconfirmed.size(),
        cause.getMessage());
    for (PendingJob job : unconfirmed) {
      pending.failLater(job, PublishException.connectionLost(job.id(), cause));
    }
    if (failAllOnConnectionLoss) {
      for (PendingJob job : pending.all()) {
        pending.failLater(job, PublishException.connectionLost(job.id(), cause));
      }
    }
  }

  private final class Recovery implements RecoveryListener {
    @Override
    public void handleRecovery(Recoverable recoverable) {
      LOG.info("publishing connection recovered");
      blockedReason = null;
      connected = channel.isOpen();
    }

    @Override
    public void handleRecoveryStarted(Recoverable recoverable) {}
  }
}
