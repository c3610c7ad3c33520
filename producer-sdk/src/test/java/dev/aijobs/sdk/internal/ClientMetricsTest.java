package dev.aijobs.sdk.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class ClientMetricsTest {

  @Test
  void withoutARegistryNothingIsRecorded() {
    assertThat(ClientMetrics.create(null, "c", () -> 0)).isSameAs(ClientMetrics.NOOP);
  }

  @Test
  void recordsTheCatalogWithLowCardinalityTags() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ClientMetrics m = ClientMetrics.create(registry, "bot", () -> 7);
    m.accepted("submit");
    m.result("ok", 1_000_000);
    m.failed("timeout");
    m.unclaimed();
    m.duplicate();
    assertThat(registry.get("aijobs.sdk.jobs.accepted").tag("kind", "submit").counter().count())
        .isEqualTo(1);
    assertThat(registry.get("aijobs.sdk.job.duration").tag("status", "ok").timer().count())
        .isEqualTo(1);
    assertThat(registry.get("aijobs.sdk.jobs.failed").tag("reason", "timeout").counter().count())
        .isEqualTo(1);
    assertThat(registry.get("aijobs.sdk.results.unclaimed").counter().count()).isEqualTo(1);
    assertThat(registry.get("aijobs.sdk.results.duplicate").counter().count()).isEqualTo(1);
    assertThat(registry.get("aijobs.sdk.in.flight").tag("client", "bot").gauge().value())
        .isEqualTo(7);
  }
}
