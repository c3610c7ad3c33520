package dev.aijobs.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time and peak resident memory of a Linux process, read from {@code /proc}. */
final class ProcStats {
  /** Clock ticks per second of {@code /proc/PID/stat} times (USER_HZ, 100 on Linux). */
  private static final long TICKS_PER_SECOND = 100;

  private ProcStats() {}

  /** User plus system CPU time in nanoseconds, or -1 when unreadable. */
  static long cpuNanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
      return ticks * 1_000_000_000L / TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** CPU nanoseconds per thread name (threads of one name summed), from /proc/PID/task. */
  static java.util.Map<String, Long> threadCpuNanos(long pid) {
    java.util.Map<String, Long> out = new java.util.TreeMap<>();
    try (java.util.stream.Stream<Path> tasks =
        Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          long ns =
              (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1_000_000_000L / TICKS_PER_SECOND;
          out.merge(name.replaceAll("[0-9]+", "#"), ns, Long::sum);
        } catch (IOException | RuntimeException e) {
          // thread ended
        }
      }
    } catch (IOException e) {
      return out;
    }
    return out;
  }

  /** Peak resident set size (VmHWM) in bytes, or -1 when unreadable. */
  static long peakRssBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
