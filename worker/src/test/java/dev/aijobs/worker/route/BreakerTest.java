package dev.aijobs.worker.route;

import static dev.aijobs.worker.route.Breaker.PERMIT;
import static dev.aijobs.worker.route.Breaker.PROBE;
import static dev.aijobs.worker.route.Breaker.PROBE_BUSY_NANOS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aijobs.worker.route.Breaker.State;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The breaker's state machine, driven by a hand-moved clock. */
class BreakerTest {
  private static final Duration FIRST_OPEN = Duration.ofSeconds(5);
  private static final Duration MAX_OPEN = Duration.ofSeconds(60);

  private final ManualClock clock = new ManualClock();
  private final List<String> transitions = new ArrayList<>();

  /** 50 % of the last {@code window} calls, judged from {@code minCalls} calls on. */
  private Breaker breaker(int window, int minCalls) {
    return new Breaker(
        "p/m (direct)",
        new Breaker.Settings(50, window, minCalls, FIRST_OPEN, MAX_OPEN),
        clock,
        (b, from, to, openFor) -> transitions.add(from + "->" + to + " " + openFor.toMillis()));
  }

  private static void fail(Breaker b) {
    long p = b.tryAcquire();
    assertThat(p).as("permit before a failure").isEqualTo(PERMIT);
    b.onFailure(p);
  }

  private static void succeed(Breaker b) {
    long p = b.tryAcquire();
    assertThat(p).as("permit before a success").isEqualTo(PERMIT);
    b.onSuccess(p);
  }

  /** Opens a fresh breaker with {@code minCalls} failures. */
  private Breaker opened() {
    Breaker b = breaker(10, 4);
    for (int i = 0; i < 4; i++) {
      fail(b);
    }
    assertThat(b.state()).isEqualTo(State.OPEN);
    return b;
  }

  /** Lets the open time pass and takes the probe. */
  private long probe(Breaker b, Duration openFor) {
    clock.advance(openFor);
    long p = b.tryAcquire();
    assertThat(p).isEqualTo(PROBE);
    assertThat(b.state()).isEqualTo(State.HALF_OPEN);
    return p;
  }

  @Test
  void closedBreakerPermitsEveryCall() {
    Breaker b = breaker(10, 4);
    for (int i = 0; i < 100; i++) {
      assertThat(b.tryAcquire()).isEqualTo(PERMIT);
    }
    assertThat(b.state()).isEqualTo(State.CLOSED);
    assertThat(b.name()).isEqualTo("p/m (direct)").isEqualTo(b.toString());
    assertThat(transitions).isEmpty();
  }

  @Test
  void failuresBeforeMinCallsDoNotOpen() {
    Breaker b = breaker(10, 4);
    for (int i = 0; i < 3; i++) {
      fail(b);
      assertThat(b.state())
          .as("after %d failures (100 %% but under minCalls)", i + 1)
          .isEqualTo(State.CLOSED);
    }
    fail(b);
    assertThat(b.state()).isEqualTo(State.OPEN);
    assertThat(transitions).containsExactly("CLOSED->OPEN 5000");
  }

  @Test
  void opensExactlyAtTheThreshold() {
    Breaker b = breaker(10, 4);
    succeed(b);
    succeed(b);
    succeed(b);
    fail(b); // 1 of 4: 25 %
    assertThat(b.state()).isEqualTo(State.CLOSED);
    fail(b); // 2 of 5: 40 %
    assertThat(b.state()).isEqualTo(State.CLOSED);
    fail(b); // 3 of 6: 50 %, the threshold
    assertThat(b.state()).isEqualTo(State.OPEN);
  }

  @Test
  void releasedPermitsAreNotCounted() {
    Breaker b = breaker(10, 2);
    fail(b);
    for (int i = 0; i < 50; i++) {
      b.release(b.tryAcquire()); // 429s, deadlines: neither success nor failure
    }
    assertThat(b.state()).isEqualTo(State.CLOSED);
    fail(b); // 2 of 2 counted calls failed
    assertThat(b.state()).isEqualTo(State.OPEN);
  }

  @Test
  void successesThatSlideOutOfTheWindowNoLongerDiluteTheRate() {
    Breaker b = breaker(4, 4);
    for (int i = 0; i < 4; i++) {
      succeed(b);
    }
    fail(b); // window S S S F: 25 %
    assertThat(b.state()).isEqualTo(State.CLOSED);
    fail(b); // window S S F F: 50 % (over all 6 calls it would be 33 %)
    assertThat(b.state()).isEqualTo(State.OPEN);
  }

  @Test
  void failuresThatSlideOutOfTheWindowNoLongerCount() {
    Breaker b = breaker(4, 4);
    fail(b);
    fail(b);
    fail(b); // 3 failures, under minCalls
    for (int i = 0; i < 4; i++) {
      succeed(b); // pushes the three failures out of the 4-call window
    }
    fail(b); // window S S S F: 25 % (over all 8 calls it would be 50 %)
    assertThat(b.state()).isEqualTo(State.CLOSED);
  }

  @Test
  void openBreakerRejectsWithTheTimeLeft() {
    Breaker b = opened();
    assertThat(b.tryAcquire()).isEqualTo(FIRST_OPEN.toNanos());
    clock.advance(Duration.ofSeconds(2));
    assertThat(b.tryAcquire()).isEqualTo(Duration.ofSeconds(3).toNanos());
    clock.advance(Duration.ofMillis(2999));
    assertThat(b.tryAcquire()).isEqualTo(Duration.ofMillis(1).toNanos());
    assertThat(b.state()).isEqualTo(State.OPEN);
  }

  @Test
  void afterTheOpenTimeExactlyOneProbeGoesAndOthersAreToldToWaitBriefly() {
    Breaker b = opened();
    probe(b, FIRST_OPEN);
    for (int i = 0; i < 5; i++) {
      assertThat(b.tryAcquire()).isEqualTo(PROBE_BUSY_NANOS);
    }
    clock.advance(Duration.ofMinutes(5)); // however long the probe takes
    assertThat(b.tryAcquire()).isEqualTo(PROBE_BUSY_NANOS);
    assertThat(b.state()).isEqualTo(State.HALF_OPEN);
    assertThat(PROBE_BUSY_NANOS).isPositive();
  }

  @Test
  void probeSuccessClosesAndStartsAFreshWindow() {
    Breaker b = opened();
    b.onSuccess(probe(b, FIRST_OPEN));
    assertThat(b.state()).isEqualTo(State.CLOSED);
    assertThat(b.tryAcquire()).isEqualTo(PERMIT);
    // The window starts empty: minCalls counted calls are needed again before judging.
    fail(b);
    fail(b);
    fail(b);
    assertThat(b.state()).isEqualTo(State.CLOSED);
    fail(b);
    assertThat(b.state()).isEqualTo(State.OPEN);
    // The growth of the open time starts over too.
    assertThat(b.tryAcquire()).isEqualTo(FIRST_OPEN.toNanos());
  }

  @Test
  void probeFailureReopensForTwiceAsLongUpToTheMaximum() {
    Breaker b = opened();
    Duration openFor = FIRST_OPEN;
    List<Long> seconds = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      b.onFailure(probe(b, openFor));
      assertThat(b.state()).isEqualTo(State.OPEN);
      long left = b.tryAcquire();
      seconds.add(Duration.ofNanos(left).toSeconds());
      openFor = Duration.ofNanos(left);
    }
    assertThat(seconds).containsExactly(10L, 20L, 40L, 60L, 60L, 60L);
    // Until the open time is over, nothing gets through.
    clock.advance(Duration.ofSeconds(59));
    assertThat(b.tryAcquire()).isEqualTo(Duration.ofSeconds(1).toNanos());
    b.onSuccess(probe(b, Duration.ofSeconds(1)));
    assertThat(b.state()).isEqualTo(State.CLOSED);
  }

  @Test
  void openDurationDoublesPerConsecutiveOpeningAndIsCapped() {
    Breaker b = breaker(10, 4);
    assertThat(b.openDuration(0)).isEqualTo(Duration.ofSeconds(5));
    assertThat(b.openDuration(1)).isEqualTo(Duration.ofSeconds(10));
    assertThat(b.openDuration(2)).isEqualTo(Duration.ofSeconds(20));
    assertThat(b.openDuration(3)).isEqualTo(Duration.ofSeconds(40));
    assertThat(b.openDuration(4)).isEqualTo(Duration.ofSeconds(60));
    assertThat(b.openDuration(1_000)).isEqualTo(Duration.ofSeconds(60));
    Breaker odd =
        new Breaker(
            "odd",
            new Breaker.Settings(50, 10, 4, Duration.ofSeconds(3), Duration.ofSeconds(10)),
            clock,
            (x, from, to, f) -> {});
    assertThat(odd.openDuration(1)).isEqualTo(Duration.ofSeconds(6));
    assertThat(odd.openDuration(2)).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void releasingTheProbeFreesTheProbeSlot() {
    Breaker b = opened();
    long probe = probe(b, FIRST_OPEN);
    assertThat(b.tryAcquire()).isEqualTo(PROBE_BUSY_NANOS);
    b.release(probe);
    assertThat(b.state()).isEqualTo(State.HALF_OPEN);
    long next = b.tryAcquire();
    assertThat(next).isEqualTo(PROBE);
    assertThat(b.tryAcquire()).isEqualTo(PROBE_BUSY_NANOS);
    b.onSuccess(next);
    assertThat(b.state()).isEqualTo(State.CLOSED);
  }

  @Test
  void outcomesOfNormalPermitsWhileOpenOrHalfOpenChangeNothing() {
    Breaker b = breaker(10, 4);
    long[] early = new long[10];
    for (int i = 0; i < early.length; i++) {
      early[i] = b.tryAcquire(); // calls in flight when the breaker opens
    }
    for (int i = 0; i < 4; i++) {
      fail(b);
    }
    assertThat(b.state()).isEqualTo(State.OPEN);
    clock.advance(Duration.ofSeconds(1));
    b.onSuccess(early[0]);
    b.onSuccess(early[1]);
    b.onFailure(early[2]);
    b.release(early[3]);
    assertThat(b.state()).isEqualTo(State.OPEN);
    assertThat(b.tryAcquire()).isEqualTo(Duration.ofSeconds(4).toNanos());

    long probe = probe(b, Duration.ofSeconds(4));
    b.onSuccess(early[4]); // not the probe: does not close
    assertThat(b.state()).isEqualTo(State.HALF_OPEN);
    b.onFailure(early[5]); // not the probe: does not reopen
    assertThat(b.state()).isEqualTo(State.HALF_OPEN);
    b.release(early[6]); // not the probe: does not free the probe slot
    assertThat(b.tryAcquire()).isEqualTo(PROBE_BUSY_NANOS);

    b.onSuccess(probe);
    assertThat(b.state()).isEqualTo(State.CLOSED);
    assertThat(transitions)
        .containsExactly("CLOSED->OPEN 5000", "OPEN->HALF_OPEN 0", "HALF_OPEN->CLOSED 0");
  }

  @Test
  void listenerSeesEveryTransitionWithTheOpenTime() {
    Breaker b = opened();
    b.onFailure(probe(b, Duration.ofSeconds(5)));
    b.onFailure(probe(b, Duration.ofSeconds(10)));
    b.release(probe(b, Duration.ofSeconds(20)));
    b.onSuccess(b.tryAcquire());
    assertThat(transitions)
        .containsExactly(
            "CLOSED->OPEN 5000",
            "OPEN->HALF_OPEN 0",
            "HALF_OPEN->OPEN 10000",
            "OPEN->HALF_OPEN 0",
            "HALF_OPEN->OPEN 20000",
            "OPEN->HALF_OPEN 0",
            "HALF_OPEN->CLOSED 0");
  }

  @Test
  void listenerIsToldWhichBreakerChanged() {
    List<Breaker> seen = new ArrayList<>();
    Breaker b =
        new Breaker(
            "x/y (proxy)",
            new Breaker.Settings(100, 1, 1, FIRST_OPEN, MAX_OPEN),
            clock,
            (breaker, from, to, openFor) -> seen.add(breaker));
    fail(b);
    assertThat(seen).containsExactly(b);
  }
}
