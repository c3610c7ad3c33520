package dev.aijobs.sdk.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConfirmTrackerTest {

  @Test
  void singleAndMultipleConfirmsSettleTheirRange() {
    ConfirmTracker<String> t = new ConfirmTracker<>();
    for (long i = 1; i <= 5; i++) {
      t.current().register(i, "j" + i);
    }
    assertThat(t.settle(2, false)).containsExactly("j2");
    assertThat(t.settle(4, true)).containsExactly("j1", "j3", "j4");
    assertThat(t.settle(4, true)).isEmpty();
    assertThat(t.unconfirmed()).isEqualTo(1);
    assertThat(t.settle(9, false)).isEmpty();
  }

  @Test
  void resetHandsBackTheOldEpochAndStartsCountingAgain() {
    ConfirmTracker<String> t = new ConfirmTracker<>();
    ConfirmTracker.Epoch<String> old = t.current();
    old.register(1, "a");
    old.register(2, "b");
    assertThat(t.reset()).containsExactly("a", "b");
    assertThat(t.isCurrent(old)).isFalse();
    t.current().register(1, "c"); // the recovered channel counts from 1 again
    assertThat(t.settle(1, true)).containsExactly("c");
  }

  @Test
  void aPublishRacingAResetIsFoundStale() {
    ConfirmTracker<String> t = new ConfirmTracker<>();
    ConfirmTracker.Epoch<String> epoch = t.current();
    t.reset();
    epoch.register(7, "late");
    assertThat(t.isCurrent(epoch)).isFalse();
    assertThat(epoch.remove(7)).isEqualTo("late");
  }

  @Test
  void drainCurrentEmptiesWithoutANewEpoch() {
    ConfirmTracker<String> t = new ConfirmTracker<>();
    ConfirmTracker.Epoch<String> epoch = t.current();
    epoch.register(1, "a");
    assertThat(t.drainCurrent()).containsExactly("a");
    assertThat(t.isCurrent(epoch)).isTrue();
    assertThat(t.settle(1, false)).isEmpty();
  }
}
