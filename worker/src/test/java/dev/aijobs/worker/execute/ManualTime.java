package dev.aijobs.worker.execute;

import dev.aijobs.worker.route.Clock;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import io.netty.util.TimerTask;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Time that moves only when a test moves it: a {@link Clock}, a Netty {@link Timer} whose tasks run
 * when {@link #advance} passes their time, and an {@link Executor} whose tasks run when the test
 * lets them ({@link #runPending}, and after every timer task). Single-threaded.
 */
final class ManualTime implements Clock, Timer, Executor {
  private long nanos = 1_000_000_000L;
  private long epochMillis = 1_800_000_000_000L;
  private long seq;
  private final PriorityQueue<Entry> timers =
      new PriorityQueue<>(
          Comparator.comparingLong((Entry e) -> e.due).thenComparingLong(e -> e.seq));
  private final Queue<Runnable> tasks = new ArrayDeque<>();

  @Override
  public long nanoTime() {
    return nanos;
  }

  @Override
  public long currentTimeMillis() {
    return epochMillis;
  }

  @Override
  public void execute(Runnable task) {
    tasks.add(task);
  }

  /** Runs queued executor tasks (and the tasks they queue) until none is left. */
  void runPending() {
    Runnable next;
    while ((next = tasks.poll()) != null) {
      next.run();
    }
  }

  /** Moves time forward by {@code d}, running every timer task that comes due, in order. */
  void advance(Duration d) {
    long target = nanos + d.toNanos();
    runPending();
    while (true) {
      Entry e = timers.peek();
      if (e == null || e.due > target) {
        break;
      }
      timers.poll();
      setNanos(e.due);
      if (!e.cancelled) {
        e.expired = true;
        try {
          e.task.run(e);
        } catch (Exception ex) {
          throw new IllegalStateException(ex);
        }
      }
      runPending();
    }
    setNanos(target);
    runPending();
  }

  private void setNanos(long to) {
    epochMillis += (to - nanos) / 1_000_000;
    nanos = to;
  }

  @Override
  public Timeout newTimeout(TimerTask task, long delay, TimeUnit unit) {
    Entry e = new Entry(task, nanos + Math.max(0, unit.toNanos(delay)), seq++);
    timers.add(e);
    return e;
  }

  @Override
  public Set<Timeout> stop() {
    return Set.of();
  }

  private final class Entry implements Timeout {
    final TimerTask task;
    final long due;
    final long seq;
    boolean cancelled;
    boolean expired;

    Entry(TimerTask task, long due, long seq) {
      this.task = task;
      this.due = due;
      this.seq = seq;
    }

    @Override
    public Timer timer() {
      return ManualTime.this;
    }

    @Override
    public TimerTask task() {
      return task;
    }

    @Override
    public boolean isExpired() {
      return expired;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean cancel() {
      if (expired || cancelled) {
        return false;
      }
      cancelled = true;
      return true;
    }
  }
}
