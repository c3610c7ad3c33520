package dev.aijobs.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Accumulates results into a Markdown report and an SVG latency-percentile plot. */
final class Report {
  static final double[] PERCENTILES = {50, 75, 90, 95, 99, 99.9, 99.99, 100};

  private final Path outDir;
  private final StringBuilder md = new StringBuilder();
  private final List<String[]> curves = new ArrayList<>();
  private final List<double[]> curveValues = new ArrayList<>();

  Report(Path outDir) {
    this.outDir = outDir;
  }

  void header(BenchMain.Options o) {
    md.append("Run ")
        .append(Instant.now())
        .append(" on ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" cores, Java ")
        .append(System.getProperty("java.version"))
        .append(", bench JVM ")
        .append(ManagementFactory.getRuntimeMXBean().getInputArguments())
        .append(o.workerLauncher != null ? ", worker started by " + o.workerLauncher : "")
        .append(", worker JVM flags ")
        .append(o.workerJvm)
        .append(", null worker JVM flags ")
        .append(o.nullJvm != null ? o.nullJvm : o.workerJvm)
        .append(", scale ")
        .append(o.scale)
        .append(o.inFlight > 0 ? ", " + o.inFlight + " in flight (closed loop)" : "")
        .append(o.cold ? ", no warm-up" : "")
        .append(!o.cold && o.warmUp > 0 ? ", warm-up " + o.warmUp + " jobs" : "")
        .append("\n\n");
  }

  void scenario(Scenario s, List<RunResult> runs) {
    md.append("### (").append(s.name()).append(") ").append(s.title()).append("\n\n");
    md.append(
        "| system | jobs | jobs/s | p50 ms | p95 ms | p99 ms | p99.9 ms | max ms |"
            + " overhead p50/p99 ms | errors | worker CPU µs/job | peak RSS MB | vs null |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    RunResult ref =
        runs.stream().filter(r -> r.label().startsWith("null")).findFirst().orElse(null);
    for (RunResult r : runs) {
      double lat = s.latencyMs();
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %,d | %,.0f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f / %.1f | %d | %s | %s | %s |%n",
              r.label(),
              r.jobs(),
              r.rate(),
              r.e2eMs(50),
              r.e2eMs(95),
              r.e2eMs(99),
              r.e2eMs(99.9),
              r.e2e().getMaxValue() / 1e6,
              r.e2eMs(50) - lat,
              r.e2eMs(99) - lat,
              r.errors(),
              r.cpuMicrosPerJob() < 0
                  ? "n/a"
                  : String.format(Locale.ROOT, "%.0f", r.cpuMicrosPerJob()),
              r.peakRssBytes() < 0 ? "n/a" : String.valueOf(r.peakRssBytes() / (1024 * 1024)),
              ref == null || r == ref
                  ? "–"
                  : String.format(Locale.ROOT, "%.0f%%", 100 * r.rate() / ref.rate())));
      double[] values = new double[PERCENTILES.length];
      for (int i = 0; i < PERCENTILES.length; i++) {
        values[i] = r.e2eMs(PERCENTILES[i]);
      }
      curves.add(new String[] {"(" + s.name() + ") " + r.label()});
      curveValues.add(values);
    }
    if (s.streamTokens() > 0) {
      for (RunResult r : runs) {
        long expectedTtft = s.latencyMs();
        md.append(
            String.format(
                Locale.ROOT,
                "%n%s: %,.0f chunk messages/s (%,d chunks for %,d jobs); time to first token p50 %.1f ms,"
                    + " p99 %.1f ms (upstream's first token at %d ms, so that is the overhead)%n",
                r.label(),
                r.chunks() / r.seconds(),
                r.chunks(),
                r.jobs(),
                r.ttft().getValueAtPercentile(50) / 1e6,
                r.ttft().getValueAtPercentile(99) / 1e6,
                expectedTtft));
      }
    }
    md.append("\n");
  }

  /** A scenario that writes its own section (f, g). */
  void section(Scenario s, String markdown) {
    md.append("### (").append(s.name()).append(") ").append(s.title()).append("\n\n");
    md.append(markdown).append("\n");
  }

  void finish() throws IOException {
    Files.writeString(outDir.resolve("benchmarks-results.md"), md.toString());
    Files.writeString(outDir.resolve("latency-percentiles.svg"), svg());
  }

  String text() {
    return md.toString();
  }

  private String svg() {
    int w = 760;
    int h = 420;
    int left = 70;
    int right = 220;
    int top = 20;
    int bottom = 50;
    double max = 1;
    for (double[] v : curveValues) {
      for (double x : v) {
        max = Math.max(max, x);
      }
    }
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n",
            w,
            h));
    sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    int pw = w - left - right;
    int ph = h - top - bottom;
    for (int i = 0; i <= 4; i++) {
      double val = max * i / 4;
      int y = top + ph - (int) (ph * i / 4.0);
      sb.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.0f ms</text>%n",
              left,
              y,
              left + pw,
              y,
              left - 6,
              y + 4,
              val));
    }
    for (int i = 0; i < PERCENTILES.length; i++) {
      int x = left + pw * i / (PERCENTILES.length - 1);
      sb.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">p%s</text>%n",
              x,
              top + ph + 18,
              trim(PERCENTILES[i])));
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">end-to-end latency by percentile</text>%n",
            left + pw / 2,
            h - 8));
    String[] colors = {
      "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
      "#bcbd22", "#17becf"
    };
    for (int c = 0; c < curveValues.size(); c++) {
      double[] v = curveValues.get(c);
      StringBuilder pts = new StringBuilder();
      for (int i = 0; i < v.length; i++) {
        int x = left + pw * i / (v.length - 1);
        int y = top + ph - (int) (ph * v[i] / max);
        pts.append(x).append(',').append(y).append(' ');
      }
      String color = colors[c % colors.length];
      sb.append(
          String.format(
              Locale.ROOT,
              "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n",
              color,
              pts.toString().trim()));
      sb.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>%n",
              left + pw + 12,
              top + 10 + c * 18,
              color,
              left + pw + 30,
              top + 21 + c * 18,
              curves.get(c)[0]));
    }
    sb.append("</svg>\n");
    return sb.toString();
  }

  private static String trim(double p) {
    return p == Math.floor(p) ? String.valueOf((long) p) : String.valueOf(p);
  }
}
