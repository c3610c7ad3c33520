package dev.aijobs.worker.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aijobs.worker.route.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AdaptiveLimitTest {
  private long nanos = 5_000_000_000L;
  private final Clock clock =
      new Clock() {
        @Override
        public long nanoTime() {
          return nanos;
        }

        @Override
        public long currentTimeMillis() {
          return nanos / 1_000_000;
        }
      };

  private void advance(Duration d) {
    nanos += d.toNanos();
  }

  @Test
  void startsAtTheCeiling() {
    assertThat(new AdaptiveLimit(2, 20, clock).current()).isEqualTo(20);
  }

  @Test
  void overloadCutsByThirtyPercentOncePerGap() {
    AdaptiveLimit l = new AdaptiveLimit(2, 100, clock);
    l.onOverload();
    assertThat(l.current()).isEqualTo(70);
    l.onOverload(); // the same burst
    l.onOverload();
    assertThat(l.current()).isEqualTo(70);
    advance(AdaptiveLimit.DECREASE_GAP);
    l.onOverload();
    assertThat(l.current()).isEqualTo(49);
  }

  @Test
  void neverBelowTheFloor() {
    AdaptiveLimit l = new AdaptiveLimit(5, 20, clock);
    for (int i = 0; i < 20; i++) {
      l.onOverload();
      advance(Duration.ofSeconds(2));
    }
    assertThat(l.current()).isEqualTo(5);
  }

  @Test
  void answersRaiseItAboutOnePerRoundUpToTheCeiling() {
    AdaptiveLimit l = new AdaptiveLimit(1, 20, clock);
    l.onOverload(); // 14
    assertThat(l.current()).isEqualTo(14);
    for (int i = 0; i < 15; i++) {
      l.onAnswered();
    }
    assertThat(l.current()).isEqualTo(15);
    for (int i = 0; i < 1000; i++) {
      l.onAnswered();
    }
    assertThat(l.current()).isEqualTo(20);
  }

  @Test
  void boundsMustBeOrdered() {
    assertThatThrownBy(() -> new AdaptiveLimit(0, 5, clock))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new AdaptiveLimit(6, 5, clock))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aPauseDropsToTheFloorThenAnswersDoubleItUpToHalfOfWhereItWas() {
    AdaptiveLimit l = new AdaptiveLimit(10, 400, clock);
    l.onPause();
    assertThat(l.current()).isEqualTo(10);
    for (int i = 0; i < 10; i++) {
      l.onAnswered(); // one round of 10 answers
    }
    assertThat(l.current()).isEqualTo(20);
    for (int i = 0; i < 180; i++) {
      l.onAnswered();
    }
    assertThat(l.current()).isEqualTo(200);
    for (int i = 0; i < 200; i++) {
      l.onAnswered(); // above half: one per round
    }
    assertThat(l.current()).isEqualTo(200);
  }
}
