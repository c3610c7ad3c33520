package dev.aijobs.worker.it;

import dev.aijobs.testkit.MockUpstream;
import dev.aijobs.worker.Worker;
import dev.aijobs.worker.config.ConfigLoader;
import dev.aijobs.worker.config.ConfigSource;
import dev.aijobs.worker.config.WorkerConfig;
import java.util.HashMap;
import java.util.Map;

/**
 * Builds worker configurations for integration tests: provider {@code mock} on the mock upstream.
 */
final class Workers {
  private Workers() {}

  /** Environment for a worker (in-process or as a process) against the test broker and mock. */
  static Map<String, String> env(MockUpstream upstream) {
    Map<String, String> env = env();
    env.put("AIJOBS_PROVIDER_MOCK_BASE_URL", upstream.baseUrl());
    return env;
  }

  /** Environment for a worker against the test broker, without providers (the caller adds them). */
  static Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("AIJOBS_AMQP_URI", ItBroker.uri());
    env.put("AIJOBS_HTTP_HOST", "127.0.0.1");
    env.put("AIJOBS_HTTP_PORT", "0");
    env.put("AIJOBS_SUMMARY_INTERVAL", "0s");
    env.put("AIJOBS_DRAIN_TIMEOUT", "10s");
    // No start-up warm-up: these tests start many workers, and what it speeds up is measured by
    // the bench (ShippedSettingsIT runs the shipped default).
    env.put("AIJOBS_WARM_UP_JOBS", "0");
    return env;
  }

  static WorkerConfig config(Map<String, String> env) {
    return ConfigLoader.load(ConfigSource.of(env));
  }

  /** Closes each of {@code parts} that is not null, in order (a test class's teardown). */
  static void closeAll(AutoCloseable... parts) throws Exception {
    for (AutoCloseable part : parts) {
      if (part != null) {
        part.close();
      }
    }
  }

  static Worker start(MockUpstream upstream) throws Exception {
    return Worker.start(config(env(upstream)));
  }
}
