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
 */
public final class JobPublisher {
  private static final Logger LOG = LoggerFactory.getLogger(JobPublisher.class);

  private final Channel channel;
  private final String exchange;
  private final PendingJobs pending;
  private final boolean failAllOnConnectionLoss;
  private final ConfirmTracker<PendingJob> tracker = new ConfirmTracker<>();
  private final LinkedBlockingQueue<PendingJob> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile String blockedReason;
  private volatile boolean connected = true;

  public JobPublisher(
      Connection connection,
      Channel channel,
      String exchange,
      PendingJobs pending,
      boolean failAllOnConnectionLoss,
      String threadName) {
    this.channel = channel;
    this.exchange = exchange;
    this.pending = pending;
    this.failAllOnConnectionLoss = failAllOnConnectionLoss;
    channel.addConfirmListener(this::onAck, this::onNack);
    channel.addReturnListener(this::onReturn);
    channel.addShutdownListener(this::onChannelDown);
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

  // Listener methods run on the connection's I/O thread: they only touch concurrent state and
  // hand completions to the dispatch thread.

  private void onAck(long seq, boolean multiple) {
    List<PendingJob> jobs = tracker.settle(seq, multiple);
    if (!jobs.isEmpty()) {
      pending.dispatch(() -> jobs.forEach(pending::confirmed));
    }
  }

  private void onNack(long seq, boolean multiple) {
    for (PendingJob job : tracker.settle(seq, multiple)) {
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
