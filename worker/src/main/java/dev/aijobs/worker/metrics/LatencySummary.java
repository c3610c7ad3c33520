package dev.aijobs.worker.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one log line per provider with the job count and p50/p95/p99 of end-to-end job duration
 * over the last interval, read from the histogram buckets (so each figure is a bucket bound: "at
 * most"). Called periodically from one thread.
 */
public final class LatencySummary implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(LatencySummary.class);

  private final MeterRegistry registry;
  private final Map<String, double[]> previous = new HashMap<>();

  public LatencySummary(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void run() {
    Map<String, TreeMap<Double, Double>> byProvider = new TreeMap<>();
    for (Timer t : registry.find(WorkerMetrics.JOB_DURATION).timers()) {
      String provider = t.getId().getTag("provider");
      TreeMap<Double, Double> acc = byProvider.computeIfAbsent(provider, p -> new TreeMap<>());
      for (CountAtBucket c : t.takeSnapshot().histogramCounts()) {
        acc.merge(c.bucket(TimeUnit.MILLISECONDS), c.count(), Double::sum);
      }
    }
    byProvider.forEach(this::logProvider);
  }

  private void logProvider(String provider, TreeMap<Double, Double> cumulative) {
    double[] bounds = cumulative.keySet().stream().mapToDouble(Double::doubleValue).toArray();
    double[] now = cumulative.values().stream().mapToDouble(Double::doubleValue).toArray();
    double[] before = previous.get(provider);
    previous.put(provider, now);
    double[] delta = new double[now.length];
    for (int i = 0; i < now.length; i++) {
      delta[i] = now[i] - (before != null && before.length == now.length ? before[i] : 0);
    }
    double total = delta.length == 0 ? 0 : delta[delta.length - 1];
    if (total <= 0) {
      return;
    }
    log.info(
        String.format(
            Locale.ROOT,
            "latency provider=%s jobs=%d p50<=%s p95<=%s p99<=%s",
            provider,
            (long) total,
            fmt(quantile(bounds, delta, total, 0.50)),
            fmt(quantile(bounds, delta, total, 0.95)),
            fmt(quantile(bounds, delta, total, 0.99))));
  }

  static double quantile(double[] bounds, double[] cumulative, double total, double q) {
    double rank = q * total;
    for (int i = 0; i < bounds.length; i++) {
      if (cumulative[i] >= rank) {
        return bounds[i];
      }
    }
    return Double.POSITIVE_INFINITY;
  }

  private static String fmt(double ms) {
    if (Double.isInfinite(ms)) {
      return "inf";
    }
    return ms >= 1000 ? String.format(Locale.ROOT, "%.1fs", ms / 1000) : Math.round(ms) + "ms";
  }
}
