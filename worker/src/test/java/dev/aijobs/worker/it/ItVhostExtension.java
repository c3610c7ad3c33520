package dev.aijobs.worker.it;

import dev.aijobs.testkit.TestBroker;
import java.net.URI;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives every integration test class (a class named {@code *IT}) a vhost of its own on the test
 * broker, created before the class and deleted after it. Registered for all test classes through
 * {@code META-INF/services} (JUnit's extension auto-detection); other classes are left alone.
 */
public final class ItVhostExtension implements BeforeAllCallback, AfterAllCallback {
  @Override
  public void beforeAll(ExtensionContext context) {
    Class<?> test = context.getRequiredTestClass();
    if (!test.getSimpleName().endsWith("IT") || test.getEnclosingClass() != null) {
      return;
    }
    String vhost =
        "aijobs-it-" + test.getSimpleName().toLowerCase() + "-" + ProcessHandle.current().pid();
    String user = URI.create(TestBroker.uri()).getUserInfo().split(":", 2)[0];
    TestBroker.rabbitmqctl("add_vhost", vhost);
    TestBroker.rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*");
    ItBroker.use(vhost);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    Class<?> test = context.getRequiredTestClass();
    if (!test.getSimpleName().endsWith("IT") || test.getEnclosingClass() != null) {
      return;
    }
    String vhost = ItBroker.vhost();
    ItBroker.use(null);
    TestBroker.rabbitmqctl("delete_vhost", vhost);
  }
}
