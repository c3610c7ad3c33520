package dev.aijobs.testkit.internal;

import java.util.Optional;

/**
 * Guards the optional Testcontainers dependency: {@link TestcontainersBroker}, the only class that
 * refers to it, is loaded only once its classes are known to be on the class path.
 */
final class ContainerBroker {

  private static final String DOCKER_CLIENT_FACTORY = "org.testcontainers.DockerClientFactory";
  private static final String RABBITMQ_CONTAINER = "org.testcontainers.rabbitmq.RabbitMQContainer";

  private ContainerBroker() {}

  /** Starts a container broker when Testcontainers is present and Docker answers. */
  static Optional<String> startIfDockerAvailable() {
    if (!present(DOCKER_CLIENT_FACTORY) || !present(RABBITMQ_CONTAINER)) {
      return Optional.empty();
    }
    return TestcontainersBroker.startIfDockerAvailable();
  }

  private static boolean present(String className) {
    try {
      Class.forName(className, false, ContainerBroker.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}
