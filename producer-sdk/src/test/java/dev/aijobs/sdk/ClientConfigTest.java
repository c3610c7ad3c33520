package dev.aijobs.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class ClientConfigTest {

  private static ClientConfig.Builder valid() {
    return ClientConfig.builder().replyQueue("bot.replies");
  }

  @Test
  void defaults() {
    ClientConfig c = valid().build();
    assertThat(c.uri()).isEqualTo(ClientConfig.DEFAULT_URI);
    assertThat(c.uri()).isEqualTo("amqp://guest:guest@localhost:5672/%2F");
    assertThat(c.addresses()).isEmpty();
    assertThat(c.replyMode()).isEqualTo(ReplyMode.DURABLE_QUEUE);
    assertThat(c.exchange()).isEqualTo("ai.jobs");
    assertThat(c.defaultTimeout()).isEqualTo(Duration.ofSeconds(120));
    assertThat(c.deadlineGrace()).isEqualTo(ClientConfig.DEFAULT_DEADLINE_GRACE);
    assertThat(c.maxInFlight()).isEqualTo(10_000);
    assertThat(c.replyPrefetch()).isEqualTo(ClientConfig.DEFAULT_REPLY_PREFETCH);
    assertThat(c.dedupRetention()).isEqualTo(ClientConfig.DEFAULT_DEDUP_RETENTION);
    assertThat(c.dedupCapacity()).isEqualTo(ClientConfig.DEFAULT_DEDUP_CAPACITY);
    assertThat(c.meterRegistry()).isEmpty();
    assertThat(c.unclaimedResultHandler()).isNotNull();
    assertThat(c.connectionName()).isEqualTo("aijobs-sdk");
  }

  @Test
  void replyQueueIsRequiredInDurableMode() {
    assertThatThrownBy(() -> ClientConfig.builder().build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("replyQueue is required");
    assertThatThrownBy(() -> ClientConfig.builder().replyQueue(" ").build())
        .hasMessageStartingWith("replyQueue is required");
    assertThatThrownBy(() -> ClientConfig.builder().replyQueue("amq.gen-1").build())
        .hasMessageStartingWith("replyQueue must not start with 'amq.'");
  }

  @Test
  void directReplyToNeedsNoQueue() {
    ClientConfig c = ClientConfig.builder().replyMode(ReplyMode.DIRECT_REPLY_TO).build();
    assertThat(c.replyMode()).isEqualTo(ReplyMode.DIRECT_REPLY_TO);
  }

  @Test
  void everyBadValueIsNamed() {
    List<Case> cases =
        Arrays.asList(
            new Case(b -> b.uri(null), "uri must be a non-blank string"),
            new Case(b -> b.uri("http://x"), "uri must start with amqp:// or amqps://"),
            new Case(b -> b.uri("amqp://a b"), "uri is not a valid URI"),
            new Case(b -> b.addresses(null), "addresses must not be null"),
            new Case(b -> b.addresses(List.of("h1", "")), "addresses[1] must be a non-blank"),
            new Case(b -> b.replyMode(null), "replyMode must not be null"),
            new Case(b -> b.exchange(""), "exchange must be a non-blank string"),
            new Case(b -> b.defaultTimeout(Duration.ZERO), "defaultTimeout must be > 0"),
            new Case(b -> b.defaultTimeout(null), "defaultTimeout must be > 0"),
            new Case(b -> b.deadlineGrace(Duration.ofSeconds(-1)), "deadlineGrace must be >= 0"),
            new Case(b -> b.maxInFlight(0), "maxInFlight must be > 0"),
            new Case(b -> b.replyPrefetch(0), "replyPrefetch must be in 1..65535"),
            new Case(b -> b.replyPrefetch(70_000), "replyPrefetch must be in 1..65535"),
            new Case(b -> b.dedupRetention(Duration.ZERO), "dedupRetention must be > 0"),
            new Case(b -> b.dedupCapacity(-1), "dedupCapacity must be > 0"),
            new Case(b -> b.unclaimedResultHandler(null), "unclaimedResultHandler must not be"),
            new Case(b -> b.connectionName(" "), "connectionName must be a non-blank string"),
            new Case(b -> b.recoveryInterval(Duration.ZERO), "recoveryInterval must be > 0"),
            new Case(b -> b.connectionTimeout(Duration.ZERO), "connectionTimeout must be > 0"),
            new Case(b -> b.closeTimeout(Duration.ZERO), "closeTimeout must be > 0"),
            new Case(b -> b.meterRegistry("not a registry"), "meterRegistry must be a"));
    for (Case c : cases) {
      assertThatThrownBy(() -> c.change.apply(valid()).build())
          .as(c.message)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(c.message);
    }
  }

  @Test
  void acceptsAMicrometerRegistry() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    assertThat(valid().meterRegistry(registry).build().meterRegistry()).containsSame(registry);
  }

  @Test
  void toStringMasksThePassword() {
    ClientConfig c = valid().uri("amqp://bot:s3cret@rabbit:5672/prod").build();
    assertThat(c.toString()).contains("amqp://bot:****@rabbit:5672/prod").doesNotContain("s3cret");
  }

  private record Case(UnaryOperator<ClientConfig.Builder> change, String message) {}
}
