package dev.aijobs.worker.it;

import static org.awaitility.Awaitility.await;

import dev.aijobs.testkit.MockUpstream;
import dev.aijobs.worker.Worker;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The set-up most integration test classes share, as a JUnit 5 extension: before the class, the
 * mock upstream, a worker in this JVM (provider {@code mock} on the mock, in the class's own vhost,
 * with the class's extra settings) and the bot side, the queues emptied and the worker ready; after
 * the class, all closed. Register it with {@code @RegisterExtension static final WorkerRig RIG =
 * WorkerRig.withEnv(...)}.
 */
public final class WorkerRig implements BeforeAllCallback, AfterAllCallback {
  private final Map<String, String> extra;
  private final java.util.function.BiConsumer<Map<String, String>, MockUpstream> configure;
  private MockUpstream upstream;
  private Worker worker;
  private BotSide bot;

  private WorkerRig(
      Map<String, String> extra,
      java.util.function.BiConsumer<Map<String, String>, MockUpstream> configure) {
    this.extra = extra;
    this.configure = configure;
  }

  /** A rig whose worker settings {@code configure} adds to, knowing the mock upstream. */
  static WorkerRig with(
      java.util.function.BiConsumer<Map<String, String>, MockUpstream> configure) {
    return new WorkerRig(Map.of(), configure);
  }

  /** A rig whose worker also gets these settings ({@code key, value, key, value, ...}). */
  static WorkerRig withEnv(String... keyValues) {
    Map<String, String> extra = new LinkedHashMap<>();
    for (int i = 0; i + 1 < keyValues.length; i += 2) {
      extra.put(keyValues[i], keyValues[i + 1]);
    }
    return new WorkerRig(extra, (env, upstream) -> {});
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    BotSide.resetQueues();
    upstream = MockUpstream.start();
    Map<String, String> env = Workers.env(upstream);
    env.putAll(extra);
    configure.accept(env, upstream);
    worker = Worker.start(Workers.config(env));
    bot = new BotSide();
    await().atMost(Duration.ofSeconds(10)).until(worker::isReady);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    Workers.closeAll(bot, worker, upstream);
  }

  MockUpstream upstream() {
    return upstream;
  }

  Worker worker() {
    return worker;
  }

  BotSide bot() {
    return bot;
  }
}
