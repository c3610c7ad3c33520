package dev.aijobs.testkit;

import com.rabbitmq.client.ConnectionFactory;
import dev.aijobs.testkit.internal.BrokerResolver;
import dev.aijobs.testkit.internal.Rabbitmqctl;
import java.net.URISyntaxException;
import java.security.GeneralSecurityException;
import java.time.Duration;

/**
 * The RabbitMQ broker integration tests run against, resolved once per JVM in this order:
 *
 * <ol>
 *   <li>the environment variable {@code RABBITMQ_URI}, used as is (not probed);
 *   <li>{@code amqp://guest:guest@localhost:5672/%2F} (vhost {@code /}) when a TCP connect to
 *       localhost:5672 succeeds within 1 s;
 *   <li>a Testcontainers {@code rabbitmq:3.13-management} container, only when the optional
 *       Testcontainers dependency is on the class path and reports Docker available; it runs until
 *       the JVM exits;
 *   <li>otherwise {@link #uri()} throws an {@link IllegalStateException} saying how to get a broker
 *       ({@code rabbitmq-server -detached}, {@code apt-get install -y rabbitmq-server}, {@code
 *       docker run -p 5672:5672 rabbitmq:3.13}, or setting {@code RABBITMQ_URI}). Tests are never
 *       skipped silently.
 * </ol>
 *
 * The outcome, a failure included, is cached for the JVM's lifetime. Thread-safe.
 */
public final class TestBroker {

  /** The default time {@link #rabbitmqctl(String...)} may run. */
  public static final Duration DEFAULT_RABBITMQCTL_TIMEOUT = Duration.ofSeconds(30);

  private static String uri;
  private static IllegalStateException failure;

  private TestBroker() {}

  /**
   * Returns the broker's AMQP URI, resolving it on the first call (which may take a second for the
   * local probe, or longer when a container has to start).
   *
   * @return an AMQP URI such as {@code amqp://guest:guest@localhost:5672/%2F}
   * @throws IllegalStateException when no broker can be found, with instructions
   */
  public static synchronized String uri() {
    if (uri == null && failure == null) {
      try {
        uri = BrokerResolver.system().resolve();
      } catch (IllegalStateException e) {
        failure = e;
      }
    }
    if (failure != null) {
      throw new IllegalStateException(failure.getMessage(), failure);
    }
    return uri;
  }

  /**
   * Returns a new connection factory pointing at {@link #uri()}; each call gives a fresh, mutable
   * factory the caller may configure further.
   *
   * @return the factory
   * @throws IllegalStateException when no broker can be found or the URI is invalid
   */
  public static ConnectionFactory connectionFactory() {
    String resolved = uri();
    ConnectionFactory factory = new ConnectionFactory();
    try {
      factory.setUri(resolved);
    } catch (URISyntaxException | GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalStateException("invalid broker URI from " + BrokerResolver.ENV_URI, e);
    }
    return factory;
  }

  /**
   * Runs {@code rabbitmqctl} (from the {@code PATH}, else {@code /usr/sbin/rabbitmqctl}) against
   * the local node, e.g. {@code rabbitmqctl("close_all_connections", "test")}, waiting at most
   * {@link #DEFAULT_RABBITMQCTL_TIMEOUT}. It acts on the local node only, which is the test broker
   * only when {@link #uri()} resolved to localhost.
   *
   * @param args the arguments
   * @return its standard output
   * @throws IllegalStateException when it is missing, times out or exits non-zero (with its
   *     standard error)
   */
  public static String rabbitmqctl(String... args) {
    return rabbitmqctl(DEFAULT_RABBITMQCTL_TIMEOUT, args);
  }

  /**
   * Like {@link #rabbitmqctl(String...)} with an explicit timeout.
   *
   * @param timeout how long it may run before it is killed
   * @param args the arguments
   * @return its standard output
   */
  public static String rabbitmqctl(Duration timeout, String... args) {
    return Rabbitmqctl.run(timeout, args);
  }
}
