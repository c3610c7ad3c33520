package dev.aijobs.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aijobs.protocol.JobCodec;
import dev.aijobs.protocol.JobRequest;
import dev.aijobs.testkit.MockUpstream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Scenario (f), head-of-line blocking: 3,000 jobs for a provider whose upstream takes 20 s are
 * published, then 200 for a provider that answers at once; the fast provider's end-to-end latency
 * is measured with lanes off (one queue: its jobs wait behind the slow backlog that the worker's
 * in-flight budget cannot hold) and on (a queue and an in-flight limit per provider). The worker
 * runs with its default {@code AIJOBS_MAX_IN_FLIGHT} (2,000), so the slow jobs fill it.
 */
final class HeadOfLine {
  static final int SLOW_JOBS = 3_000;
  static final int FAST_JOBS = 200;
  static final int SLOW_LATENCY_MS = 20_000;
  static final int WARM_UP_JOBS = 2_000;

  /** The worker's default {@code AIJOBS_MAX_IN_FLIGHT}: the slow calls that fill it. */
  static final int BUDGET = 2_000;

  private static final long DEADLINE_MS = Duration.ofMinutes(5).toMillis();
  private static final Duration MAX_WAIT = Duration.ofMinutes(4);

  private HeadOfLine() {}

  /** One run's figures. */
  private record Figures(
      boolean lanes,
      boolean brokerBlocked,
      String fastInsideWorker,
      JobTally slow,
      JobTally fast,
      double filledSeconds,
      int slowCalling,
      double lastFastSeconds,
      double allSeconds,
      long maxInFlight,
      long maxSlowLaneInFlight,
      long slowCalls,
      long fastCalls,
      long peakRssMb) {}

  /** Runs with lanes off, then on (or as {@code --lanes} says); returns the report section. */
  static String run(BenchMain.Options o) throws Exception {
    List<Figures> runs = new java.util.ArrayList<>();
    for (boolean lanes : o.lanes) {
      runs.add(once(o, lanes));
    }
    StringBuilder md = new StringBuilder();
    md.append(
        String.format(
            Locale.ROOT,
            "%,d jobs for provider `slow` (upstream latency %,d ms) published; once %,d `slow`"
                + " calls are in progress at its upstream (the worker's in-flight budget is full),"
                + " %,d jobs for `fast` (upstream answers at once). Worker defaults"
                + " (`AIJOBS_MAX_IN_FLIGHT` 2,000; with lanes each lane's limit between 200 and"
                + " 2,000), after a warm-up of %,d `fast` jobs. Latency is from each job's publish"
                + " to its result.%n%n",
            SLOW_JOBS,
            SLOW_LATENCY_MS,
            BUDGET,
            FAST_JOBS,
            WARM_UP_JOBS));
    md.append(
        "| lanes | `slow` calls in progress when `fast` published (after) | `fast` answered ok |"
            + " `fast` p50 / p95 / p99 / max ms | last `fast` answer, after their publish |"
            + " `slow` answered ok | `slow` p50 / max s | all answered after | worker jobs in"
            + " flight, max | `slow` calls / `fast` calls | failures | worker peak RSS MB |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Figures f : runs) {
      Histogram slow = f.slow().e2e(a -> true);
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %,d (%.1f s) | %,d / %,d | %s | %.1f s | %,d / %,d | %.1f / %.1f | %.1f s |"
                  + " %,d%s | %,d / %,d | %s | %d |%n",
              f.lanes() ? "on" : "off",
              f.slowCalling(),
              f.filledSeconds(),
              f.fast().ok(),
              FAST_JOBS,
              JobTally.percentiles(f.fast().e2e(a -> true)),
              f.lastFastSeconds(),
              f.slow().ok(),
              SLOW_JOBS,
              slow.getTotalCount() == 0 ? 0 : slow.getValueAtPercentile(50) / 1e9,
              slow.getTotalCount() == 0 ? 0 : slow.getMaxValue() / 1e9,
              f.allSeconds(),
              f.maxInFlight(),
              f.lanes() ? " (`slow` lane " + f.maxSlowLaneInFlight() + ")" : "",
              f.slowCalls(),
              f.fastCalls(),
              failures(f),
              f.peakRssMb()));
    }
    for (Figures f : runs) {
      if (f.brokerBlocked()) {
        md.append(
            "\n**Disturbed:** the broker was in a resource alarm during the run with lanes "
                + (f.lanes() ? "on" : "off")
                + " (the worker's `aijobs_amqp_blocked`); its figures do not count.\n");
      }
    }
    md.append(
        "\nWhere the `fast` jobs' time went, from the worker's own timers (means over the 200):\n\n");
    for (Figures f : runs) {
      md.append("- lanes ")
          .append(f.lanes() ? "on" : "off")
          .append(": ")
          .append(f.fastInsideWorker())
          .append('\n');
    }
    md.append('\n');
    return md.toString();
  }

  private static String failures(Figures f) {
    String s = f.slow().failureText();
    String q = f.fast().failureText();
    return s.equals("none") && q.equals("none") ? "none" : "slow: " + s + "; fast: " + q;
  }

  /** Means of the worker's timers for {@code provider} over the jobs between two scrapes. */
  static String insideWorker(String before, String after, String provider) {
    return String.format(
        Locale.ROOT,
        "waiting in the broker (publish to consume) %s; provider call %s; in the worker (consume"
            + " to result confirmed) %s",
        timer(before, after, "aijobs_job_queue_wait_seconds", provider),
        timer(before, after, "aijobs_attempt_duration_seconds", provider),
        timer(before, after, "aijobs_job_duration_seconds", provider));
  }

  private static String timer(String before, String after, String name, String provider) {
    double sum = delta(before, after, name + "_sum", provider);
    double count = delta(before, after, name + "_count", provider);
    return count <= 0 ? "n/a" : String.format(Locale.ROOT, "%,.0f ms", sum / count * 1000);
  }

  private static double delta(String before, String after, String name, String provider) {
    return Metrics.gauge(after, name, provider).orElse(0)
        - Metrics.gauge(before, name, provider).orElse(0);
  }

  private static Figures once(BenchMain.Options o, boolean lanes) throws Exception {
    String label = "lanes " + (lanes ? "on" : "off");
    System.err.println("  (f) " + label);
    try (MockUpstream slowUp =
            MockUpstream.start(
                MockUpstream.Options.builder()
                    .latency(Duration.ofMillis(SLOW_LATENCY_MS))
                    .ioThreads(1)
                    .build());
        MockUpstream fastUp =
            MockUpstream.start(MockUpstream.Options.builder().ioThreads(1).build());
        LaneWorker worker =
            LaneWorker.start(
                o,
                lanes,
                List.of("slow", "fast"),
                Map.of(
                    "AIJOBS_PROVIDER_SLOW_BASE_URL", slowUp.baseUrl(),
                    "AIJOBS_PROVIDER_FAST_BASE_URL", fastUp.baseUrl()),
                "worker-f-lanes-" + (lanes ? "on" : "off") + ".log");
        SdkSender sender = new SdkSender(o.uri, 10_000)) {
      JobCodec codec = new JobCodec();
      String run = "f-" + (lanes ? "on" : "off") + "-" + Long.toString(System.nanoTime(), 36);
      LaneWorker.warmUp(sender, n -> job(codec, run + "-w-" + n, "fast"), WARM_UP_JOBS, 200);
      fastUp.reset();
      String before = worker.metrics();

      AtomicLong maxInFlight = new AtomicLong();
      java.util.concurrent.atomic.AtomicBoolean blocked =
          new java.util.concurrent.atomic.AtomicBoolean();
      AtomicLong maxSlowLane = new AtomicLong();
      ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
      long start = System.nanoTime();
      JobTally slow = new JobTally("slow", start);
      JobTally fast = new JobTally("fast", start);
      sampler.scheduleAtFixedRate(
          () -> {
            String m = worker.metrics();
            if (LaneWorker.brokerBlocked(m)) {
              blocked.set(true);
            }
            Metrics.value(m, "aijobs_jobs_in_flight")
                .ifPresent(v -> maxInFlight.accumulateAndGet((long) v, Math::max));
            Metrics.gauge(m, "aijobs_lane_in_flight", "slow")
                .ifPresent(v -> maxSlowLane.accumulateAndGet((long) v, Math::max));
            System.err.printf(
                "  %-22s slow %,d / %,d  fast %,d / %,d answered%n",
                label, slow.answers().size(), SLOW_JOBS, fast.answers().size(), FAST_JOBS);
          },
          1,
          1,
          TimeUnit.SECONDS);
      try {
        for (int i = 0; i < SLOW_JOBS; i++) {
          JobRequest j = job(codec, run + "-s-" + i, "slow");
          long sent = System.nanoTime();
          slow.track(sender.submit(j), sent, j.deadlineMs());
        }
        // The fast jobs come once the slow ones hold the worker's in-flight budget.
        long fillEnd = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (slowUp.inFlight("bench") < BUDGET && System.nanoTime() < fillEnd) {
          Thread.sleep(20);
        }
        double filled = (System.nanoTime() - start) / 1e9;
        int slowCalling = slowUp.inFlight("bench");
        System.err.printf(
            "  %d slow calls in progress %.1f s after the first slow job; publishing the fast"
                + " jobs%n",
            slowCalling, filled);
        long fastStart = System.nanoTime();
        for (int i = 0; i < FAST_JOBS; i++) {
          JobRequest j = job(codec, run + "-f-" + i, "fast");
          long sent = System.nanoTime();
          fast.track(sender.submit(j), sent, j.deadlineMs());
        }
        fast.all().get(MAX_WAIT.toSeconds(), TimeUnit.SECONDS);
        double lastFast = (System.nanoTime() - fastStart) / 1e9;
        slow.all().get(MAX_WAIT.toSeconds(), TimeUnit.SECONDS);
        double all = (System.nanoTime() - start) / 1e9;
        Histogram fh = fast.e2e(a -> true);
        System.err.printf(
            "  (f) %s: fast p50/p95/p99/max %s ms, ok %d/%d; slow ok %d/%d; all in %.1f s%n",
            label, JobTally.percentiles(fh), fast.ok(), FAST_JOBS, slow.ok(), SLOW_JOBS, all);
        String after = worker.metrics();
        java.nio.file.Files.writeString(
            o.outDir.resolve("worker-f-lanes-" + (lanes ? "on" : "off") + ".metrics.txt"), after);
        return new Figures(
            lanes,
            blocked.get(),
            insideWorker(before, after, "fast"),
            slow,
            fast,
            filled,
            slowCalling,
            lastFast,
            all,
            maxInFlight.get(),
            maxSlowLane.get(),
            slowUp.requestCount(),
            fastUp.requestCount(),
            worker.peakRssMb());
      } finally {
        sampler.shutdownNow();
      }
    }
  }

  private static JobRequest job(JobCodec codec, String id, String provider) {
    ObjectNode msg = codec.newObject().put("role", "user").put("content", "benchmark job " + id);
    long now = System.currentTimeMillis();
    return new JobRequest(
        1,
        id,
        provider,
        "bench",
        List.of(),
        List.of(msg),
        null,
        false,
        now,
        now + DEADLINE_MS,
        null);
  }
}
