package dev.aijobs.worker.it;

import static org.awaitility.Awaitility.await;

import dev.aijobs.testkit.MockUpstream;
import dev.aijobs.worker.Worker;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The set-up most integration test classes share, as a JUnit 5 extension: before the class, the
 * mock upstream, a worker in this JVM (provider {@code mock} on the mock, in the class's own vhost,
 * with the class's extra settings) and the bot side, the queues emptied and the worker ready; after
 * the class, all closed. Register it with {@code @RegisterExtension static final WorkerRig RIG =
 * WorkerRig.withEnv(...)}, or with {@link #with} when the settings depend on the mock upstream or
 * on other resources the class starts before the worker (proxies, a second upstream: {@link #own}
 * closes them after the class). Tests use {@link #upstream()}, {@link #worker()} and {@link
 * #bot()}; {@link #restartWorker} swaps the worker for one with other settings.
 */
public final class WorkerRig implements BeforeAllCallback, AfterAllCallback {
  /** A class's part of the set-up: adds to the worker's settings, may start and own resources. */
  @FunctionalInterface
  interface Configure {
    /**
     * Adds to {@code env}, the worker's settings; {@code rig} has the mock upstream already and
     * takes ownership of what the class starts for its tests ({@link WorkerRig#own}).
     */
    void configure(Map<String, String> env, WorkerRig rig) throws Exception;
  }

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);

  private final Configure configure;

  /** What the class started through {@link #own}, closed last-first after the worker. */
  private final Deque<AutoCloseable> owned = new ArrayDeque<>();

  private Map<String, String> env;
  private MockUpstream upstream;
  private Worker worker;
  private BotSide bot;

  private WorkerRig(Configure configure) {
    this.configure = configure;
  }

  /**
   * A rig whose worker settings {@code configure} adds to, knowing the mock upstream; it may start
   * further resources before the worker and hand them to {@link #own}.
   */
  static WorkerRig with(Configure configure) {
    return new WorkerRig(configure);
  }

  /** A rig whose worker also gets these settings ({@code key, value, key, value, ...}). */
  static WorkerRig withEnv(String... keyValues) {
    if (keyValues.length % 2 != 0) {
      throw new IllegalArgumentException("settings come in pairs: key, value, ...");
    }
    Map<String, String> extra = new LinkedHashMap<>();
    for (int i = 0; i + 1 < keyValues.length; i += 2) {
      extra.put(keyValues[i], keyValues[i + 1]);
    }
    return new WorkerRig((env, rig) -> env.putAll(extra));
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    BotSide.resetQueues();
    upstream = MockUpstream.start();
    Map<String, String> e = Workers.env(upstream);
    configure.configure(e, this);
    env = Map.copyOf(e);
    worker = startWorker(env);
    bot = new BotSide();
  }

  /**
   * Closes {@code resource} after the class, after the worker and before the mock upstream (what
   * was owned last is closed first); returns it. For use in {@link Configure#configure}.
   */
  <T extends AutoCloseable> T own(T resource) {
    owned.push(resource);
    return resource;
  }

  /**
   * Closes the worker and starts a new one with the class's settings changed by {@code change}
   * (nothing changed: the class's own worker again), ready when this returns. The mock upstream,
   * the bot side and owned resources stay.
   */
  Worker restartWorker(Consumer<Map<String, String>> change) throws Exception {
    Worker old = worker;
    worker = null;
    if (old != null) {
      old.close();
    }
    Map<String, String> e = new HashMap<>(env);
    change.accept(e);
    worker = startWorker(e);
    return worker;
  }

  private static Worker startWorker(Map<String, String> env) throws Exception {
    Worker w = Worker.start(Workers.config(env));
    try {
      await().atMost(READY_TIMEOUT).until(w::isReady);
    } catch (RuntimeException | Error e) {
      w.close();
      throw e;
    }
    return w;
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    Exception failure = null;
    Deque<AutoCloseable> parts = new ArrayDeque<>();
    parts.add(nullSafe(bot));
    parts.add(nullSafe(worker));
    parts.addAll(owned);
    parts.add(nullSafe(upstream));
    for (AutoCloseable part : parts) {
      try {
        part.close();
      } catch (Exception e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    owned.clear();
    bot = null;
    worker = null;
    upstream = null;
    if (failure != null) {
      throw failure;
    }
  }

  private static AutoCloseable nullSafe(AutoCloseable part) {
    return part == null ? () -> {} : part;
  }

  /** The mock upstream (provider {@code mock}'s base URL). */
  MockUpstream upstream() {
    return upstream;
  }

  /** The worker running now (a new one after {@link #restartWorker}). */
  Worker worker() {
    return worker;
  }

  BotSide bot() {
    return bot;
  }
}
