package dev.aijobs.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A JVM started by the benchmark (worker or null worker), measured through /proc. */
final class ManagedProcess implements AutoCloseable {
  private final String name;
  private final Process process;

  private ManagedProcess(String name, Process process) {
    this.name = name;
    this.process = process;
  }

  /**
   * Starts {@code java [jvmFlags] -cp jar mainClass} (or {@code -jar jar} when mainClass is null).
   */
  static ManagedProcess start(
      String name,
      Path jar,
      String mainClass,
      List<String> jvmFlags,
      Map<String, String> env,
      Path log)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmFlags);
    if (mainClass == null) {
      cmd.add("-jar");
      cmd.add(jar.toString());
    } else {
      cmd.add("-cp");
      cmd.add(jar.toString());
      cmd.add(mainClass);
    }
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    return new ManagedProcess(name, pb.start());
  }

  /** Starts a launcher script that execs java (so the process measured is the JVM itself). */
  static ManagedProcess launch(String name, Path launcher, Map<String, String> env, Path log)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(launcher.toString());
    pb.environment().putAll(env);
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    return new ManagedProcess(name, pb.start());
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  long cpuNanos() {
    return ProcStats.cpuNanos(process.pid());
  }

  long peakRssBytes() {
    return ProcStats.peakRssBytes(process.pid());
  }

  /** SIGTERM, then wait (the worker drains). */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return name + "(pid " + process.pid() + ")";
  }
}
