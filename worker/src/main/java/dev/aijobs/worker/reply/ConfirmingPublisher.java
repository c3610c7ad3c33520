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
 */
public final class ConfirmingPublisher {
  private static final Logger log = LoggerFactory.getLogger(ConfirmingPublisher.class);

  private final Connection connection;
  private volatile Channel channel;
  private volatile java.util.function.Consumer<Boolean> onState = up -> {};
  private final EventLoop loop;
  private final ConcurrentNavigableMap<Long, CompletableFuture<Void>> pending =
      new ConcurrentSkipListMap<>();

  private final java.util.concurrent.atomic.AtomicLong unconfirmedBytes =
      new java.util.concurrent.atomic.AtomicLong();

  /** Mandatory messages the broker returned, by sequence number, until their confirm arrives. */
  private final Map<Long, UnroutableException> returned = new ConcurrentHashMap<>();

  private static final long MAX_REOPEN_DELAY_MS = 5_000;

  /** Reopens a channel the broker closed (opening waits for the broker: its own thread). */
  private final java.util.concurrent.ScheduledExecutorService reopener =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "aijobs-publisher-reopen");
            t.setDaemon(true);
            return t;
          });

  /** Header that carries a mandatory message's sequence number, to match its return. */
  static final String SEQ_HEADER = "x-aijobs-publish-seq";

  /**
   * Opens a confirm-mode channel on {@code connection}; call off the event loop (it waits for the
   * broker). If the broker closes that channel alone (a channel-level error, e.g. publishing to an
   * exchange that was deleted), a new one is opened; connection losses are left to the client's
   * automatic recovery.
   */
  public ConfirmingPublisher(Connection connection, EventLoop loop) throws IOException {
    this.connection = connection;
    this.loop = loop;
    this.channel = open();
    if (connection instanceof com.rabbitmq.client.Recoverable r) {
      // A channel the broker closed is not recovered with its connection: open a new one then.
      r.addRecoveryListener(
          new com.rabbitmq.client.RecoveryListener() {
            @Override
            public void handleRecovery(com.rabbitmq.client.Recoverable recoverable) {
              if (!channel.isOpen()) {
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

  private Channel open() throws IOException {
    Channel ch = connection.createChannel();
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
            settle(seq, multiple, null);
          }

          @Override
          public void handleNack(long seq, boolean multiple) {
            settle(seq, multiple, new IOException("broker refused the message (nack)"));
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
            returned.put(
                n.longValue(),
                new UnroutableException(r.getExchange(), r.getRoutingKey(), r.getReplyText()));
          }
        });
    ch.addShutdownListener(this::onShutdown);
    return ch;
  }

  private void onShutdown(ShutdownSignalException cause) {
    failAll(cause);
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
          if (channel.isOpen() || !connection.isOpen()) {
            return; // open again, or the connection's recovery will bring it back
          }
          try {
            channel = open();
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
    return channel.isOpen();
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
    return pending.size();
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
    try {
      Channel ch = channel;
      seq = ch.getNextPublishSeqNo();
      pending.put(seq, confirmed);
      ch.basicPublish(
          exchange, routingKey, mandatory, mandatory ? withSeq(props, seq) : props, body);
    } catch (Exception | Error e) {
      if (seq >= 0) {
        pending.remove(seq);
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

  private void settle(long seq, boolean multiple, Exception failure) {
    if (multiple) {
      Map<Long, CompletableFuture<Void>> head = pending.headMap(seq, true);
      for (Map.Entry<Long, CompletableFuture<Void>> e : head.entrySet()) {
        complete(e.getValue(), outcome(e.getKey(), failure));
      }
      head.clear();
    } else {
      CompletableFuture<Void> f = pending.remove(seq);
      if (f != null) {
        complete(f, outcome(seq, failure));
      }
    }
  }

  private Exception outcome(long seq, Exception failure) {
    UnroutableException unroutable = returned.isEmpty() ? null : returned.remove(seq);
    return unroutable != null ? unroutable : failure;
  }

  private static void complete(CompletableFuture<Void> f, Exception failure) {
    if (failure == null) {
      f.complete(null);
    } else {
      f.completeExceptionally(failure);
    }
  }

  private void failAll(ShutdownSignalException cause) {
    returned.clear();
    if (!pending.isEmpty()) {
      log.warn(
          "publish channel closed with {} unconfirmed messages: {}",
          pending.size(),
          cause.getMessage());
    }
    for (Long seq : pending.keySet()) {
      CompletableFuture<Void> f = pending.remove(seq);
      if (f != null) {
        f.completeExceptionally(new IOException("publish channel closed before confirm", cause));
      }
    }
  }
}
