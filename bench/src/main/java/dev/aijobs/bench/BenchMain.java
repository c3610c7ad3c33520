package dev.aijobs.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.aijobs.protocol.JobCodec;
import dev.aijobs.protocol.JobRequest;
import dev.aijobs.protocol.Topology;
import dev.aijobs.testkit.MockUpstream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Runs benchmark scenarios against a local RabbitMQ: for each, the null worker (broker-bound
 * reference) and the real worker, each as its own process, driven by the same load generator, with
 * the mock upstream in this process. Prints a report and writes it under {@code bench/target}.
 *
 * <pre>
 * java -jar bench/target/aijobs-bench.jar [--scenario a,b,c,d,e,f,g|all] [--scale 1.0]
 *     [--uri amqp://...] [--worker-jvm "-XX:+UseSerialGC ..."] [--skip-null] [--raw-driver]
 *     [--in-flight N] [--cold] [--warm-up JOBS]
 * </pre>
 */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    List<RunResult> all = new ArrayList<>();
    Report report = new Report(o.outDir);
    report.header(o);
    for (Scenario s : o.scenarios) {
      if (s.twoProviders()) {
        System.err.println("== scenario " + s.name() + ": " + s.title());
        report.section(s, s.name().equals("f") ? HeadOfLine.run(o) : RateLimitStorm.run(o));
        continue;
      }
      Scenario sc = s.scaled(o.scale).withInFlight(o.inFlight);
      System.err.println("== scenario " + sc.name() + ": " + sc.title());
      List<RunResult> runs = runScenario(sc, o);
      report.scenario(sc, runs);
      all.addAll(runs);
    }
    report.finish();
    System.out.println(report.text());
  }

  static List<RunResult> runScenario(Scenario s, Options o) throws Exception {
    if (s.viaProxy()) {
      requirePort(11080, "dante SOCKS5 (run scripts/dante.sh)");
    }
    List<RunResult> runs = new ArrayList<>();
    if (!o.skipNull && s.streamTokens() == 0) {
      runs.add(runWith(s, o, "null worker", nullWorker(s, o)));
    }
    if (s.streamTokens() > 0) {
      try (MockUpstream upstream =
          MockUpstream.start(
              MockUpstream.Options.builder()
                  .latency(Duration.ofMillis(s.latencyMs()))
                  .ioThreads(2)
                  .build())) {
        runs.add(runWith(s, o, "aijobs worker", worker(s, o, upstream.baseUrl())));
      }
    } else {
      if (o.cold) {
        warmUpstreamCode();
      }
      try (FixedUpstream upstream = new FixedUpstream(s.latencyMs())) {
        runs.add(runWith(s, o, "aijobs worker", worker(s, o, upstream.baseUrl())));
      }
    }
    return runs;
  }

  /**
   * With {@code --cold}: runs 20,000 requests through an upstream like the run's (in this JVM,
   * which also drives the load) before the worker starts, so that what is measured from the
   * worker's start is the worker's warm-up, not the bench's own. Without it, the first cold run of
   * a bench process showed ~1.9 s of p99 overhead, a second cold worker in the same process 0.3 s.
   */
  private static void warmUpstreamCode() throws Exception {
    int total = 20_000;
    java.net.http.HttpClient client =
        java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_1_1)
            .build();
    try (FixedUpstream upstream = new FixedUpstream(0)) {
      java.net.http.HttpRequest req =
          java.net.http.HttpRequest.newBuilder(
                  java.net.URI.create(upstream.baseUrl() + "/chat/completions"))
              .header("Content-Type", "application/json")
              .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"model\":\"warm\"}"))
              .build();
      java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(64);
      java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(total);
      for (int i = 0; i < total; i++) {
        slots.acquire();
        client
            .sendAsync(req, java.net.http.HttpResponse.BodyHandlers.discarding())
            .whenComplete(
                (r, e) -> {
                  slots.release();
                  done.countDown();
                });
      }
      if (!done.await(120, java.util.concurrent.TimeUnit.SECONDS)) {
        throw new IllegalStateException("the bench's upstream did not answer its warm-up");
      }
      System.err.println("  warmed up the bench's own upstream with " + total + " requests");
    }
  }

  private static ManagedProcess nullWorker(Scenario s, Options o) throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("AIJOBS_AMQP_URI", o.uri);
    env.put("AIJOBS_MAX_IN_FLIGHT", String.valueOf(s.inFlight()));
    env.put("AIJOBS_NULL_LATENCY_MS", String.valueOf(s.latencyMs()));
    return ManagedProcess.start(
        "null-worker",
        o.benchJar,
        NullWorker.class.getName(),
        o.nullJvm != null ? o.nullJvm : o.workerJvm,
        env,
        o.outDir.resolve("null-worker-" + s.name() + ".log"));
  }

  private static ManagedProcess worker(Scenario s, Options o, String upstreamUrl)
      throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("AIJOBS_AMQP_URI", o.uri);
    env.put("AIJOBS_MAX_IN_FLIGHT", String.valueOf(s.inFlight()));
    env.put("AIJOBS_HTTP_PORT", "0");
    env.put("AIJOBS_HTTP_HOST", "127.0.0.1");
    env.put("AIJOBS_SUMMARY_INTERVAL", "0s");
    env.put("AIJOBS_PROVIDER_MOCK_BASE_URL", upstreamUrl);
    env.put("AIJOBS_PROVIDER_MOCK_MAX_CONCURRENCY", String.valueOf(Math.max(1024, s.inFlight())));
    if (s.viaProxy()) {
      env.put("AIJOBS_PROVIDER_MOCK_MODE", "socks5");
      env.put("AIJOBS_PROVIDER_MOCK_PROXY_URL", "socks5://127.0.0.1:11080");
      env.put("AIJOBS_PROVIDER_MOCK_FALLBACK_TO_DIRECT", "false");
    }
    return startWorker(o, env, o.outDir.resolve("worker-" + s.name() + ".log"));
  }

  /**
   * Starts the real worker with {@code env}: by its launcher when {@code --worker-launcher} is
   * given (its JVM defaults, {@code --worker-jvm} added as {@code JAVA_OPTS}), else {@code java
   * [--worker-jvm] -jar}.
   */
  static ManagedProcess startWorker(Options o, Map<String, String> env, Path log)
      throws IOException {
    env = new HashMap<>(env);
    if (o.workerLauncher != null) {
      // As operators start it: the launcher's JVM defaults, --worker-jvm added as JAVA_OPTS.
      env.put("AIJOBS_JAR", o.workerJar.toAbsolutePath().toString());
      env.put("JAVA_OPTS", String.join(" ", o.workerJvm));
      return ManagedProcess.launch("worker", o.workerLauncher, env, log);
    }
    return ManagedProcess.start("worker", o.workerJar, null, o.workerJvm, env, log);
  }

  private static RunResult runWith(Scenario s, Options o, String label, ManagedProcess proc)
      throws Exception {
    try (proc) {
      resetQueues(o.uri);
      awaitConsumer(o.uri, proc);
      JobCodec codec = new JobCodec();
      try (JobSender sender = o.raw ? new RawSender(o.uri) : new SdkSender(o.uri, s.inFlight())) {
        int warm =
            o.warmUp > 0
                ? o.warmUp
                : s.openLoop() ? Math.min(20_000, s.rate() * 10) : Math.min(20_000, s.jobs() / 2);
        if (o.cold) {
          System.err.println("  no warm-up (--cold): measuring " + label + " from its start");
        } else if (s.openLoop()) {
          // Warmed up as it is measured: at the scenario's rate (a closed loop at its in-flight
          // limit would leave the worker a heap sized for a load the measurement never sees).
          int seconds = Math.max(1, warm / s.rate());
          System.err.println(
              "  warming up " + label + " with " + warm + " jobs at " + s.rate() + "/s");
          new LoadDriver(sender, jobs(codec, s, "w")).openLoop(s.rate(), seconds, "warm-up");
        } else {
          System.err.println("  warming up " + label + " with " + warm + " jobs");
          new LoadDriver(sender, jobs(codec, s, "w")).closedLoop(warm, s.inFlight(), "warm-up");
        }
        long cpu0 = proc.cpuNanos();
        long self0 = ProcStats.cpuNanos(ProcessHandle.current().pid());
        long broker = brokerPid();
        long broker0 = broker < 0 ? -1 : ProcStats.cpuNanos(broker);
        java.util.Map<String, Long> threads0 = ProcStats.threadCpuNanos(proc.pid());
        LoadDriver driver = new LoadDriver(sender, jobs(codec, s, "m"));
        LoadDriver.Measured m =
            s.openLoop()
                ? driver.openLoop(s.rate(), s.seconds(), label)
                : driver.closedLoop(s.jobs(), s.inFlight(), label);
        long cpu1 = proc.cpuNanos();
        long self1 = ProcStats.cpuNanos(ProcessHandle.current().pid());
        long broker1 = broker < 0 ? -1 : ProcStats.cpuNanos(broker);
        System.err.printf(
            "  %s: CPU µs/job: this process (driver, SDK, mock upstream) %.0f, broker %s%n",
            label,
            (self1 - self0) / 1000.0 / m.jobs(),
            broker < 0 ? "n/a" : String.format("%.0f", (broker1 - broker0) / 1000.0 / m.jobs()));
        printThreadCpu(label, threads0, ProcStats.threadCpuNanos(proc.pid()), m.jobs());
        long rss = proc.peakRssBytes();
        RunResult r =
            new RunResult(
                label,
                m.jobs(),
                m.errors(),
                m.seconds(),
                m.e2e(),
                m.ttft(),
                m.chunks(),
                cpu0 < 0 || cpu1 < 0 ? -1 : cpu1 - cpu0,
                rss);
        System.err.printf(
            "  %s: %,.0f jobs/s, p99 %.1f ms, errors %d%n",
            label, r.rate(), r.e2eMs(99), r.errors());
        return r;
      }
    }
  }

  /** The local RabbitMQ node's process (beam.smp), or -1. */
  private static long brokerPid() {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().command().map(c -> c.endsWith("beam.smp")).orElse(false))
        .mapToLong(ProcessHandle::pid)
        .findFirst()
        .orElse(-1);
  }

  private static void printThreadCpu(
      String label, Map<String, Long> before, Map<String, Long> after, long jobs) {
    StringBuilder sb = new StringBuilder("  " + label + " CPU by thread (µs/job):");
    after.entrySet().stream()
        .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
        .filter(e -> e.getValue() > 0)
        .sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
        .limit(8)
        .forEach(
            e -> sb.append(String.format(" %s=%.0f", e.getKey(), e.getValue() / 1000.0 / jobs)));
    System.err.println(sb);
  }

  private static IntFunction<JobRequest> jobs(JobCodec codec, Scenario s, String prefix) {
    String run = prefix + "-" + s.name() + "-" + Long.toString(System.nanoTime(), 36) + "-";
    return n -> {
      ObjectNode msg = codec.newObject().put("role", "user").put("content", "benchmark job " + n);
      long now = System.currentTimeMillis();
      return new JobRequest(
          1,
          run + n,
          "mock",
          s.model(),
          List.of(),
          List.of(msg),
          null,
          s.streamTokens() > 0,
          now,
          now + 600_000,
          null);
    };
  }

  static void resetQueues(String uri) throws Exception {
    ConnectionFactory cf = new ConnectionFactory();
    cf.setUri(uri);
    try (Connection c = cf.newConnection("aijobs-bench-reset");
        Channel ch = c.createChannel()) {
      Topology.declareWorkerSide(ch);
      ch.queuePurge(Topology.JOBS_QUEUE);
    }
  }

  private static void awaitConsumer(String uri, ManagedProcess proc) throws Exception {
    ConnectionFactory cf = new ConnectionFactory();
    cf.setUri(uri);
    try (Connection c = cf.newConnection("aijobs-bench-probe");
        Channel ch = c.createChannel()) {
      long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (ch.queueDeclarePassive(Topology.JOBS_QUEUE).getConsumerCount() < 1) {
        if (!proc.isAlive() || System.nanoTime() > end) {
          throw new IllegalStateException(proc + " did not start consuming; see its log");
        }
        Thread.sleep(100);
      }
    }
  }

  private static void requirePort(int port, String what) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
    } catch (IOException e) {
      throw new IllegalStateException(what + " is not listening on 127.0.0.1:" + port);
    }
  }

  /** Command-line options. */
  static final class Options {
    List<Scenario> scenarios = Scenario.ALL;
    double scale = 1.0;
    String uri = "amqp://guest:guest@localhost:5672/%2F";
    List<String> workerJvm = List.of();
    List<String> nullJvm;
    Path workerLauncher;
    boolean skipNull;
    boolean raw;
    int inFlight;
    boolean cold;
    int warmUp;
    List<Boolean> lanes = List.of(false, true);
    Path workerJar = Path.of("worker/target/aijobs-worker.jar");
    Path benchJar;
    Path outDir = Path.of("bench/target");

    static Options parse(String[] args) throws Exception {
      Options o = new Options();
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--scenario" -> {
            String v = args[++i];
            if (!v.equals("all")) {
              List<Scenario> list = new ArrayList<>();
              for (String n : v.split(",")) {
                list.add(Scenario.named(n.trim()));
              }
              o.scenarios = list;
            }
          }
          case "--scale" -> o.scale = Double.parseDouble(args[++i]);
          case "--uri" -> o.uri = args[++i];
          case "--worker-jvm" -> o.workerJvm = flags(args[++i]);
          case "--worker-jar" -> o.workerJar = Path.of(args[++i]);
          case "--worker-launcher" -> o.workerLauncher = Path.of(args[++i]);
          case "--null-jvm" -> o.nullJvm = flags(args[++i]);
          case "--out" -> o.outDir = Path.of(args[++i]);
          case "--skip-null" -> o.skipNull = true;
          case "--raw-driver" -> o.raw = true;
          case "--in-flight" -> o.inFlight = Integer.parseInt(args[++i]);
          case "--cold" -> o.cold = true;
          case "--warm-up" -> o.warmUp = Integer.parseInt(args[++i]);
          case "--lanes" -> {
            List<Boolean> modes = new ArrayList<>();
            for (String m : args[++i].split(",")) {
              switch (m.trim()) {
                case "off" -> modes.add(false);
                case "on" -> modes.add(true);
                default -> throw new IllegalArgumentException("--lanes takes off, on or off,on");
              }
            }
            o.lanes = modes;
          }
          default ->
              throw new IllegalArgumentException(
                  "unknown option "
                      + args[i]
                      + "; usage: [--scenario a,b,c,d,e,f,g|all] [--scale F] [--uri URI]"
                      + " [--worker-jvm FLAGS] [--worker-jar PATH] [--worker-launcher PATH]"
                      + " [--null-jvm FLAGS] [--out DIR] [--skip-null]"
                      + " [--raw-driver] [--lanes off,on] [--in-flight N] [--cold] [--warm-up N]");
        }
      }
      String env = System.getenv("RABBITMQ_URI");
      if (env != null && !env.isBlank() && !Arrays.asList(args).contains("--uri")) {
        o.uri = env;
      }
      o.benchJar =
          Path.of(BenchMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (!Files.exists(o.workerJar)) {
        throw new IllegalStateException(
            o.workerJar + " is missing: build with ./mvnw -B -DskipTests package");
      }
      Files.createDirectories(o.outDir);
      return o;
    }

    private static List<String> flags(String text) {
      return text.isBlank() ? List.of() : Arrays.asList(text.trim().split("\\s+"));
    }
  }
}
