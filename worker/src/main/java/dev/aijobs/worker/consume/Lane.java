package dev.aijobs.worker.consume;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.aijobs.worker.route.Clock;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One queue this worker consumes on a channel of its own: a provider's lane, or {@code ai.jobs}.
 * Its prefetch is its in-flight budget, fixed or {@link AdaptiveLimit adaptive}; it can be paused
 * (the consumer is cancelled, so waiting jobs stay in the broker) and resumes by itself; when the
 * broker ends the subscription (a cancel after the queue was deleted, a channel-level close) it
 * subscribes again with backoff. Every subscription change runs on the supervisor's one thread
 * ({@link #reconcile}), which alone touches the channel and its consumers; other threads (job runs
 * on the event loop, the client's callbacks) only record what they want, without a lock, so that
 * none of them ever waits for a broker round-trip. Jobs taken on a channel are settled there.
 */
final class Lane {
  private static final Logger log = LoggerFactory.getLogger(Lane.class);
  private static final long FIRST_BACKOFF_MS = 500;
  private static final long MAX_BACKOFF_MS = 15_000;

  /** Re-declares the topology before a resubscription (the queue may have been deleted). */
  interface Topology {
    void declare() throws IOException;
  }

  private final String queue;
  private final String provider;
  private final boolean leftover;
  private final Connection connection;
  private final JobProcessor processor;
  private final ScheduledExecutorService scheduler;
  private final Topology topology;
  private final Clock clock;
  private final int fixedPrefetch;
  private final AdaptiveLimit limit;
  private final AtomicInteger outstanding = new AtomicInteger();

  /** Most consumers a lane has at once. */
  static final int MAX_CONSUMERS = 32;

  /** Credit per consumer: the limit is split over consumers of at most this prefetch. */
  private final int unit;

  // Written on the supervisor's thread only, read anywhere.
  private volatile Channel channel;
  private final java.util.List<Sub> subs = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile boolean retired;
  private volatile boolean stopped;
  private final java.util.concurrent.atomic.AtomicLong pausedUntil;
  private volatile boolean paused;
  private volatile String pauseReason;
  private volatile long notConsumingSince;

  private volatile boolean lost;
  private volatile long nextTryAt;
  private volatile long backoffMs = FIRST_BACKOFF_MS;

  /** One consumer of the lane and the prefetch it was given. */
  private record Sub(JobConsumer consumer, String tag, int prefetch) {}

  /**
   * @param provider the provider whose lane this is, or null for {@code ai.jobs}
   * @param leftover a queue of the other topology (lanes when lanes are off, or the reverse) that
   *     is only drained: when it no longer exists the lane retires quietly
   * @param limit the adaptive limit, or null for a fixed prefetch of {@code fixedPrefetch}
   */
  Lane(
      String queue,
      String provider,
      boolean leftover,
      Connection connection,
      JobProcessor processor,
      ScheduledExecutorService scheduler,
      Topology topology,
      Clock clock,
      int fixedPrefetch,
      AdaptiveLimit limit) {
    this.queue = queue;
    this.provider = provider;
    this.leftover = leftover;
    this.connection = connection;
    this.processor = processor;
    this.scheduler = scheduler;
    this.topology = topology;
    this.clock = clock;
    this.fixedPrefetch = fixedPrefetch;
    this.limit = limit;
    this.unit = limit == null ? fixedPrefetch : Math.max(1, (limit.max() + 15) / 16);
    this.notConsumingSince = clock.nanoTime();
    this.pausedUntil = new java.util.concurrent.atomic.AtomicLong(clock.nanoTime());
  }

  String queue() {
    return queue;
  }

  String provider() {
    return provider;
  }

  /** Subscribes; throws when the broker refuses (start-up fails). Supervisor thread. */
  void start() throws IOException {
    fill();
  }

  /** The in-flight limit wanted now. */
  int target() {
    return limit == null ? fixedPrefetch : limit.current();
  }

  /** The prefetch of the lane's consumers now: its applied in-flight limit. */
  int applied() {
    int sum = 0;
    for (Sub s : subs) {
      sum += s.prefetch();
    }
    return sum;
  }

  /** Jobs of this lane held now. */
  int inFlight() {
    return outstanding.get();
  }

  boolean isPaused() {
    return paused;
  }

  AdaptiveLimit limit() {
    return limit;
  }

  /** Whether the broker is delivering to this lane now. */
  boolean isConsuming() {
    for (Sub s : subs) {
      if (s.consumer().isConsuming()) {
        return true;
      }
    }
    return false;
  }

  /** Whether this lane is as it should be: consuming, or paused on purpose, or retired. */
  boolean isHealthy() {
    boolean ok = retired || paused || stopped || isConsuming();
    if (ok) {
      notConsumingSince = Long.MAX_VALUE;
    } else if (notConsumingSince == Long.MAX_VALUE) {
      notConsumingSince = clock.nanoTime();
    }
    return ok;
  }

  /** How long this lane has not been healthy (0 when it is). */
  long unhealthyNanos() {
    if (isHealthy()) {
      return 0;
    }
    return clock.nanoTime() - notConsumingSince;
  }

  /** Pauses deliveries for at least {@code d}; extends a running pause. Never blocks. */
  void pause(Duration d, String why) {
    long until = clock.nanoTime() + d.toNanos();
    long before = pausedUntil.getAndAccumulate(until, (a, b) -> b - a > 0 ? b : a);
    if (until - before > 0) {
      pauseReason = why;
    }
    if (!paused) {
      scheduler.execute(this::reconcileQuietly);
    }
  }

  /** A delivery arrived on this lane. */
  void delivered() {
    outstanding.incrementAndGet();
  }

  /** A delivery of this lane was settled. */
  void settled() {
    outstanding.decrementAndGet();
  }

  void reconcileQuietly() {
    try {
      reconcile();
    } catch (RuntimeException e) {
      log.warn("lane {}: {}", queue, e.toString());
    }
  }

  /**
   * Brings the subscription in line with what is wanted: paused or not, resubscribed after a loss,
   * consumers added or cancelled so that their prefetches add up to the limit. Supervisor thread;
   * called every second and on demand.
   */
  void reconcile() {
    if (stopped || retired) {
      return;
    }
    long now = clock.nanoTime();
    long until = pausedUntil.get();
    if (until - now > 0) {
      if (!paused) {
        paused = true;
        if (limit != null) {
          limit.onPause();
        }
        log.info(
            "lane {} paused for {} ms: {}",
            queue,
            Duration.ofNanos(until - now).toMillis(),
            pauseReason);
        cancelAll();
      }
      return;
    }
    if (paused) {
      paused = false;
      log.info("lane {} resumes", queue);
    }
    if (!connection.isOpen()) {
      return; // the client's recovery brings the connection and its subscriptions back
    }
    if (!lost && subs.stream().anyMatch(s -> s.consumer().isGone())) {
      lost = true; // the broker ended a subscription: try again after the backoff
      nextTryAt = now + backoffMs * 1_000_000;
    }
    if (lost && now - nextTryAt < 0) {
      return;
    }
    try {
      if (lost) {
        cancelAll();
        topology.declare();
      }
      fill();
      if (lost) {
        log.info("consuming {} again", queue);
      }
      lost = false;
      backoffMs = FIRST_BACKOFF_MS;
    } catch (IOException | RuntimeException e) {
      if (leftover && isNotFound(e)) {
        retired = true;
        log.info("{} no longer exists: nothing left to drain there", queue);
        return;
      }
      lost = true;
      nextTryAt = now + backoffMs * 1_000_000;
      log.warn(
          "not consuming {}: {}; trying again in {} ms",
          queue,
          e.getCause() != null ? e.getCause().getMessage() : e.toString(),
          backoffMs);
      backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
    }
  }

  /**
   * Adds or cancels consumers so that what the lane may hold stays within the target: the jobs
   * still held by consumers cancelled earlier plus the prefetch of the active ones. Over the
   * target, the newest consumers are cancelled (their jobs go on; they get no more). Under it, a
   * consumer of up to {@link #unit} is added when the room is worth one (a few jobs, or the whole
   * target when it is small). A consumer is never replaced by a bigger one: the old one's jobs
   * would come on top of the new one's prefetch.
   */
  private void fill() throws IOException {
    subs.removeIf(s -> s.consumer().isGone());
    int target = target();
    int have = applied();
    while (have > target && !subs.isEmpty()) {
      Sub last = subs.get(subs.size() - 1);
      cancel(last);
      have -= last.prefetch();
    }
    int step = Math.max(1, Math.min(unit, target / 8));
    while (true) {
      int room = target - have - held();
      if (room < step || subs.size() >= MAX_CONSUMERS) {
        return;
      }
      int p = Math.min(unit, room);
      subscribe(p);
      have += p;
    }
  }

  /** Jobs held by this lane's consumers that were cancelled (no longer counted by a prefetch). */
  private int held() {
    int active = 0;
    for (Sub s : subs) {
      active += s.consumer().outstanding();
    }
    return Math.max(0, outstanding.get() - active);
  }

  private void subscribe(int prefetch) throws IOException {
    Channel ch = channel;
    if (ch == null || !ch.isOpen()) {
      subs.clear(); // consumers of a closed channel are gone
      ch = connection.createChannel();
      channel = ch;
    }
    try {
      ch.basicQos(prefetch, false);
      JobConsumer c = new JobConsumer(ch, processor, this, this::lostByBroker);
      String tag = ch.basicConsume(queue, false, c);
      subs.add(new Sub(c, tag, prefetch));
      notConsumingSince = Long.MAX_VALUE;
    } catch (IOException | RuntimeException e) {
      closeQuietly(ch);
      channel = null;
      subs.clear();
      throw e;
    }
  }

  private static boolean isNotFound(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (String.valueOf(t.getMessage()).contains("NOT_FOUND")) {
        return true;
      }
    }
    return false;
  }

  /** The broker ended a subscription for good (client thread): resubscribe later. */
  private void lostByBroker(String why) {
    if (stopped || retired || lost) {
      return;
    }
    long wait = backoffMs;
    nextTryAt = clock.nanoTime() + wait * 1_000_000;
    lost = true;
    log.warn("not consuming {}: {}; subscribing again in {} ms", queue, why, wait);
    scheduler.schedule(
        this::reconcileQuietly, wait + 1, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  private void cancelAll() {
    for (Sub s : subs) {
      cancel(s);
    }
    subs.clear();
  }

  private void cancel(Sub s) {
    subs.remove(s);
    Channel ch = channel;
    // Not only when consume-ok was seen: the client reports it after basicConsume returns, and a
    // consumer cancelled in between would otherwise stay subscribed at the broker.
    if (ch != null && ch.isOpen() && !s.consumer().isGone()) {
      try {
        ch.basicCancel(s.tag());
      } catch (IOException | RuntimeException e) {
        log.debug("cancel of {} on {} failed: {}", s.tag(), queue, e.toString());
      }
    }
  }

  /** Stops consuming for good (the worker drains); jobs already taken go on. Supervisor thread. */
  void stop() {
    stopped = true;
    cancelAll();
  }

  private static void closeQuietly(Channel ch) {
    try {
      ch.close();
    } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
      // already closed
    }
  }

  @Override
  public String toString() {
    return queue;
  }
}
