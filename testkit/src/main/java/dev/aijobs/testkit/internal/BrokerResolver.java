package dev.aijobs.testkit.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Finds a RabbitMQ broker for tests: the {@code RABBITMQ_URI} environment variable (used as is, not
 * probed), else {@code localhost:5672} when a TCP connect succeeds, else a container when Docker is
 * available, else an {@link IllegalStateException} saying how to get a broker. The sources are
 * injected so the order can be tested without a broker. Not thread-safe; callers cache the result.
 */
public final class BrokerResolver {

  /** Environment variable naming the broker to use. */
  public static final String ENV_URI = "RABBITMQ_URI";

  /** The local broker's URI: default guest user, vhost {@code /}. */
  public static final String LOCAL_URI = "amqp://guest:guest@localhost:5672/%2F";

  /** How long the local TCP probe may take. */
  public static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

  /** What to do when no broker is found. */
  public static final String HOW_TO_GET_A_BROKER =
      "No RabbitMQ broker for tests: "
          + ENV_URI
          + " is not set, nothing answers on localhost:5672 and Docker is not available for"
          + " Testcontainers. Get a broker in one of these ways: start a local one"
          + " ('rabbitmq-server -detached', after 'apt-get install -y rabbitmq-server' if it is not"
          + " installed); or run 'docker run -d -p 5672:5672 rabbitmq:3.13'; or set "
          + ENV_URI
          + "=amqp://USER:PASS@HOST:PORT/VHOST to use an existing broker.";

  private final Function<String, String> env;
  private final BooleanSupplier localBrokerAnswers;
  private final Supplier<Optional<String>> container;

  /**
   * Creates a resolver over explicit sources.
   *
   * @param env reads an environment variable, null when unset
   * @param localBrokerAnswers whether something accepts TCP on localhost:5672
   * @param container starts a container broker and returns its URI, empty without Docker
   */
  public BrokerResolver(
      Function<String, String> env,
      BooleanSupplier localBrokerAnswers,
      Supplier<Optional<String>> container) {
    this.env = env;
    this.localBrokerAnswers = localBrokerAnswers;
    this.container = container;
  }

  /** Returns a resolver over the real environment, network and Docker. */
  public static BrokerResolver system() {
    return new BrokerResolver(
        System::getenv,
        () -> tcpAnswers(new InetSocketAddress("localhost", 5672), PROBE_TIMEOUT),
        ContainerBroker::startIfDockerAvailable);
  }

  /**
   * Resolves the broker; may start a container, which lives until the JVM exits.
   *
   * @return an AMQP URI
   * @throws IllegalStateException with {@link #HOW_TO_GET_A_BROKER} when no source yields one
   */
  public String resolve() {
    String fromEnv = env.apply(ENV_URI);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv.strip();
    }
    if (localBrokerAnswers.getAsBoolean()) {
      return LOCAL_URI;
    }
    return container.get().orElseThrow(() -> new IllegalStateException(HOW_TO_GET_A_BROKER));
  }

  /**
   * Whether a TCP connection to the address opens within the timeout.
   *
   * @param address where to connect
   * @param timeout the connect timeout
   * @return true when the connect succeeded
   */
  public static boolean tcpAnswers(InetSocketAddress address, Duration timeout) {
    if (address.isUnresolved()) {
      return false;
    }
    try (Socket socket = new Socket()) {
      socket.connect(address, (int) timeout.toMillis());
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
