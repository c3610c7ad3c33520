package dev.aijobs.sdk.internal;

import dev.aijobs.protocol.JobChunk;
import dev.aijobs.sdk.ChunkListener;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands one job's chunks to its {@link ChunkListener} in {@code seq} order, each once:
 *
 * <ul>
 *   <li>the expected chunk is delivered, then any buffered ones that follow it;
 *   <li>a chunk from further ahead is buffered (at most {@code maxBuffered}; the protocol sends
 *       chunks in order, so a gap means a lost transient chunk, which the result repairs);
 *   <li>a chunk with {@code restart=true} ahead of the expected one is delivered at once: it voids
 *       everything before it anyway;
 *   <li>a chunk already passed is a duplicate and dropped, except a fresh (not redelivered) {@code
 *       seq 0}, which means the worker runs the job again after a redelivery: a restart;
 *   <li>before a restart, {@link ChunkListener#onRestart()} is called.
 * </ul>
 *
 * Listener exceptions are logged and swallowed. Thread-safe, and never calls the listener
 * concurrently.
 */
public final class ChunkSequencer {
  private static final Logger LOG = LoggerFactory.getLogger(ChunkSequencer.class);

  private final ChunkListener listener;
  private final int maxBuffered;
  private final TreeMap<Long, JobChunk> ahead = new TreeMap<>();
  private long next;

  public ChunkSequencer(ChunkListener listener, int maxBuffered) {
    this.listener = listener;
    this.maxBuffered = maxBuffered;
  }

  /**
   * Takes a chunk as it arrived.
   *
   * @param chunk the chunk
   * @param redelivered whether the broker redelivered the message (then it is a copy of one this
   *     client may already have handled)
   */
  public synchronized void accept(JobChunk chunk, boolean redelivered) {
    long seq = chunk.seq();
    if (seq == next) {
      deliver(chunk, chunk.restart());
      drain();
    } else if (seq < next) {
      if (seq == 0 && !redelivered) {
        ahead.clear();
        next = 0;
        deliver(chunk, true);
        drain();
      }
    } else if (chunk.restart()) {
      ahead.headMap(seq, true).clear();
      next = seq;
      deliver(chunk, true);
      drain();
    } else if (ahead.size() < maxBuffered) {
      ahead.putIfAbsent(seq, chunk);
    }
  }

  /** The seq of the next chunk to deliver. */
  public synchronized long next() {
    return next;
  }

  private void drain() {
    while (!ahead.isEmpty() && ahead.firstKey() <= next) {
      JobChunk c = ahead.pollFirstEntry().getValue();
      if (c.seq() == next) {
        deliver(c, c.restart());
      }
    }
  }

  private void deliver(JobChunk chunk, boolean restart) {
    next = chunk.seq() + 1;
    try {
      if (restart) {
        listener.onRestart();
      }
      listener.onChunk(chunk);
    } catch (RuntimeException e) {
      LOG.warn("chunk listener of job {} failed on seq {}", chunk.id(), chunk.seq(), e);
    }
  }
}
