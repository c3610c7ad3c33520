package dev.aijobs.worker.execute;

import dev.aijobs.worker.config.ProviderConfig;
import dev.aijobs.worker.config.WorkerConfig;
import dev.aijobs.worker.metrics.WorkerMetrics;
import dev.aijobs.worker.route.Clock;
import dev.aijobs.worker.route.ProviderFeedback;
import dev.aijobs.worker.route.ProviderGuards;
import dev.aijobs.worker.route.Router;
import io.netty.util.Timer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;

/** What every job run shares: configuration, upstream, router, key pools, clocks, metrics. */
final class ExecutionContext {
  private final WorkerConfig config;
  private final Upstream upstream;
  private final Router router;
  private final Map<String, KeyPool> keys = new HashMap<>();
  private final Timer timer;
  private final Clock clock;
  private final Executor executor;
  private final WorkerMetrics metrics;
  private final ProviderFeedback feedback;

  ExecutionContext(
      WorkerConfig config,
      Upstream upstream,
      ProviderGuards guards,
      Timer timer,
      Clock clock,
      Executor executor,
      WorkerMetrics metrics,
      ProviderFeedback feedback) {
    this.feedback = feedback;
    this.config = config;
    this.upstream = upstream;
    this.router =
        new Router(
            guards,
            config.retry().baseDelay(),
            config.retry().maxDelay(),
            config.retry().maxAttempts());
    this.timer = timer;
    this.clock = clock;
    this.executor = executor;
    this.metrics = metrics;
    for (ProviderConfig p : config.providers().values()) {
      keys.put(p.id(), new KeyPool(p.apiKeys(), clock));
    }
  }

  WorkerConfig config() {
    return config;
  }

  Upstream upstream() {
    return upstream;
  }

  Router router() {
    return router;
  }

  KeyPool keys(String provider) {
    return keys.get(provider);
  }

  /** Every clock of a job (watchdog, backoff, rate-limit and breaker waits, chunk flushes). */
  Timer timer() {
    return timer;
  }

  Clock clock() {
    return clock;
  }

  /** Where attempts start: off the I/O threads, since starting a call may resolve a name. */
  Executor executor() {
    return executor;
  }

  /** Where a provider's answers and overload go (its lane adapts to them). */
  ProviderFeedback feedback() {
    return feedback;
  }

  WorkerMetrics metrics() {
    return metrics;
  }
}
