package dev.aijobs.sdk.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Publisher confirms tracked asynchronously: what was published under which sequence number, and
 * which of it a confirm ({@code multiple} or single) settles. Sequence numbers belong to one
 * channel incarnation; after a connection loss the recovered channel counts from 1 again, so {@link
 * #reset()} starts a new {@link Epoch} and hands back what the old one never confirmed.
 * Thread-safe: the publisher registers, the connection's I/O thread confirms.
 *
 * @param <T> what is tracked
 */
public final class ConfirmTracker<T> {
  /** The sequence numbers of one channel incarnation. */
  public static final class Epoch<T> {
    private final ConcurrentSkipListMap<Long, T> unconfirmed = new ConcurrentSkipListMap<>();

    /** Records a publish about to happen under {@code seq}. */
    public void register(long seq, T item) {
      unconfirmed.put(seq, item);
    }

    /** Forgets {@code seq} (its publish failed); returns what was registered, or null. */
    public T remove(long seq) {
      return unconfirmed.remove(seq);
    }
  }

  private volatile Epoch<T> current = new Epoch<>();

  /** The epoch publishes register in now. */
  public Epoch<T> current() {
    return current;
  }

  /** Whether {@code epoch} is still the current one. */
  public boolean isCurrent(Epoch<T> epoch) {
    return epoch == current;
  }

  /** Settles a confirm (ack or nack) of the current epoch: the items it covers, in order. */
  public List<T> settle(long seq, boolean multiple) {
    ConcurrentSkipListMap<Long, T> map = current.unconfirmed;
    if (!multiple) {
      T item = map.remove(seq);
      return item == null ? List.of() : List.of(item);
    }
    ConcurrentNavigableMap<Long, T> head = map.headMap(seq, true);
    List<T> items = new ArrayList<>();
    Map.Entry<Long, T> e;
    while ((e = head.pollFirstEntry()) != null) {
      items.add(e.getValue());
    }
    return items;
  }

  /** Removes everything unconfirmed of the current epoch (it will not be confirmed in time). */
  public List<T> drainCurrent() {
    return drain(current);
  }

  /** Starts a new epoch (a new channel incarnation) and returns the old one's unconfirmed items. */
  public List<T> reset() {
    Epoch<T> old = current;
    current = new Epoch<>();
    return drain(old);
  }

  /** How many items await a confirm in the current epoch. */
  public int unconfirmed() {
    return current.unconfirmed.size();
  }

  private static <T> List<T> drain(Epoch<T> epoch) {
    List<T> items = new ArrayList<>();
    Map.Entry<Long, T> e;
    while ((e = epoch.unconfirmed.pollFirstEntry()) != null) {
      items.add(e.getValue());
    }
    return items;
  }
}
