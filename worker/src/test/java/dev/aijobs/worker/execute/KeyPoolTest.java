package dev.aijobs.worker.execute;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aijobs.worker.config.Secret;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeyPoolTest {
  private final Secret a = Secret.of("key-a");
  private final Secret b = Secret.of("key-b");
  private final Secret c = Secret.of("key-c");

  @Test
  void rotatesAcrossKeys() {
    KeyPool pool = new KeyPool(List.of(a, b, c), dev.aijobs.worker.route.Clock.SYSTEM);
    Set<Secret> seen = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      seen.add(pool.next());
    }
    assertThat(seen).containsExactlyInAnyOrder(a, b, c);
  }

  @Test
  void aBenchedKeyIsSkippedWithoutStoppingTheOthers() {
    KeyPool pool = new KeyPool(List.of(a, b, c), dev.aijobs.worker.route.Clock.SYSTEM);
    pool.bench(b, Duration.ofMinutes(5));
    for (int i = 0; i < 30; i++) {
      assertThat(pool.next()).isNotEqualTo(b);
    }
    assertThat(pool.available()).isEqualTo(2);
  }

  @Test
  void whenAllAreBenchedTheOneFreeSoonestIsUsed() {
    KeyPool pool = new KeyPool(List.of(a, b), dev.aijobs.worker.route.Clock.SYSTEM);
    pool.bench(a, Duration.ofMinutes(5));
    pool.bench(b, Duration.ofSeconds(5));
    assertThat(pool.next()).isEqualTo(b);
    assertThat(pool.next()).isEqualTo(b);
  }

  @Test
  void noKeysMeansNoAuthorization() {
    assertThat(new KeyPool(List.of(), dev.aijobs.worker.route.Clock.SYSTEM).next()).isNull();
  }

  @Test
  void keysNeverPrint() {
    assertThat(a.toString()).doesNotContain("key-a");
    assertThat(List.of(Secret.of("sk-or-v1-0123456789abcdef")).toString())
        .doesNotContain("0123456789ab");
  }
}
