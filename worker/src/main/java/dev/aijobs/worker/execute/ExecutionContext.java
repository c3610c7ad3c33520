package dev.aijobs.worker.execute;

import dev.aijobs.worker.config.ProviderConfig;
import dev.aijobs.worker.config.WorkerConfig;
import dev.aijobs.worker.metrics.WorkerMetrics;
import dev.aijobs.worker.route.ProviderGuards;
import dev.aijobs.worker.route.RetryPolicy;
import io.netty.util.Timer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;

/** What every job run shares: configuration, HTTP client, guards, key pools, clocks, metrics. */
final class ExecutionContext {
  private final WorkerConfig config;
  private final UpstreamClient upstream;
  private final ProviderGuards guards;
  private final RetryPolicy retryPolicy;
  private final Map<String, KeyPool> keys = new HashMap<>();
  private final Timer timer;
  private final Executor executor;
  private final WorkerMetrics metrics;

  ExecutionContext(
      WorkerConfig config,
      UpstreamClient upstream,
      ProviderGuards guards,
      Timer timer,
      Executor executor,
      WorkerMetrics metrics) {
    this.config = config;
    this.upstream = upstream;
    this.guards = guards;
    this.retryPolicy =
        new RetryPolicy(
            config.retry().baseDelay(), config.retry().maxDelay(), config.retry().maxAttempts());
    this.timer = timer;
    this.executor = executor;
    this.metrics = metrics;
    for (ProviderConfig p : config.providers().values()) {
      keys.put(p.id(), new KeyPool(p.apiKeys()));
    }
  }

  WorkerConfig config() {
    return config;
  }

  UpstreamClient upstream() {
    return upstream;
  }

  ProviderGuards guards() {
    return guards;
  }

  RetryPolicy retryPolicy() {
    return retryPolicy;
  }

  KeyPool keys(String provider) {
    return keys.get(provider);
  }

  Timer timer() {
    return timer;
  }

  /** Where attempts start: off the I/O threads, since starting a call may resolve a name. */
  Executor executor() {
    return executor;
  }

  WorkerMetrics metrics() {
    return metrics;
  }
}
