package dev.aijobs.sdk.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aijobs.protocol.JobChunk;
import dev.aijobs.sdk.ChunkListener;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChunkSequencerTest {
  private final List<String> events = new ArrayList<>();
  private final ChunkListener listener =
      new ChunkListener() {
        @Override
        public void onChunk(JobChunk chunk) {
          events.add(chunk.seq() + ":" + chunk.delta());
        }

        @Override
        public void onRestart() {
          events.add("restart");
        }
      };
  private final ChunkSequencer seq = new ChunkSequencer(listener, 4);

  private static JobChunk chunk(long n, String delta) {
    return new JobChunk("j", n, delta, false, null);
  }

  private static JobChunk restart(long n, String delta) {
    return new JobChunk("j", n, delta, true, null);
  }

  @Test
  void deliversInOrder() {
    seq.accept(chunk(0, "a"), false);
    seq.accept(chunk(1, "b"), false);
    assertThat(events).containsExactly("0:a", "1:b");
    assertThat(seq.next()).isEqualTo(2);
  }

  @Test
  void buffersChunksThatArriveEarly() {
    seq.accept(chunk(0, "a"), false);
    seq.accept(chunk(2, "c"), false);
    seq.accept(chunk(3, "d"), false);
    assertThat(events).containsExactly("0:a");
    seq.accept(chunk(1, "b"), false);
    assertThat(events).containsExactly("0:a", "1:b", "2:c", "3:d");
  }

  @Test
  void dropsDuplicates() {
    seq.accept(chunk(0, "a"), false);
    seq.accept(chunk(1, "b"), false);
    seq.accept(chunk(1, "b"), true);
    seq.accept(chunk(0, "a"), true);
    seq.accept(chunk(3, "d"), false);
    seq.accept(chunk(3, "d"), false);
    seq.accept(chunk(2, "c"), false);
    assertThat(events).containsExactly("0:a", "1:b", "2:c", "3:d");
  }

  @Test
  void callsOnRestartBeforeARestartChunk() {
    seq.accept(chunk(0, "a"), false);
    seq.accept(chunk(1, "b"), false);
    seq.accept(restart(2, "X"), false);
    seq.accept(chunk(3, "Y"), false);
    assertThat(events).containsExactly("0:a", "1:b", "restart", "2:X", "3:Y");
  }

  @Test
  void aRestartChunkAheadOfAGapVoidsTheGap() {
    seq.accept(chunk(0, "a"), false);
    seq.accept(chunk(2, "lost-neighbour"), false);
    seq.accept(restart(3, "X"), false);
    seq.accept(chunk(4, "Y"), false);
    seq.accept(chunk(1, "late"), false);
    assertThat(events).containsExactly("0:a", "restart", "3:X", "4:Y");
  }

  @Test
  void aFreshSeqZeroAfterProgressIsARunFromTheStart() {
    seq.accept(chunk(0, "a"), false);
    seq.accept(chunk(1, "b"), false);
    // the job was redelivered to another worker, which streams again from seq 0
    seq.accept(chunk(0, "A"), false);
    seq.accept(chunk(1, "B"), false);
    assertThat(events).containsExactly("0:a", "1:b", "restart", "0:A", "1:B");
  }

  @Test
  void aBufferedRestartChunkStillRestarts() {
    seq.accept(chunk(0, "a"), false);
    seq.accept(chunk(2, "c"), false);
    seq.accept(chunk(1, "b"), false);
    assertThat(events).containsExactly("0:a", "1:b", "2:c");
    events.clear();
    ChunkSequencer other = new ChunkSequencer(listener, 4);
    other.accept(chunk(0, "a"), false);
    other.accept(chunk(1, "b"), false);
    other.accept(chunk(3, "d"), false);
    other.accept(restart(2, "X"), false);
    assertThat(events).containsExactly("0:a", "1:b", "restart", "2:X", "3:d");
  }

  @Test
  void theBufferIsBounded() {
    seq.accept(chunk(0, "a"), false);
    for (int i = 2; i < 10; i++) {
      seq.accept(chunk(i, "x" + i), false);
    }
    seq.accept(chunk(1, "b"), false);
    assertThat(events).containsExactly("0:a", "1:b", "2:x2", "3:x3", "4:x4", "5:x5");
  }

  @Test
  void aThrowingListenerDoesNotStopTheStream() {
    List<Long> seen = new ArrayList<>();
    ChunkSequencer s =
        new ChunkSequencer(
            c -> {
              seen.add(c.seq());
              throw new IllegalStateException("boom");
            },
            4);
    s.accept(chunk(0, "a"), false);
    s.accept(chunk(1, "b"), false);
    assertThat(seen).containsExactly(0L, 1L);
  }
}
