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
  private final Map<String, AtomicLong> byModel = new ConcurrentHashMap<>();
  private final AtomicLong completionIds = new AtomicLong();
  private final AtomicInteger openConnections = new AtomicInteger();

  /** Counts one chat-completion request, whether or not it turns out valid. */
  public void countRequest() {
    requests.increment();
  }

  /**
   * Counts one request for a model string.
   *
   * @param model the model exactly as sent
   * @return the request's 1-based number among requests with this model since the last reset
   */
  public long countModel(String model) {
    return byModel.computeIfAbsent(model, m -> new AtomicLong()).incrementAndGet();
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
    AtomicLong count = byModel.get(model);
    return count == null ? 0 : count.get();
  }

  /**
   * Forgets request and stream counts (and so restarts {@code times=N} directives); connections
   * stay.
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
}
