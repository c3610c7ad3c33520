package dev.aijobs.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class BrokerResolverTest {

  private final AtomicInteger probes = new AtomicInteger();
  private final AtomicInteger containers = new AtomicInteger();

  @Test
  void environmentWinsAndIsNotProbed() {
    BrokerResolver resolver =
        resolver(Map.of("RABBITMQ_URI", " amqp://u:p@broker:5673/v "), answers(true), none());

    assertThat(resolver.resolve()).isEqualTo("amqp://u:p@broker:5673/v");
    assertThat(probes).hasValue(0);
    assertThat(containers).hasValue(0);
  }

  @Test
  void localBrokerComesNextWithTheDefaultVhost() {
    BrokerResolver resolver = resolver(Map.of(), answers(true), container("amqp://c"));

    assertThat(resolver.resolve()).isEqualTo("amqp://guest:guest@localhost:5672/%2F");
    assertThat(containers).hasValue(0);
  }

  @Test
  void containerIsTheLastResort() {
    BrokerResolver resolver = resolver(Map.of("RABBITMQ_URI", ""), answers(false), container("c"));

    assertThat(resolver.resolve()).isEqualTo("c");
    assertThat(probes).hasValue(1);
  }

  @Test
  void withoutAnyBrokerItFailsSayingHowToGetOne() {
    BrokerResolver resolver = resolver(Map.of(), answers(false), none());

    assertThatThrownBy(resolver::resolve)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("rabbitmq-server -detached")
        .hasMessageContaining("apt-get install -y rabbitmq-server")
        .hasMessageContaining("docker run -d -p 5672:5672 rabbitmq:3.13")
        .hasMessageContaining("RABBITMQ_URI");
  }

  @Test
  void tcpProbeSeesAListenerAndItsAbsence() throws IOException {
    InetSocketAddress address;
    try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      address = new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort());
      assertThat(BrokerResolver.tcpAnswers(address, Duration.ofSeconds(1))).isTrue();
    }
    assertThat(BrokerResolver.tcpAnswers(address, Duration.ofSeconds(1))).isFalse();
  }

  private static BrokerResolver resolver(
      Map<String, String> env, BooleanSupplier local, Supplier<Optional<String>> container) {
    return new BrokerResolver(env::get, local, container);
  }

  private BooleanSupplier answers(boolean answer) {
    return () -> {
      probes.incrementAndGet();
      return answer;
    };
  }

  private Supplier<Optional<String>> container(String uri) {
    return () -> {
      containers.incrementAndGet();
      return Optional.of(uri);
    };
  }

  private Supplier<Optional<String>> none() {
    return () -> {
      containers.incrementAndGet();
      return Optional.empty();
    };
  }
}
