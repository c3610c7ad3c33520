package dev.aijobs.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DirectivesTest {

  @Test
  void modelWithoutDirectivesHasNone() {
    assertThat(Directives.parse("gpt-4o-mini")).isEqualTo(Directives.NONE);
    assertThat(Directives.NONE.effectiveStatus()).isEqualTo(200);
  }

  @Test
  void readsEveryKeyWithEitherSeparatorAnywhereInTheModel() {
    Directives d =
        Directives.parse(
            "mock:latency=2000,gpt-x; mock:status=503 ;mock:retry-after=2,mock:retry-after-ms=1500"
                + ";mock:error=overloaded;mock:times=3");

    assertThat(d.status()).hasValue(503);
    assertThat(d.latency()).hasValue(Duration.ofSeconds(2));
    assertThat(d.retryAfterSeconds()).hasValue(2);
    assertThat(d.retryAfterMillis()).hasValue(1500);
    assertThat(d.error()).hasValue("overloaded");
    assertThat(d.times()).hasValue(3);
  }

  @Test
  void readsTheStreamingAndFaultKeys() {
    Directives d =
        Directives.parse(
            "m;mock:tokens=7;mock:token-interval=20;mock:first-token=1500;mock:comments=3"
                + ";mock:fault=stream-cut;mock:fault-after=4");

    assertThat(d.tokens()).hasValue(7);
    assertThat(d.tokenInterval()).hasValue(Duration.ofMillis(20));
    assertThat(d.firstToken()).hasValue(Duration.ofMillis(1500));
    assertThat(d.comments()).hasValue(3);
    assertThat(d.fault()).hasValue(Fault.STREAM_CUT);
    assertThat(d.effectiveFaultAfter()).isEqualTo(4);
    assertThat(Directives.NONE.effectiveFaultAfter()).isEqualTo(Directives.DEFAULT_FAULT_AFTER);
  }

  @Test
  void everyFaultHasADirectiveName() {
    for (Fault fault : Fault.values()) {
      assertThat(Directives.parse("m;mock:fault=" + fault.directiveName()).fault()).hasValue(fault);
    }
  }

  @Test
  void errorWithoutStatusMeans400() {
    assertThat(Directives.parse("m;mock:error=context_length_exceeded").effectiveStatus())
        .isEqualTo(400);
    assertThat(Directives.parse("m;mock:error=x;mock:status=422").effectiveStatus()).isEqualTo(422);
  }

  @Test
  void timesLimitsWhichRequestsTheDirectivesGovern() {
    Directives twice = Directives.parse("m;mock:status=500;mock:times=2");

    assertThat(twice.appliesTo(1)).isTrue();
    assertThat(twice.appliesTo(2)).isTrue();
    assertThat(twice.appliesTo(3)).isFalse();
    assertThat(Directives.parse("m;mock:status=500").appliesTo(1_000)).isTrue();
  }

  @Test
  void forLimitsTheDirectivesToAWindowAfterTheFirstRequest() {
    Directives storm = Directives.parse("m;mock:status=429;mock:retry-after=2;mock:for=10000");

    assertThat(storm.window()).hasValue(Duration.ofSeconds(10));
    assertThat(storm.appliesTo(500, Duration.ofMillis(9_999))).isTrue();
    assertThat(storm.appliesTo(501, Duration.ofSeconds(10))).isFalse();
    assertThat(Directives.parse("m;mock:status=500").appliesTo(1, Duration.ofDays(1))).isTrue();
    Directives both = Directives.parse("m;mock:status=500;mock:times=2;mock:for=1000");
    assertThat(both.appliesTo(2, Duration.ZERO)).isTrue();
    assertThat(both.appliesTo(3, Duration.ZERO)).as("times used up").isFalse();
    assertThat(both.appliesTo(1, Duration.ofSeconds(2))).as("window over").isFalse();
  }

  @Test
  void maxConcurrentIsTheConcurrencyLimitWhateverTimesSays() {
    Directives capped = Directives.parse("m;mock:max-concurrent=50;mock:times=1");

    assertThat(capped.maxConcurrent()).hasValue(50);
    assertThat(capped.concurrencyLimit()).isEqualTo(50);
    assertThat(capped.appliesTo(2)).isFalse();
    assertThat(Directives.NONE.concurrencyLimit()).isEqualTo(Integer.MAX_VALUE);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "m;mock:bogus=1",
        "m;mock:status",
        "m;mock:status=abc",
        "m;mock:status=99",
        "m;mock:status=600",
        "m;mock:latency=-5",
        "m;mock:times=0",
        "m;mock:for=0",
        "m;mock:for=soon",
        "m;mock:max-concurrent=0",
        "m;mock:max-concurrent=-1",
        "m;mock:error=",
        "m;mock:tokens=0",
        "m;mock:comments=-1",
        "m;mock:first-token=x",
        "m;mock:fault=meltdown",
        "m;mock:fault-after=-2"
      })
  void rejectsMalformedDirectivesNamingTheSegment(String model) {
    String segment = model.substring(model.indexOf("mock:"));

    assertThatThrownBy(() -> Directives.parse(model))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining(segment);
  }
}
