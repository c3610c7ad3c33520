package dev.aijobs.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aijobs.protocol.InvalidJobException;
import dev.aijobs.protocol.JobCodec;
import dev.aijobs.protocol.JobRequest;
import dev.aijobs.protocol.Target;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobsTest {
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_000_000), ZoneOffset.UTC);

  @Test
  void buildsAValidJobThatRoundTripsThroughTheCodec() {
    JobRequest job =
        Jobs.builder("openrouter", "deepseek/deepseek-chat")
            .clock(CLOCK)
            .id("job-1")
            .system("be terse")
            .user("Hi")
            .param("temperature", 0.2)
            .param("max_tokens", 64)
            .param("stop", List.of("\n"))
            .fallback("deepseek", "deepseek-chat")
            .timeout(Duration.ofSeconds(30))
            .meta("chat_id", 42)
            .meta("tags", Map.of("a", "b"))
            .build();

    assertThat(job.id()).isEqualTo("job-1");
    assertThat(job.messages()).hasSize(2);
    assertThat(job.messages().get(0).path("role").asText()).isEqualTo("system");
    assertThat(job.messages().get(1).path("content").asText()).isEqualTo("Hi");
    assertThat(job.params().path("temperature").asDouble()).isEqualTo(0.2);
    assertThat(job.params().path("max_tokens").isIntegralNumber()).isTrue();
    assertThat(job.params().path("stop").get(0).asText()).isEqualTo("\n");
    assertThat(job.fallbacks()).containsExactly(new Target("deepseek", "deepseek-chat"));
    assertThat(job.createdMs()).isEqualTo(1_000_000L);
    assertThat(job.deadlineMs()).isEqualTo(1_030_000L);
    assertThat(job.meta().path("chat_id").asInt()).isEqualTo(42);
    assertThat(job.stream()).isFalse();

    JobCodec codec = new JobCodec();
    assertThat(codec.decodeRequest(codec.encodeRequest(job))).isEqualTo(job);
  }

  @Test
  void defaultsToARandomIdAndNoDeadline() {
    JobRequest a = Jobs.builder("p", "m").user("x").build();
    JobRequest b = Jobs.builder("p", "m").user("x").build();
    assertThat(a.id()).isNotBlank().isNotEqualTo(b.id());
    assertThat(a.deadlineMs()).isNull();
    assertThat(a.createdMs()).isNotNull();
    assertThat(a.params()).isNull();
    assertThat(a.meta()).isNull();
  }

  @Test
  void deadlineAndTimeoutReplaceEachOther() {
    Instant at = Instant.ofEpochMilli(5_000_000);
    assertThat(
            Jobs.builder("p", "m")
                .clock(CLOCK)
                .user("x")
                .timeout(Duration.ofSeconds(1))
                .deadline(at)
                .build()
                .deadlineMs())
        .isEqualTo(5_000_000L);
    assertThat(
            Jobs.builder("p", "m")
                .clock(CLOCK)
                .user("x")
                .deadline(at)
                .timeout(Duration.ofSeconds(1))
                .build()
                .deadlineMs())
        .isEqualTo(1_001_000L);
  }

  @Test
  void invalidJobsNameTheField() {
    assertThatThrownBy(() -> Jobs.builder("p", "m").build())
        .isInstanceOf(InvalidJobException.class)
        .hasMessageContaining("'messages'");
    assertThatThrownBy(() -> Jobs.builder(" ", "m").user("x").build())
        .isInstanceOf(InvalidJobException.class)
        .hasMessageContaining("'provider'");
    assertThatThrownBy(() -> Jobs.builder("p", "m").user("x").param("model", "x").build())
        .isInstanceOf(InvalidJobException.class)
        .hasMessageContaining("params");
    assertThatThrownBy(() -> Jobs.builder("p", "m").timeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout must be > 0");
  }

  @Test
  void builtJobsAreIndependentOfTheBuilder() {
    Jobs.Builder builder = Jobs.builder("p", "m").user("x").param("t", 1).meta("k", 1);
    JobRequest first = builder.build();
    builder.param("t", 2).meta("k", 2).user("y");
    assertThat(first.params().path("t").asInt()).isEqualTo(1);
    assertThat(first.meta().path("k").asInt()).isEqualTo(1);
    assertThat(first.messages()).hasSize(1);
  }
}
