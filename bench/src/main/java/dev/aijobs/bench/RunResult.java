package dev.aijobs.bench;

import org.HdrHistogram.Histogram;

/**
 * One measured run.
 *
 * @param label what ran (e.g. "aijobs worker" or "null worker")
 * @param jobs jobs answered
 * @param errors jobs answered with an error or not at all
 * @param seconds wall time of the measured part
 * @param e2e end-to-end latency (publish to result), nanoseconds
 * @param ttft publish to first chunk, nanoseconds (empty unless streaming)
 * @param chunks chunk messages received
 * @param cpuNanos CPU time the worker process used during the measured part, or -1
 * @param peakRssBytes the worker process's peak resident memory, or -1
 */
record RunResult(
    String label,
    long jobs,
    long errors,
    double seconds,
    Histogram e2e,
    Histogram ttft,
    long chunks,
    long cpuNanos,
    long peakRssBytes) {

  double rate() {
    return jobs / seconds;
  }

  double cpuMicrosPerJob() {
    return cpuNanos < 0 || jobs == 0 ? -1 : cpuNanos / 1000.0 / jobs;
  }

  /** A percentile of end-to-end latency in milliseconds. */
  double e2eMs(double percentile) {
    return e2e.getValueAtPercentile(percentile) / 1e6;
  }
}
