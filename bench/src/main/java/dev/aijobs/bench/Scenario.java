package dev.aijobs.bench;

import java.util.List;

/**
 * A benchmark scenario.
 *
 * @param name short name (a..g)
 * @param title what it measures
 * @param jobs jobs in a closed-loop run (0 for open loop)
 * @param inFlight jobs outstanding in a closed-loop run; the worker's prefetch
 * @param latencyMs the mock upstream's latency
 * @param rate open-loop arrival rate per second (0 for closed loop)
 * @param seconds open-loop duration
 * @param viaProxy whether the worker reaches the upstream through the dante SOCKS5 proxy
 * @param streamTokens tokens per streamed answer (0: not streaming)
 * @param tokenIntervalMs gap between streamed tokens
 */
record Scenario(
    String name,
    String title,
    int jobs,
    int inFlight,
    int latencyMs,
    int rate,
    int seconds,
    boolean viaProxy,
    int streamTokens,
    int tokenIntervalMs) {

  static final List<Scenario> ALL =
      List.of(
          new Scenario(
              "a",
              "0 ms upstream, 20,000 jobs, 1,000 in flight",
              20_000,
              1_000,
              0,
              0,
              0,
              false,
              0,
              0),
          new Scenario(
              "b",
              "500 ms upstream, 60,000 jobs, 5,000 in flight",
              60_000,
              5_000,
              500,
              0,
              0,
              false,
              0,
              0),
          new Scenario("c", "as (b), through dante SOCKS5", 60_000, 5_000, 500, 0, 0, true, 0, 0),
          new Scenario(
              "d",
              "open loop, 2,000 jobs/s for 60 s, 500 ms upstream",
              0,
              5_000,
              500,
              2_000,
              60,
              false,
              0,
              0),
          new Scenario(
              "e",
              "streaming, 200 tokens at 10 ms per job, 1,000 jobs, 100 in flight",
              1_000,
              100,
              0,
              0,
              0,
              false,
              200,
              10),
          new Scenario(
              "f",
              "head-of-line: 3,000 jobs for a 20 s provider, then 200 for one answering at once,"
                  + " lanes off and on",
              HeadOfLine.SLOW_JOBS + HeadOfLine.FAST_JOBS,
              0,
              HeadOfLine.SLOW_LATENCY_MS,
              0,
              0,
              false,
              0,
              0),
          new Scenario(
              "g",
              "429 storm: 10 s of 429 (Retry-After: 2), then a limit of "
                  + RateLimitStorm.CAPACITY
                  + " calls at once, lanes on",
              0,
              0,
              RateLimitStorm.STORM_LATENCY_MS,
              RateLimitStorm.STORM_RATE,
              RateLimitStorm.SECONDS,
              false,
              0,
              0));

  /**
   * This closed-loop scenario with {@code n} jobs in flight instead of its own number (open-loop,
   * streaming and two-provider scenarios are returned unchanged).
   */
  Scenario withInFlight(int n) {
    if (n <= 0 || openLoop() || streamTokens > 0 || twoProviders()) {
      return this;
    }
    return new Scenario(
        name,
        title.replaceFirst(
            "[0-9,]+ in flight", String.format(java.util.Locale.ROOT, "%,d in flight", n)),
        jobs,
        n,
        latencyMs,
        rate,
        seconds,
        viaProxy,
        streamTokens,
        tokenIntervalMs);
  }

  static Scenario named(String name) {
    for (Scenario s : ALL) {
      if (s.name.equals(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown scenario '" + name + "' (a to g)");
  }

  /**
   * Whether this is a two-provider scenario (f, g) with a script of its own ({@link HeadOfLine},
   * {@link RateLimitStorm}) instead of one provider's closed or open loop; {@code --scale} does not
   * change it.
   */
  boolean twoProviders() {
    return name.equals("f") || name.equals("g");
  }

  boolean openLoop() {
    return rate > 0;
  }

  /** The model name, with the mock upstream's streaming directives when streaming. */
  String model() {
    return streamTokens == 0
        ? "bench"
        : "bench;mock:tokens=" + streamTokens + ";mock:token-interval=" + tokenIntervalMs;
  }

  /** A copy with another size (for quick runs). */
  Scenario scaled(double factor) {
    int scaledJobs = (int) Math.max(100, jobs * factor);
    return new Scenario(
        name,
        jobs > 0 && factor != 1.0
            ? title.replaceFirst(
                "[0-9,]+ jobs", String.format(java.util.Locale.ROOT, "%,d jobs", scaledJobs))
            : title,
        scaledJobs,
        inFlight,
        latencyMs,
        rate,
        (int) Math.max(5, seconds * factor),
        viaProxy,
        streamTokens,
        tokenIntervalMs);
  }
}
