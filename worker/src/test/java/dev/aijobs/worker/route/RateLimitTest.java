package dev.aijobs.worker.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The slot schedule of a provider's rate limit, on a hand-moved clock. */
class RateLimitTest {
  private final ManualClock clock = new ManualClock();

  private static long nanos(Duration d) {
    return d.toNanos();
  }

  private static long ms(long millis) {
    return Duration.ofMillis(millis).toNanos();
  }

  /**
   * How long a booking made now would wait, leaving the schedule as it was: the slot is booked
   * without a limit and given straight back.
   */
  static long nextWait(RateLimit limit) {
    RateLimit.Slot slot = limit.book(Long.MAX_VALUE);
    slot.giveBack();
    return slot.waitNanos();
  }

  @Test
  void lookingAtTheNextWaitLeavesTheScheduleAsItWas() {
    RateLimit limit = new RateLimit(1, clock);
    assertThat(nextWait(limit)).isZero();
    assertThat(nextWait(limit)).isZero();
    assertThat(limit.book(0).waitNanos()).isZero();
    assertThat(nextWait(limit)).isEqualTo(ms(1_000));
    assertThat(nextWait(limit)).isEqualTo(ms(1_000));
    assertThat(limit.book(ms(1_000)).waitNanos()).isEqualTo(ms(1_000));
  }

  @Test
  void jobsThatCannotGetASlotBeforeTheirDeadlineBookNothing() {
    RateLimit limit = new RateLimit(10, clock);
    long maxWait = nanos(Duration.ofSeconds(20));
    List<RateLimit.Slot> booked = new ArrayList<>();
    int refused = 0;
    for (int job = 0; job < 3_000; job++) {
      RateLimit.Slot slot = limit.book(maxWait);
      if (slot == null) {
        refused++;
      } else {
        booked.add(slot);
      }
    }
    // One second's burst (10 slots at once), then one slot every 100 ms up to 20 s.
    assertThat(booked).hasSize(10 + 200);
    assertThat(refused).isEqualTo(3_000 - 210);
    assertThat(booked.subList(0, 10)).allSatisfy(s -> assertThat(s.waitNanos()).isZero());
    assertThat(booked.get(10).waitNanos()).isEqualTo(ms(100));
    assertThat(booked.get(209).waitNanos()).isEqualTo(nanos(Duration.ofSeconds(20)));
    // The 2,790 refused jobs left no phantom reservations behind.
    assertThat(nextWait(limit)).isEqualTo(ms(20_100));

    clock.advance(Duration.ofSeconds(25));
    assertThat(nextWait(limit)).isZero();
    // Twenty single bookings at the limit's pace: none waits.
    for (int i = 0; i < 20; i++) {
      RateLimit.Slot slot = limit.book(0);
      assertThat(slot).as("booking %d", i).isNotNull();
      assertThat(slot.waitNanos()).as("booking %d", i).isZero();
      clock.advance(Duration.ofMillis(100));
    }
  }

  @Test
  void afterAnIdleSpellTheFullBurstIsBackAndNoMore() {
    RateLimit limit = new RateLimit(10, clock);
    for (int i = 0; i < 210; i++) {
      limit.book(nanos(Duration.ofSeconds(20)));
    }
    clock.advance(Duration.ofSeconds(25));
    for (int i = 0; i < 10; i++) {
      assertThat(limit.book(0).waitNanos()).as("burst booking %d", i).isZero();
    }
    assertThat(limit.book(0)).as("past the burst, no wait allowed").isNull();
    assertThat(limit.book(nanos(Duration.ofSeconds(1))).waitNanos()).isEqualTo(ms(100));
  }

  @Test
  void refusedBookingLeavesTheScheduleAsItWas() {
    RateLimit limit = new RateLimit(1, clock);
    assertThat(limit.book(0).waitNanos()).isZero();
    for (int i = 0; i < 100; i++) {
      assertThat(limit.book(ms(999))).isNull();
    }
    assertThat(limit.book(ms(1_000)).waitNanos()).isEqualTo(ms(1_000));
  }

  @Test
  void slotExactlyAtTheMaxWaitIsBooked() {
    RateLimit limit = new RateLimit(2, clock);
    limit.book(0);
    limit.book(0); // burst of 2
    assertThat(limit.book(ms(499))).isNull();
    assertThat(limit.book(ms(500)).waitNanos()).isEqualTo(ms(500));
  }

  @Test
  void givingASlotBackMakesTheNextBookingEarlier() {
    RateLimit limit = new RateLimit(1, clock);
    assertThat(limit.book(ms(10_000)).waitNanos()).isZero();
    assertThat(limit.book(ms(10_000)).waitNanos()).isEqualTo(ms(1_000));
    RateLimit.Slot third = limit.book(ms(10_000));
    assertThat(third.waitNanos()).isEqualTo(ms(2_000));
    assertThat(third.limit()).isSameAs(limit);

    third.giveBack();
    assertThat(nextWait(limit)).isEqualTo(ms(2_000));
    assertThat(limit.book(ms(10_000)).waitNanos()).isEqualTo(ms(2_000));
  }

  @Test
  void givingBackCannotCreditMoreThanTheBurst() {
    RateLimit limit = new RateLimit(1, clock);
    RateLimit.Slot first = limit.book(0);
    clock.advance(Duration.ofSeconds(30)); // the slot's time is long gone
    first.giveBack();
    assertThat(limit.book(0).waitNanos()).isZero();
    assertThat(limit.book(0)).as("still one call a second").isNull();
    assertThat(limit.book(ms(1_000)).waitNanos()).isEqualTo(ms(1_000));
  }

  @Test
  void halfACallPerSecondIsOneCallEveryTwoSecondsWithoutBurst() {
    RateLimit limit = new RateLimit(0.5, clock);
    long maxWait = nanos(Duration.ofSeconds(5));
    assertThat(limit.book(maxWait).waitNanos()).isZero();
    assertThat(limit.book(maxWait).waitNanos()).isEqualTo(ms(2_000));
    assertThat(limit.book(maxWait).waitNanos()).isEqualTo(ms(4_000));
    assertThat(limit.book(maxWait)).as("6 s away").isNull();
    assertThat(nextWait(limit)).isEqualTo(ms(6_000));

    clock.advance(Duration.ofSeconds(10));
    assertThat(limit.book(0).waitNanos()).isZero();
    assertThat(limit.book(0)).isNull();
    clock.advance(Duration.ofMillis(1_999));
    assertThat(limit.book(0)).isNull();
    clock.advance(Duration.ofMillis(1));
    assertThat(limit.book(0).waitNanos()).isZero();
  }

  @Test
  void fractionalRateAboveOneHasTheBurstOfItsWholeCalls() {
    RateLimit limit = new RateLimit(2.5, clock); // every 400 ms, burst of 2
    assertThat(limit.book(0).waitNanos()).isZero();
    assertThat(limit.book(0).waitNanos()).isZero();
    assertThat(limit.book(0)).isNull();
    assertThat(limit.book(ms(400)).waitNanos()).isEqualTo(ms(400));
    assertThat(limit.book(ms(800)).waitNanos()).isEqualTo(ms(800));
  }

  @Test
  void rateMustBePositive() {
    assertThatThrownBy(() -> new RateLimit(0, clock)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RateLimit(-1, clock)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RateLimit(Double.NaN, clock))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
