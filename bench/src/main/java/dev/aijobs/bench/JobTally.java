package dev.aijobs.bench;

import dev.aijobs.protocol.JobResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.HdrHistogram.Histogram;

/**
 * What came back for one provider's jobs in a two-provider scenario: each answer with when its job
 * was (meant to be) sent, its end-to-end latency, its error code and the time its deadline still
 * left. Thread-safe.
 */
final class JobTally {
  private static final long MAX_NANOS = TimeUnit.MINUTES.toNanos(30);

  /**
   * One job's answer.
   *
   * @param sentNanos when the job was meant to be sent, from the run's start
   * @param e2eNanos from then to its result
   * @param code the error code ({@code ok} for a completion; {@code not_published_REASON} when the
   *     broker did not take the job, e.g. during a resource alarm; {@code no_result} when the
   *     producer gave up waiting)
   * @param msLeft time to the job's deadline when the result came
   */
  record Answer(long sentNanos, long e2eNanos, String code, long msLeft) {
    boolean ok() {
      return code.equals("ok");
    }
  }

  private final String provider;
  private final long startNanos;
  private final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
  private final List<CompletableFuture<?>> pending = new ArrayList<>();

  JobTally(String provider, long startNanos) {
    this.provider = provider;
    this.startNanos = startNanos;
  }

  String provider() {
    return provider;
  }

  /** Records what {@code result} brings for a job meant to be sent at {@code intendedNanos}. */
  synchronized void track(
      CompletableFuture<JobResult> result, long intendedNanos, long deadlineMs) {
    pending.add(
        result.whenComplete(
            (r, e) -> {
              long now = System.nanoTime();
              String code = e != null ? "no_result" : r.isOk() ? "ok" : r.error().code().wireName();
              answers.add(
                  new Answer(
                      intendedNanos - startNanos,
                      now - intendedNanos,
                      code,
                      deadlineMs - System.currentTimeMillis()));
            }));
  }

  private static String failure(Throwable e) {
    Throwable t =
        e instanceof java.util.concurrent.CompletionException && e.getCause() != null
            ? e.getCause()
            : e;
    if (t instanceof dev.aijobs.sdk.PublishException p) {
      return "not_published_" + p.reason().name().toLowerCase(Locale.ROOT);
    }
    return "no_result";
  }

  /** Completes when every tracked job has its answer (or gave up). */
  synchronized CompletableFuture<Void> all() {
    return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
        .exceptionally(e -> null);
  }

  synchronized int submitted() {
    return pending.size();
  }

  List<Answer> answers() {
    return List.copyOf(answers);
  }

  long ok() {
    return answers.stream().filter(Answer::ok).count();
  }

  /** Answers that were not completions, by code. */
  Map<String, Long> failures() {
    Map<String, Long> out = new TreeMap<>();
    for (Answer a : answers) {
      if (!a.ok()) {
        out.merge(a.code(), 1L, Long::sum);
      }
    }
    return out;
  }

  /** Failed answers whose deadline still had at least {@code ms} left. */
  long failedWithTimeLeft(long ms) {
    return answers.stream().filter(a -> !a.ok() && a.msLeft() >= ms).count();
  }

  /** End-to-end latency of the answers matching {@code which} (every answer, failures included). */
  Histogram e2e(Predicate<Answer> which) {
    Histogram h = new Histogram(MAX_NANOS, 3);
    for (Answer a : answers) {
      if (which.test(a)) {
        h.recordValue(Math.min(MAX_NANOS, Math.max(0, a.e2eNanos())));
      }
    }
    return h;
  }

  /** "p50 / p95 / p99 / max" in ms of {@code h}, or "–" when empty. */
  static String percentiles(Histogram h) {
    if (h.getTotalCount() == 0) {
      return "– / – / – / –";
    }
    return String.format(
        Locale.ROOT,
        "%s / %s / %s / %s",
        ms(h.getValueAtPercentile(50)),
        ms(h.getValueAtPercentile(95)),
        ms(h.getValueAtPercentile(99)),
        ms(h.getMaxValue()));
  }

  /** Nanoseconds as milliseconds: whole above 100 ms, one decimal below. */
  static String ms(long nanos) {
    double v = nanos / 1e6;
    return v >= 100
        ? String.format(Locale.ROOT, "%,.0f", v)
        : String.format(Locale.ROOT, "%.1f", v);
  }

  /** The failures as "code n, code n", or "none". */
  String failureText() {
    Map<String, Long> f = failures();
    if (f.isEmpty()) {
      return "none";
    }
    StringBuilder sb = new StringBuilder();
    f.forEach(
        (code, n) -> sb.append(sb.length() == 0 ? "" : ", ").append(code).append(' ').append(n));
    return sb.toString();
  }
}
