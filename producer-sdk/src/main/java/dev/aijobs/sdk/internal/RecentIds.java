package dev.aijobs.sdk.internal;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The ids of recently finished jobs, to deliver a result that arrives twice (the worker ran the job
 * again after a redelivery) only once. An id is forgotten after the retention or when more than
 * {@code capacity} newer ids were added, whichever comes first. Thread-safe.
 */
public final class RecentIds {
  private final int capacity;
  private final long retentionNanos;
  private final LongSupplier nanoClock;

  /** Insertion order = expiry order, since every id gets the same retention. */
  private final LinkedHashMap<String, Long> expiries = new LinkedHashMap<>();

  public RecentIds(int capacity, Duration retention, LongSupplier nanoClock) {
    this.capacity = capacity;
    this.retentionNanos = retention.toNanos();
    this.nanoClock = nanoClock;
  }

  /**
   * Records a finished job.
   *
   * @return true when the id is new; false when it was seen within the retention (a duplicate)
   */
  public synchronized boolean add(String id) {
    long now = nanoClock.getAsLong();
    evict(now);
    if (expiries.containsKey(id)) {
      return false;
    }
    expiries.put(id, now + retentionNanos);
    if (expiries.size() > capacity) {
      Iterator<String> oldest = expiries.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    return true;
  }

  /** Whether the id was recorded within the retention. */
  public synchronized boolean contains(String id) {
    evict(nanoClock.getAsLong());
    return expiries.containsKey(id);
  }

  /** Forgets an id: the job was submitted again, so its next result is wanted. */
  public synchronized void remove(String id) {
    expiries.remove(id);
  }

  /** How many ids are remembered. */
  public synchronized int size() {
    evict(nanoClock.getAsLong());
    return expiries.size();
  }

  private void evict(long now) {
    Iterator<Map.Entry<String, Long>> it = expiries.entrySet().iterator();
    while (it.hasNext()) {
      if (it.next().getValue() - now > 0) {
        return;
      }
      it.remove();
    }
  }
}
