package dev.aijobs.testkit.internal;

import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.rabbitmq.RabbitMQContainer;

/** Starts a RabbitMQ container; load only after {@link ContainerBroker} checked the class path. */
final class TestcontainersBroker {

  /** The image started when no other broker is found. */
  static final String IMAGE = "rabbitmq:3.13-management";

  private static final Logger LOG = LoggerFactory.getLogger(TestcontainersBroker.class);

  private TestcontainersBroker() {}

  static Optional<String> startIfDockerAvailable() {
    if (!dockerAvailable()) {
      return Optional.empty();
    }
    // Lives for the rest of the JVM; Testcontainers' reaper removes it if the hook does not run.
    RabbitMQContainer container = new RabbitMQContainer(IMAGE);
    container.start();
    Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "test-broker-container-stop"));
    String uri =
        "amqp://"
            + container.getAdminUsername()
            + ":"
            + container.getAdminPassword()
            + "@"
            + container.getHost()
            + ":"
            + container.getAmqpPort()
            + "/%2F";
    LOG.info(
        "started RabbitMQ container {} at {}:{}",
        IMAGE,
        container.getHost(),
        container.getAmqpPort());
    return Optional.of(uri);
  }

  private static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      LOG.debug("Docker is not usable for a test broker", e);
      return false;
    }
  }
}
