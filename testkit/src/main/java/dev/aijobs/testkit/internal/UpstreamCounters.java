package dev.aijobs.testkit.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Request, model and connection counters of one mock upstream. Thread-safe. */
public final class UpstreamCounters {

  private final LongAdder requests = new LongAdder();
  private final LongAdder streams = new LongAdder();
  private final Map<String, ModelCounter> byModel = new ConcurrentHashMap<>();
  private final AtomicLong completionIds = new AtomicLong();
  private final AtomicInteger openConnections = new AtomicInteger();

  /** Counts one chat-completion request, whether or not it turns out valid. */
  public void countRequest() {
    requests.increment();
  }

  /**
   * Returns the counters of a model string, made (and its {@code for=MS} clock started) when its
   * first request since the last reset arrives; counting the request is {@link
   * ModelCounter#count()}.
   *
   * @param model the model exactly as sent
   */
  ModelCounter model(String model) {
    return byModel.computeIfAbsent(model, m -> new ModelCounter(System.nanoTime()));
  }

  /**
   * Counts one request for a model string.
   *
   * @param model the model exactly as sent
   * @return the request's 1-based number among requests with this model since the last reset
   */
  public long countModel(String model) {
    return model(model).count();
  }

  /** Counts one SSE response whose head has been sent. */
  public void countStream() {
    streams.increment();
  }

  /** Returns the number of SSE responses started since the last reset. */
  public long streams() {
    return streams.sum();
  }

  /** Returns the number of chat-completion requests since the last reset. */
  public long requests() {
    return requests.sum();
  }

  /** Returns the number of requests with this exact model string since the last reset. */
  public long requests(String model) {
    ModelCounter counter = byModel.get(model);
    return counter == null ? 0 : counter.requests();
  }

  /** Returns the requests with this exact model string being answered now. */
  public int inFlight(String model) {
    ModelCounter counter = byModel.get(model);
    return counter == null ? 0 : counter.inFlight();
  }

  /** Returns the most requests with this exact model string answered at once since the reset. */
  public int peakInFlight(String model) {
    ModelCounter counter = byModel.get(model);
    return counter == null ? 0 : counter.peakInFlight();
  }

  /** Returns the requests with this model string refused by {@code max-concurrent}. */
  public long overLimit(String model) {
    ModelCounter counter = byModel.get(model);
    return counter == null ? 0 : counter.overLimit();
  }

  /**
   * Forgets request and stream counts (and so restarts {@code times=N} and {@code for=MS}
   * directives and the peaks); connections stay, and requests being answered still end.
   */
  public void reset() {
    requests.reset();
    streams.reset();
    byModel.clear();
  }

  /** Returns the next completion number, unique for the server's lifetime. */
  public long nextCompletionId() {
    return completionIds.incrementAndGet();
  }

  void connectionOpened() {
    openConnections.incrementAndGet();
  }

  void connectionClosed() {
    openConnections.decrementAndGet();
  }

  /** Returns the number of TCP connections currently open. */
  public int openConnections() {
    return openConnections.get();
  }

  /**
   * The counters of one exact model string: requests since the first one, and those being answered
   * now (a request is being answered from when it is read until the last part of its response is
   * written or its connection closes, see {@link CallTracker}). Thread-safe.
   */
  public static final class ModelCounter {
    private final long firstNanos;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();
    private final LongAdder overLimit = new LongAdder();

    ModelCounter(long firstNanos) {
      this.firstNanos = firstNanos;
    }

    /** Counts a request; returns its 1-based number. */
    long count() {
      return requests.incrementAndGet();
    }

    /** The time since the first request of this model string (since the last reset). */
    java.time.Duration sinceFirst() {
      return java.time.Duration.ofNanos(System.nanoTime() - firstNanos);
    }

    /**
     * Takes a place among the requests being answered, unless {@code limit} are already.
     *
     * @return false when the limit is reached (nothing taken)
     */
    boolean tryEnter(int limit) {
      while (true) {
        int now = inFlight.get();
        if (now >= limit) {
          return false;
        }
        if (inFlight.compareAndSet(now, now + 1)) {
          peak.accumulateAndGet(now + 1, Math::max);
          return true;
        }
      }
    }

    /** Gives back a place taken by {@link #tryEnter}. */
    void exit() {
      inFlight.decrementAndGet();
    }

    void countOverLimit() {
      overLimit.increment();
    }

    long requests() {
      return requests.get();
    }

    int inFlight() {
      return inFlight.get();
    }

    int peakInFlight() {
      return peak.get();
    }

    long overLimit() {
      return overLimit.sum();
    }
  }
}
