package dev.aijobs.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.aijobs.protocol.JobCodec;
import dev.aijobs.protocol.JobRequest;
import dev.aijobs.protocol.Topology;
import dev.aijobs.testkit.MockUpstream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Scenario (g), a 429 storm, with lanes on: provider {@code storm} answers every call 429 with
 * {@code Retry-After: 2} for its first 10 s, then normally after 1 s, but never more than {@value
 * #CAPACITY} calls at once (429 at once beyond: the mock upstream's {@code max-concurrent});
 * provider {@code steady} answers at once. Both get jobs at a fixed rate for 60 s (open loop).
 * Reported: the calls the storm provider saw each second and at most at once, the worker's lane
 * gauges each second (limit, in flight, paused) and the jobs waiting in each lane, what failed and
 * with how much time left, and the steady provider's latency during and after the storm. Worker
 * defaults (each lane's limit between 200 and 2,000).
 */
final class RateLimitStorm {
  static final int STORM_RATE = 100;
  static final int STEADY_RATE = 50;
  static final int SECONDS = 60;
  static final int STORM_LATENCY_MS = 1_000;
  static final int CAPACITY = 250;
  static final int STORM_MS = 10_000;
  static final int RETRY_AFTER_S = 2;
  private static final long DEADLINE_MS = Duration.ofSeconds(120).toMillis();

  /** The storm provider's model: 429s for the window (answered at once), then its capacity. */
  static final String STORM_MODEL =
      "bench;mock:status=429;mock:retry-after="
          + RETRY_AFTER_S
          + ";mock:latency=0;mock:for="
          + STORM_MS
          + ";mock:max-concurrent="
          + CAPACITY;

  private RateLimitStorm() {}

  /** One second of the run. */
  private record Second(
      int t,
      long calls,
      long overLimit,
      int maxConcurrent,
      String limit,
      String inFlight,
      String paused,
      long waiting,
      long consumers,
      String steadyLimit,
      long steadyWaiting) {}

  static String run(BenchMain.Options o) throws Exception {
    System.err.println("  (g) lanes on");
    try (MockUpstream stormUp =
            MockUpstream.start(
                MockUpstream.Options.builder()
                    .latency(Duration.ofMillis(STORM_LATENCY_MS))
                    .ioThreads(1)
                    .build());
        MockUpstream steadyUp =
            MockUpstream.start(MockUpstream.Options.builder().ioThreads(1).build());
        LaneWorker worker =
            LaneWorker.start(
                o,
                true,
                List.of("storm", "steady"),
                Map.of(
                    "AIJOBS_PROVIDER_STORM_BASE_URL",
                    stormUp.baseUrl(),
                    "AIJOBS_PROVIDER_STORM_API_KEY",
                    "bench-storm-key",
                    "AIJOBS_PROVIDER_STEADY_BASE_URL",
                    steadyUp.baseUrl(),
                    "AIJOBS_PROVIDER_STEADY_API_KEY",
                    "bench-steady-key"),
                "worker-g.log");
        SdkSender sender = new SdkSender(o.uri, 10_000);
        Connection probe = probe(o.uri)) {
      JobCodec codec = new JobCodec();
      String run = "g-" + Long.toString(System.nanoTime(), 36);
      LaneWorker.warmUp(sender, n -> job(codec, run + "-w-" + n, "steady", "bench"), 2_000, 200);
      java.util.concurrent.atomic.AtomicBoolean blocked =
          new java.util.concurrent.atomic.AtomicBoolean();

      long start = System.nanoTime();
      long startWall = System.currentTimeMillis();
      java.util.concurrent.atomic.AtomicLong firstCall =
          new java.util.concurrent.atomic.AtomicLong();
      JobTally storm = new JobTally("storm", start);
      JobTally steady = new JobTally("steady", start);
      List<Second> timeline = new ArrayList<>();
      AtomicInteger maxConcurrent = new AtomicInteger();
      long[] last = new long[2];
      ScheduledExecutorService sampler = Executors.newScheduledThreadPool(2);
      sampler.scheduleAtFixedRate(
          () -> {
            maxConcurrent.accumulateAndGet(stormUp.inFlight(STORM_MODEL), Math::max);
            if (firstCall.get() == 0 && stormUp.requestCount(STORM_MODEL) > 0) {
              firstCall.set(System.nanoTime() - start);
            }
          },
          0,
          10,
          TimeUnit.MILLISECONDS);
      sampler.scheduleAtFixedRate(
          () -> {
            String m = worker.metrics();
            if (LaneWorker.brokerBlocked(m)) {
              blocked.set(true);
            }
            long calls = stormUp.requestCount(STORM_MODEL);
            long over = stormUp.overLimitCount(STORM_MODEL);
            LaneWorker.QueueState lane = LaneWorker.queue(probe, Topology.laneQueue("storm"));
            Second s =
                new Second(
                    timeline.size() + 1,
                    calls - last[0],
                    over - last[1],
                    maxConcurrent.getAndSet(stormUp.inFlight(STORM_MODEL)),
                    text(Metrics.gauge(m, "aijobs_lane_limit", "storm")),
                    text(Metrics.gauge(m, "aijobs_lane_in_flight", "storm")),
                    text(Metrics.gauge(m, "aijobs_lane_paused", "storm")),
                    lane.waiting(),
                    lane.consumers(),
                    text(Metrics.gauge(m, "aijobs_lane_limit", "steady")),
                    LaneWorker.queue(probe, Topology.laneQueue("steady")).waiting());
            last[0] = calls;
            last[1] = over;
            synchronized (timeline) {
              timeline.add(s);
            }
            if (s.t() % 2 == 0) {
              System.err.printf(
                  "  t=%3ds storm: %,d answered, %d calls/s (%d over %d), limit %s, in flight %s,"
                      + " paused %s, waiting %d, consumers %d; steady: %,d answered%n",
                  s.t(),
                  storm.answers().size(),
                  s.calls(),
                  s.overLimit(),
                  CAPACITY,
                  s.limit(),
                  s.inFlight(),
                  s.paused(),
                  s.waiting(),
                  s.consumers(),
                  steady.answers().size());
            }
          },
          1000,
          1000,
          TimeUnit.MILLISECONDS);
      try {
        drive(codec, run, sender, storm, steady, start);
        storm.all().get(DEADLINE_MS + 30_000, TimeUnit.MILLISECONDS);
        steady.all().get(DEADLINE_MS + 30_000, TimeUnit.MILLISECONDS);
        Thread.sleep(2_000); // a last sample or two of the gauges after the end
      } finally {
        sampler.shutdownNow();
        sampler.awaitTermination(5, TimeUnit.SECONDS);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      List<Second> rows;
      synchronized (timeline) {
        rows = List.copyOf(timeline);
      }
      writeCsv(o, rows, storm, steady);
      String md =
          report(
              rows,
              storm,
              steady,
              seconds,
              stormUp.requestCount(STORM_MODEL),
              stormUp.overLimitCount(STORM_MODEL),
              stormUp.peakInFlight(STORM_MODEL),
              worker.peakRssMb(),
              firstCall.get(),
              laneEvents(o.outDir.resolve("worker-g.log"), startWall));
      if (blocked.get()) {
        md =
            "**Disturbed:** the broker was in a resource alarm during the run (the worker's"
                + " `aijobs_amqp_blocked`); these figures do not count.\n\n"
                + md;
      }
      System.err.print(md);
      return md;
    }
  }

  /** Publishes both providers' jobs at their rates for {@link #SECONDS}. */
  private static void drive(
      JobCodec codec, String run, SdkSender sender, JobTally storm, JobTally steady, long start) {
    long stormGap = 1_000_000_000L / STORM_RATE;
    long steadyGap = 1_000_000_000L / STEADY_RATE;
    int stormTotal = STORM_RATE * SECONDS;
    int steadyTotal = STEADY_RATE * SECONDS;
    int i = 0;
    int k = 0;
    while (i < stormTotal || k < steadyTotal) {
      long nextStorm = i < stormTotal ? start + i * stormGap : Long.MAX_VALUE;
      long nextSteady = k < steadyTotal ? start + k * steadyGap : Long.MAX_VALUE;
      long due = Math.min(nextStorm, nextSteady);
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      if (nextStorm <= nextSteady) {
        JobRequest j = job(codec, run + "-s-" + i, "storm", STORM_MODEL);
        storm.track(sender.submit(j), nextStorm, j.deadlineMs());
        i++;
      } else {
        JobRequest j = job(codec, run + "-q-" + k, "steady", "bench");
        steady.track(sender.submit(j), nextSteady, j.deadlineMs());
        k++;
      }
    }
  }

  private static String report(
      List<Second> rows,
      JobTally storm,
      JobTally steady,
      double seconds,
      long stormCalls,
      long overLimit,
      int peak,
      long rssMb,
      long firstCallNanos,
      List<String> laneEvents) {
    StringBuilder md = new StringBuilder();
    md.append(
        String.format(
            Locale.ROOT,
            "Provider `storm`: %d jobs/s for %d s; its upstream answers 429 with `Retry-After: %d`"
                + " at once for its first %d s, then after %,d ms, and answers 429 at once to a"
                + " call beyond %d in progress (model `%s`). Provider `steady`: %d jobs/s for %d s,"
                + " upstream answers at once. Each job's deadline: %d s after it was sent. Worker"
                + " defaults, lanes on (each lane's limit between 200 and 2,000, `MAX_RETRIES`"
                + " 2), one API key per provider. Latency is counted from each job's intended"
                + " send time.%n%n",
            STORM_RATE,
            SECONDS,
            RETRY_AFTER_S,
            STORM_MS / 1000,
            STORM_LATENCY_MS,
            CAPACITY,
            STORM_MODEL,
            STEADY_RATE,
            SECONDS,
            DEADLINE_MS / 1000));
    md.append(
        "| provider | jobs | answered ok | failed | failed with ≥ 10 s of deadline left |"
            + " p50 / p95 / p99 / max ms |\n|---|---|---|---|---|---|\n");
    for (JobTally t : List.of(storm, steady)) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %,d | %,d | %s | %,d | %s |%n",
              t.provider(),
              t.submitted(),
              t.ok(),
              t.failureText(),
              t.failedWithTimeLeft(10_000),
              JobTally.percentiles(t.e2e(a -> true))));
    }
    long stormSecond = TimeUnit.SECONDS.toNanos(STORM_MS / 1000);
    long calm = TimeUnit.SECONDS.toNanos(30);
    md.append(
        String.format(
            Locale.ROOT,
            "%n`steady` p50 / p95 / p99 / max ms: jobs sent during the storm (first %d s) %s;"
                + " sent from %d s to %d s %s; sent from 30 s on %s.%n",
            STORM_MS / 1000,
            JobTally.percentiles(steady.e2e(a -> a.sentNanos() < stormSecond)),
            STORM_MS / 1000,
            30,
            JobTally.percentiles(
                steady.e2e(a -> a.sentNanos() >= stormSecond && a.sentNanos() < calm)),
            JobTally.percentiles(steady.e2e(a -> a.sentNanos() >= calm))));
    md.append(
        String.format(
            Locale.ROOT,
            "%n`storm` upstream: %,d calls for %,d jobs (%.2f per job), %,d of them refused for"
                + " being beyond %d at once; at most %d calls in progress at once. All answered"
                + " after %.1f s; worker peak RSS %d MB.%n",
            stormCalls,
            storm.submitted(),
            stormCalls / (double) Math.max(1, storm.submitted()),
            overLimit,
            CAPACITY,
            peak,
            seconds,
            rssMb));
    double minLimit = Double.MAX_VALUE;
    int minAt = 0;
    for (Second s : rows) {
      double v = parse(s.limit());
      if (v < minLimit) {
        minLimit = v;
        minAt = s.t();
      }
    }
    if (!rows.isEmpty()) {
      md.append(
          String.format(
              Locale.ROOT,
              "`storm` lane limit (the adaptive limit, paused or not): lowest %s at t=%d s,"
                  + " %s at the end.%n",
              trim(minLimit),
              minAt,
              rows.get(rows.size() - 1).limit()));
    }
    md.append(
        String.format(
            Locale.ROOT,
            "%nFirst `storm` call %.2f s after the first `storm` job was sent; the `storm` lane in"
                + " the worker's log (t from the first job, to the log's millisecond):%n%n",
            firstCallNanos / 1e9));
    for (String e : laneEvents) {
      md.append("- ").append(e).append('\n');
    }
    md.append(
        "\nEach second (t = end of the second; gauges sampled then; calls and refusals counted"
            + " over the second; \"at once\" sampled every 10 ms; `storm` answered = results of"
            + " `storm` jobs that arrived during the second):\n\n");
    md.append(
        "| t s | `storm` calls | refused, beyond "
            + CAPACITY
            + " | calls at once, max | `storm` answered ok / failed | lane limit | lane in"
            + " flight | paused | waiting in lane | consumers on lane (broker) | `steady` limit |"
            + " `steady` waiting | `steady` max ms |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    long[][] stormBySecond = answeredBySecond(storm, rows.size());
    long[] steadyMax = maxBySecond(steady, rows.size());
    for (Second s : rows) {
      int i = s.t() - 1;
      md.append(
          String.format(
              Locale.ROOT,
              "| %d | %,d | %,d | %d | %,d / %,d | %s | %s | %s | %,d | %d | %s | %,d | %s |%n",
              s.t(),
              s.calls(),
              s.overLimit(),
              s.maxConcurrent(),
              stormBySecond[0][i],
              stormBySecond[1][i],
              s.limit(),
              s.inFlight(),
              s.paused(),
              s.waiting(),
              s.consumers(),
              s.steadyLimit(),
              s.steadyWaiting(),
              steadyMax[i] < 0 ? "–" : JobTally.ms(steadyMax[i])));
    }
    md.append('\n');
    return md.toString();
  }

  /** [ok, failed] answers per second of arrival. */
  private static long[][] answeredBySecond(JobTally t, int n) {
    long[][] out = new long[2][Math.max(1, n)];
    for (JobTally.Answer a : t.answers()) {
      int s = (int) ((a.sentNanos() + a.e2eNanos()) / 1_000_000_000L);
      if (s >= 0 && s < n) {
        out[a.ok() ? 0 : 1][s]++;
      }
    }
    return out;
  }

  /** The longest end-to-end latency of the jobs sent in each second, -1 for none. */
  private static long[] maxBySecond(JobTally t, int n) {
    long[] out = new long[Math.max(1, n)];
    java.util.Arrays.fill(out, -1);
    for (JobTally.Answer a : t.answers()) {
      int s = (int) (a.sentNanos() / 1_000_000_000L);
      if (s >= 0 && s < n) {
        out[s] = Math.max(out[s], a.e2eNanos());
      }
    }
    return out;
  }

  private static void writeCsv(
      BenchMain.Options o, List<Second> rows, JobTally storm, JobTally steady) throws Exception {
    StringBuilder csv =
        new StringBuilder(
            "t_s,storm_calls,storm_refused_over_capacity,storm_calls_at_once_max,storm_ok,"
                + "storm_failed,lane_limit,lane_in_flight,lane_paused,lane_waiting,lane_consumers,"
                + "steady_limit,"
                + "steady_waiting,steady_max_ms\n");
    long[][] by = answeredBySecond(storm, rows.size());
    long[] steadyMax = maxBySecond(steady, rows.size());
    for (Second s : rows) {
      int i = s.t() - 1;
      csv.append(
          String.format(
              Locale.ROOT,
              "%d,%d,%d,%d,%d,%d,%s,%s,%s,%d,%d,%s,%d,%s%n",
              s.t(),
              s.calls(),
              s.overLimit(),
              s.maxConcurrent(),
              by[0][i],
              by[1][i],
              s.limit(),
              s.inFlight(),
              s.paused(),
              s.waiting(),
              s.consumers(),
              s.steadyLimit(),
              s.steadyWaiting(),
              steadyMax[i] < 0 ? "" : String.format(Locale.ROOT, "%.1f", steadyMax[i] / 1e6)));
    }
    Files.writeString(o.outDir.resolve("storm-timeline.csv"), csv.toString());
  }

  /** The worker's log lines about the storm lane, as "t=S s: message". */
  static List<String> laneEvents(java.nio.file.Path log, long startWallMs) {
    List<String> out = new ArrayList<>();
    java.time.LocalTime start =
        java.time.Instant.ofEpochMilli(startWallMs)
            .atZone(java.time.ZoneId.systemDefault())
            .toLocalTime();
    String marker = "Lane - ";
    try {
      for (String line : Files.readAllLines(log)) {
        int at = line.indexOf(marker);
        if (at < 0 || !line.contains(Topology.laneQueue("storm")) || line.length() < 12) {
          continue;
        }
        try {
          java.time.LocalTime t = java.time.LocalTime.parse(line.substring(0, 12));
          double offset = java.time.Duration.between(start, t).toMillis() / 1000.0;
          out.add(
              String.format(
                  Locale.ROOT, "t=%.2f s: %s", offset, line.substring(at + marker.length())));
        } catch (java.time.format.DateTimeParseException e) {
          // not a timestamped line
        }
      }
    } catch (java.io.IOException e) {
      out.add("(worker log not readable: " + e.getMessage() + ")");
    }
    return out;
  }

  private static String text(OptionalDouble v) {
    return v.isPresent() ? trim(v.getAsDouble()) : "–";
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }

  private static double parse(String s) {
    try {
      return Double.parseDouble(s);
    } catch (NumberFormatException e) {
      return Double.MAX_VALUE;
    }
  }

  private static Connection probe(String uri) throws Exception {
    ConnectionFactory cf = new ConnectionFactory();
    cf.setUri(uri);
    return cf.newConnection("aijobs-bench-probe");
  }

  private static JobRequest job(JobCodec codec, String id, String provider, String model) {
    ObjectNode msg = codec.newObject().put("role", "user").put("content", "benchmark job " + id);
    long now = System.currentTimeMillis();
    return new JobRequest(
        1, id, provider, model, List.of(), List.of(msg), null, false, now, now + DEADLINE_MS, null);
  }
}
