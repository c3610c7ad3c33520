package dev.aijobs.sdk.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class InFlightWindowTest {

  @Test
  void refusesBeyondTheBoundAndFreesOnRelease() {
    InFlightWindow w = new InFlightWindow(2);
    assertThat(w.tryAcquire()).isTrue();
    assertThat(w.tryAcquire()).isTrue();
    assertThat(w.tryAcquire()).isFalse();
    assertThat(w.inFlight()).isEqualTo(2);
    w.release();
    assertThat(w.tryAcquire()).isTrue();
    assertThat(w.max()).isEqualTo(2);
  }

  @Test
  void neverGrantsMoreThanTheBoundUnderContention() {
    InFlightWindow w = new InFlightWindow(100);
    AtomicInteger granted = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<CompletableFuture<Void>> all = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        all.add(
            CompletableFuture.runAsync(
                () -> {
                  for (int i = 0; i < 1000; i++) {
                    if (w.tryAcquire()) {
                      granted.incrementAndGet();
                    }
                  }
                },
                pool));
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    } finally {
      pool.shutdownNow();
    }
    assertThat(granted.get()).isEqualTo(100);
    assertThat(w.inFlight()).isEqualTo(100);
  }
}
