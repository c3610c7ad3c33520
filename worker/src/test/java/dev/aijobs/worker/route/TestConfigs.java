package dev.aijobs.worker.route;

import dev.aijobs.worker.config.ConfigLoader;
import dev.aijobs.worker.config.ConfigSource;
import dev.aijobs.worker.config.WorkerConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/** Worker configurations built the way the worker builds them: from environment variables. */
final class TestConfigs {
  private TestConfigs() {}

  /** A config from {@code key, value, key, value, ...}. */
  static WorkerConfig load(String... kv) {
    if (kv.length % 2 != 0) {
      throw new IllegalArgumentException("keys and values must come in pairs");
    }
    Map<String, String> env = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      env.put(kv[i], kv[i + 1]);
    }
    return ConfigLoader.load(ConfigSource.of(env));
  }
}
