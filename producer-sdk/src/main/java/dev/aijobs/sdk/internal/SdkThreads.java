package dev.aijobs.sdk.internal;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every thread a client creates, and their shutdown: one dispatch thread (reply deliveries and all
 * future completions), one timer thread (timeouts, heartbeats), the publisher thread and the
 * connections' reader threads (made by {@link #factory()}). All are daemon threads named {@code
 * aijobs-sdk-NAME-...}.
 */
public final class SdkThreads {
  private final ThreadFactory factory;
  private final ExecutorService dispatch;
  private final ScheduledThreadPoolExecutor timer;
  private volatile Thread dispatchThread;

  public SdkThreads(String name) {
    this.factory = named("aijobs-sdk-" + name + "-io-");
    this.dispatch =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = newThread("aijobs-sdk-" + name + "-dispatch", r);
              dispatchThread = t;
              return t;
            });
    this.timer =
        new ScheduledThreadPoolExecutor(1, r -> newThread("aijobs-sdk-" + name + "-timer", r));
    timer.setRemoveOnCancelPolicy(true);
  }

  /** Reply deliveries and completions run here, one at a time. */
  public ExecutorService dispatch() {
    return dispatch;
  }

  /** Timeouts and heartbeats. */
  public ScheduledThreadPoolExecutor timer() {
    return timer;
  }

  /** For the connections' own threads. */
  public ThreadFactory factory() {
    return factory;
  }

  /** Whether the caller runs on the dispatch thread. */
  public boolean onDispatchThread() {
    return Thread.currentThread() == dispatchThread;
  }

  /** Makes a named daemon thread. */
  public static Thread newThread(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /**
   * Stops the dispatch and timer threads, waiting up to {@code timeout} (not when called from the
   * dispatch thread itself, which would wait for itself).
   */
  public void shutdown(Duration timeout) {
    dispatch.shutdown();
    timer.shutdownNow();
    if (onDispatchThread()) {
      return;
    }
    try {
      if (!dispatch.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        dispatch.shutdownNow();
      }
      timer.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      dispatch.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> newThread(prefix + n.incrementAndGet(), r);
  }
}
