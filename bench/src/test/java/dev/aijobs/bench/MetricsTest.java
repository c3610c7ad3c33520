package dev.aijobs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MetricsTest {
  private static final String TEXT =
      """
      # HELP aijobs_lane_limit the lane's in-flight limit (its consumers' prefetch) now
      # TYPE aijobs_lane_limit gauge
      aijobs_lane_limit{provider="steady"} 2000.0
      aijobs_lane_limit{provider="storm"} 686.0
      aijobs_lane_limit_other{provider="storm"} 1.0
      aijobs_lane_paused{provider="storm",} 1.0
      aijobs_jobs_in_flight 37.0
      aijobs_jobs_in_flight_bytes 4096.0
      """;

  @Test
  void readsAGaugeByItsProviderTag() {
    assertThat(Metrics.gauge(TEXT, "aijobs_lane_limit", "storm")).hasValue(686.0);
    assertThat(Metrics.gauge(TEXT, "aijobs_lane_limit", "steady")).hasValue(2000.0);
    assertThat(Metrics.gauge(TEXT, "aijobs_lane_paused", "storm")).hasValue(1.0);
    assertThat(Metrics.gauge(TEXT, "aijobs_lane_limit", "nobody")).isEmpty();
    assertThat(Metrics.gauge("", "aijobs_lane_limit", "storm")).isEmpty();
  }

  @Test
  void readsAnUntaggedValueWithoutTakingALongerName() {
    assertThat(Metrics.value(TEXT, "aijobs_jobs_in_flight")).hasValue(37.0);
    assertThat(Metrics.value(TEXT, "aijobs_lane_limit")).hasValue(2000.0);
    assertThat(Metrics.value(TEXT, "aijobs_missing")).isEmpty();
  }
}
