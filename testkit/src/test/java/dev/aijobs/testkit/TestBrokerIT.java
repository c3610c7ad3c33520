package dev.aijobs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.aijobs.testkit.internal.Rabbitmqctl;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Needs a real broker, found the way {@link TestBroker} documents. */
class TestBrokerIT {

  @Test
  void resolvesABrokerAndOpensAConnection() throws Exception {
    String uri = TestBroker.uri();

    assertThat(uri).startsWith("amqp");
    assertThat(TestBroker.uri()).isSameAs(uri);
    try (Connection connection = TestBroker.connectionFactory().newConnection("testkit-it");
        Channel channel = connection.createChannel()) {
      String queue = channel.queueDeclare().getQueue();
      channel.basicPublish("", queue, null, new byte[] {1});
      assertThat(channel.basicGet(queue, true)).isNotNull();
    }
  }

  @Test
  void rabbitmqctlReturnsOutputAndReportsFailures() {
    assumeThat(Rabbitmqctl.locate(System.getenv("PATH")))
        .as("rabbitmqctl is installed on this machine")
        .isPresent();
    assumeThat(TestBroker.uri()).as("the test broker is the local node").contains("localhost");

    assertThat(TestBroker.rabbitmqctl("list_vhosts", "name")).contains("/");
    assertThatThrownBy(() -> TestBroker.rabbitmqctl(Duration.ofSeconds(30), "no_such_command"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no_such_command");
  }
}
