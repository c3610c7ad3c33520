package dev.aijobs.worker.reply;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ShutdownSignalException;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes on one confirm-mode channel and completes a future per message when the broker confirms
 * it (fails it on nack or channel loss). Confirms are tracked asynchronously by sequence number; a
 * per-message wait would cap the channel at a few hundred messages a second.
 *
 * <p>Every publish runs on {@code loop}, the event loop of the AMQP connections: there the client
 * writes without ever waiting for socket writability, so no caller thread blocks, and sequence
 * numbers are taken and used without a lock. The number of unconfirmed messages is bounded by the
 * worker's in-flight budget (one result per job).
 *
 * <p>A channel that keeps refusing one destination while the broker has no reason to (RabbitMQ 3.10
 * nacks every later publish of a channel to a quorum queue whose leader's node was down when that
 * channel first published to it, even once a new leader runs) is replaced: after {@value
 * #RENEW_AFTER_NACKS} refusals in a row of one destination, at most once every {@value
 * #RENEW_INTERVAL_MS} ms, a new channel takes the publishes and the old one is closed once its
 * confirms are in. A queue that really refuses (a full queue with {@code reject-publish}) goes on
 * refusing on the new channel.
 */
public final class ConfirmingPublisher {
  private static final Logger log = LoggerFactory.getLogger(ConfirmingPublisher.class);

  /** Refusals in a row of one destination after which the channel is replaced. */
  static final int RENEW_AFTER_NACKS = 3;

  /** At most one replacement per this interval (a queue that really refuses stays refused). */
  static final long RENEW_INTERVAL_MS = 5_000;

  private final Connection connection;
  private volatile Tracked current;
  private volatile java.util.function.Consumer<Boolean> onState = up -> {};
  private final EventLoop loop;
  private final int renewAfterNacks;
  private final long renewIntervalNanos;

  private final java.util.concurrent.atomic.AtomicLong unconfirmedBytes =
      new java.util.concurrent.atomic.AtomicLong();

  /** Destination (exchange and routing key) to the broker's refusals of it in a row. */
  private final Map<String, Integer> nackStreaks = new ConcurrentHashMap<>();

  private final java.util.concurrent.atomic.AtomicBoolean renewing =
      new java.util.concurrent.atomic.AtomicBoolean();
  private volatile long lastRenewal;
  private final java.util.concurrent.atomic.AtomicLong renewals =
      new java.util.concurrent.atomic.AtomicLong();

  private static final long MAX_REOPEN_DELAY_MS = 5_000;

  /** Reopens a channel the broker closed (opening waits for the broker: its own thread). */
  private final java.util.concurrent.ScheduledExecutorService reopener =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "aijobs-publisher-reopen");
            t.setDaemon(true);
            return t;
          });

  /** A message published and not yet confirmed: its future and where it went. */
  private record Pending(CompletableFuture<Void> confirmed, String exchange, String routingKey) {
    /** The key refusals are counted under (built only when counting: publishing is hot). */
    String destination() {
      return exchange + "/" + routingKey;
    }
  }

  /** One channel and the messages published on it that await the broker's confirm. */
  private static final class Tracked {
    final Channel channel;
    final ConcurrentNavigableMap<Long, Pending> pending = new ConcurrentSkipListMap<>();

    /** Mandatory messages the broker returned, by sequence number, until their confirm arrives. */
    final Map<Long, UnroutableException> returned = new ConcurrentHashMap<>();

    Tracked(Channel channel) {
      this.channel = channel;
    }
  }

  /** Header that carries a mandatory message's sequence number, to match its return. */
  static final String SEQ_HEADER = "x-aijobs-publish-seq";

  /**
   * Opens a confirm-mode channel on {@code connection}; call off the event loop (it waits for the
   * broker). If the broker closes that channel alone (a channel-level error, e.g. publishing to an
   * exchange that was deleted), a new one is opened; connection losses are left to the client's
   * automatic recovery.
   */
  public ConfirmingPublisher(Connection connection, EventLoop loop) throws IOException {
    this(connection, loop, RENEW_AFTER_NACKS, RENEW_INTERVAL_MS);
  }

  /** As above, with the channel replacement's thresholds (tests use shorter ones). */
  ConfirmingPublisher(
      Connection connection, EventLoop loop, int renewAfterNacks, long renewIntervalMs)
      throws IOException {
    this.connection = connection;
    this.loop = loop;
    this.renewAfterNacks = renewAfterNacks;
    this.renewIntervalNanos = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(renewIntervalMs);
    this.lastRenewal = System.nanoTime() - renewIntervalNanos;
    this.current = open();
    if (connection instanceof com.rabbitmq.client.Recoverable r) {
      // A channel the broker closed is not recovered with its connection: open a new one then.
      r.addRecoveryListener(
          new com.rabbitmq.client.RecoveryListener() {
            @Override
            public void handleRecovery(com.rabbitmq.client.Recoverable recoverable) {
              if (!current.channel.isOpen()) {
                reopenLater(0);
              }
            }

            @Override
            public void handleRecoveryStarted(com.rabbitmq.client.Recoverable recoverable) {}
          });
    }
  }

  /** Tells {@code listener} whenever publishing becomes possible (true) or impossible (false). */
  public void onState(java.util.function.Consumer<Boolean> listener) {
    this.onState = listener;
    listener.accept(isOpen());
  }

  private Tracked open() throws IOException {
    Channel ch = connection.createChannel();
    Tracked tracked = new Tracked(ch);
    if (ch instanceof com.rabbitmq.client.Recoverable r) {
      r.addRecoveryListener(
          new com.rabbitmq.client.RecoveryListener() {
            @Override
            public void handleRecovery(com.rabbitmq.client.Recoverable recoverable) {
              onState.accept(true);
            }

            @Override
            public void handleRecoveryStarted(com.rabbitmq.client.Recoverable recoverable) {}
          });
    }
    ch.confirmSelect();
    ch.addConfirmListener(
        new ConfirmListener() {
          @Override
          public void handleAck(long seq, boolean multiple) {
            settle(tracked, seq, multiple, false);
          }

          @Override
          public void handleNack(long seq, boolean multiple) {
            settle(tracked, seq, multiple, true);
          }
        });
    ch.addReturnListener(
        r -> {
          Object seq =
              r.getProperties().getHeaders() == null
                  ? null
                  : r.getProperties().getHeaders().get(SEQ_HEADER);
          if (seq instanceof Number n) {
            // The return comes before the confirm of the same message: settle() fails it.
            tracked.returned.put(
                n.longValue(),
                new UnroutableException(r.getExchange(), r.getRoutingKey(), r.getReplyText()));
          }
        });
    ch.addShutdownListener(cause -> onShutdown(tracked, cause));
    return tracked;
  }

  private void onShutdown(Tracked tracked, ShutdownSignalException cause) {
    failAll(tracked, cause);
    if (tracked != current) {
      return; // a replaced channel, closed by renew()
    }
    if (!cause.isInitiatedByApplication()) {
      onState.accept(false);
    }
    if (!cause.isHardError() && !cause.isInitiatedByApplication()) {
      log.warn("publish channel closed by the broker ({}); opening a new one", cause.getMessage());
      reopenLater(0);
    }
  }

  /**
   * Opens a new channel in place of one the broker closed, on the reopen thread (opening waits for
   * the broker), trying again with backoff until it works; while the connection is down, its
   * recovery calls this again.
   */
  private void reopenLater(long delayMs) {
    if (reopener.isShutdown()) {
      return;
    }
    reopener.schedule(
        () -> {
          if (current.channel.isOpen()) {
            onState.accept(true); // e.g. renew() replaced the closed channel meanwhile
            return;
          }
          if (!connection.isOpen()) {
            return; // the connection's recovery will bring it back
          }
          try {
            current = open();
            log.info("publish channel open again");
            onState.accept(true);
          } catch (IOException | RuntimeException e) {
            long next = Math.min(MAX_REOPEN_DELAY_MS, Math.max(100, delayMs * 2));
            log.warn("cannot reopen the publish channel ({}); trying again in {} ms", e, next);
            reopenLater(next);
          }
        },
        delayMs,
        java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** Stops reopening channels (the worker is stopping; its connection is closed). */
  public void close() {
    reopener.shutdownNow();
  }

  /** Whether results can be published now. */
  public boolean isOpen() {
    return current.channel.isOpen();
  }

  /** Channels replaced because they kept refusing a destination. */
  public long renewals() {
    return renewals.get();
  }

  /**
   * Publishes a message; the future completes when the broker has confirmed it. Never throws:
   * failures complete the future exceptionally.
   */
  public CompletableFuture<Void> publish(
      String exchange, String routingKey, AMQP.BasicProperties props, byte[] body) {
    CompletableFuture<Void> confirmed = new CompletableFuture<>();
    loop.execute(() -> doPublish(exchange, routingKey, props, body, false, confirmed));
    return confirmed;
  }

  /**
   * Publishes a message that must reach a queue: if the broker returns it as unroutable, the future
   * fails with an {@link UnroutableException} (instead of completing on the broker's confirm).
   */
  public CompletableFuture<Void> publishMandatory(
      String exchange, String routingKey, AMQP.BasicProperties props, byte[] body) {
    CompletableFuture<Void> confirmed = new CompletableFuture<>();
    loop.execute(() -> doPublish(exchange, routingKey, props, body, true, confirmed));
    return confirmed;
  }

  /** Messages published and not yet confirmed. */
  public int unconfirmed() {
    return current.pending.size();
  }

  /** Bytes of the bodies published and not yet confirmed (or failed). */
  public long unconfirmedBytes() {
    return unconfirmedBytes.get();
  }

  private void doPublish(
      String exchange,
      String routingKey,
      AMQP.BasicProperties props,
      byte[] body,
      boolean mandatory,
      CompletableFuture<Void> confirmed) {
    unconfirmedBytes.addAndGet(body.length);
    confirmed.whenComplete((v, e) -> unconfirmedBytes.addAndGet(-body.length));
    long seq = -1;
    Tracked tracked = current;
    try {
      Channel ch = tracked.channel;
      seq = ch.getNextPublishSeqNo();
      tracked.pending.put(seq, new Pending(confirmed, exchange, routingKey));
      ch.basicPublish(
          exchange, routingKey, mandatory, mandatory ? withSeq(props, seq) : props, body);
    } catch (Exception | Error e) {
      if (seq >= 0) {
        tracked.pending.remove(seq);
      }
      confirmed.completeExceptionally(e);
    }
  }

  private static AMQP.BasicProperties withSeq(AMQP.BasicProperties props, long seq) {
    Map<String, Object> headers =
        props.getHeaders() == null ? new HashMap<>() : new HashMap<>(props.getHeaders());
    headers.put(SEQ_HEADER, seq);
    return props.builder().headers(headers).build();
  }

  private void settle(Tracked tracked, long seq, boolean multiple, boolean nacked) {
    if (multiple) {
      Map<Long, Pending> head = tracked.pending.headMap(seq, true);
      for (Map.Entry<Long, Pending> e : head.entrySet()) {
        complete(tracked, e.getKey(), e.getValue(), nacked);
      }
      head.clear();
    } else {
      Pending p = tracked.pending.remove(seq);
      if (p != null) {
        complete(tracked, seq, p, nacked);
      }
    }
  }

  private void complete(Tracked tracked, long seq, Pending p, boolean nacked) {
    UnroutableException unroutable =
        tracked.returned.isEmpty() ? null : tracked.returned.remove(seq);
    if (unroutable != null) {
      p.confirmed().completeExceptionally(unroutable);
    } else if (nacked) {
      if (tracked == current) { // a replaced channel's refusals count no more
        int streak = nackStreaks.merge(p.destination(), 1, Integer::sum);
        if (streak >= renewAfterNacks) {
          renewSoon(p.destination(), streak);
        }
      }
      p.confirmed().completeExceptionally(new IOException("broker refused the message (nack)"));
    } else {
      if (tracked == current && !nackStreaks.isEmpty()) {
        nackStreaks.remove(p.destination());
      }
      p.confirmed().complete(null);
    }
  }

  /**
   * Replaces the channel (on the reopen thread: opening and closing wait for the broker) unless one
   * was replaced less than the renewal interval ago.
   */
  private void renewSoon(String destination, int streak) {
    if (System.nanoTime() - lastRenewal < renewIntervalNanos
        || reopener.isShutdown()
        || !renewing.compareAndSet(false, true)) {
      return;
    }
    log.warn(
        "the broker refused {} messages in a row to {}; publishing on a new channel",
        streak,
        destination);
    try {
      reopener.execute(this::renew);
    } catch (java.util.concurrent.RejectedExecutionException stopping) {
      renewing.set(false);
    }
  }

  private void renew() {
    try {
      Tracked old = current;
      if (!old.channel.isOpen() || !connection.isOpen()) {
        return; // reopening or recovering makes a new channel anyway
      }
      current = open();
      nackStreaks.clear();
      renewals.incrementAndGet();
      try {
        // Let the confirms of what was published on the old channel arrive, then close it: what
        // is still unconfirmed then fails and its publisher tries again.
        old.channel.waitForConfirms(2_000);
      } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
        log.debug("closing the replaced publish channel before all confirms arrived: {}", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      try {
        old.channel.close();
      } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
        log.debug("closing the replaced publish channel: {}", e.toString());
      }
    } catch (IOException | RuntimeException e) {
      log.warn("cannot open a new publish channel ({}); keeping the old one", e.toString());
    } finally {
      lastRenewal = System.nanoTime();
      renewing.set(false);
    }
  }

  private void failAll(Tracked tracked, ShutdownSignalException cause) {
    tracked.returned.clear();
    if (!tracked.pending.isEmpty()) {
      log.warn(
          "publish channel closed with {} unconfirmed messages: {}",
          tracked.pending.size(),
          cause.getMessage());
    }
    for (Long seq : tracked.pending.keySet()) {
      Pending p = tracked.pending.remove(seq);
      if (p != null) {
        p.confirmed()
            .completeExceptionally(new IOException("publish channel closed before confirm", cause));
      }
    }
  }
}
