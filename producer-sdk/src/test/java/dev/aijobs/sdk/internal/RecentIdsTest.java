package dev.aijobs.sdk.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RecentIdsTest {
  private final AtomicLong now = new AtomicLong();

  @Test
  void aSecondResultForTheSameIdIsADuplicate() {
    RecentIds ids = new RecentIds(10, Duration.ofSeconds(60), now::get);
    assertThat(ids.add("a")).isTrue();
    assertThat(ids.add("b")).isTrue();
    assertThat(ids.add("a")).isFalse();
    assertThat(ids.contains("a")).isTrue();
  }

  @Test
  void idsAreForgottenAfterTheRetention() {
    RecentIds ids = new RecentIds(10, Duration.ofSeconds(60), now::get);
    ids.add("a");
    now.addAndGet(Duration.ofSeconds(59).toNanos());
    ids.add("b");
    assertThat(ids.contains("a")).isTrue();
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    assertThat(ids.contains("a")).isFalse();
    assertThat(ids.contains("b")).isTrue();
    assertThat(ids.add("a")).isTrue();
  }

  @Test
  void theOldestIdIsForgottenBeyondCapacity() {
    RecentIds ids = new RecentIds(2, Duration.ofHours(1), now::get);
    ids.add("a");
    ids.add("b");
    ids.add("c");
    assertThat(ids.size()).isEqualTo(2);
    assertThat(ids.contains("a")).isFalse();
    assertThat(ids.contains("c")).isTrue();
  }

  @Test
  void removeMakesTheNextResultWanted() {
    RecentIds ids = new RecentIds(10, Duration.ofHours(1), now::get);
    ids.add("a");
    ids.remove("a");
    assertThat(ids.add("a")).isTrue();
  }
}
