package dev.aijobs.worker;

import dev.aijobs.worker.admin.AdminCli;
import dev.aijobs.worker.config.ConfigException;
import dev.aijobs.worker.config.ConfigLoader;
import dev.aijobs.worker.config.WorkerConfig;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;

/**
 * The command line: runs a worker until SIGTERM/SIGINT, or the queue tool ({@code queues ...}).
 * Configuration comes from the environment, system properties and the YAML file named by {@code
 * AIJOBS_CONFIG_FILE}. Exit codes: 0 stopped (also after SIGTERM or SIGINT, once drained), 1 failed
 * to start, 2 bad configuration or command line.
 */
public final class Main {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;

  static final String USAGE_TEXT =
      """
      usage: aijobs-worker                 run a worker (configured by AIJOBS_* variables)
             aijobs-worker queues ...      the queue tool (aijobs-worker queues --help)
             aijobs-worker --help | --version

      Runs AI-request jobs from RabbitMQ (exchange and queue ai.jobs) and publishes each result
      to the job's reply_to queue. Configuration: environment variables or JVM system properties
      named AIJOBS_*, and the YAML file named by AIJOBS_CONFIG_FILE; providers are enabled by
      their API key (OPENROUTER_API_KEY, DEEPSEEK_API_KEY, DASHSCOPE_API_KEY, OPENAI_API_KEY) or
      by AIJOBS_PROVIDER_<ID>_BASE_URL. Every key is listed in the README ("Configuration").

      Stops on SIGTERM or SIGINT: stops consuming, lets jobs in flight finish for up to
      AIJOBS_DRAIN_TIMEOUT, requeues the rest, exits 0.

      exit codes: 0 stopped, 1 failed to start, 2 bad configuration or command line
      """;

  private Main() {}

  public static void main(String[] args) {
    if (args.length > 0 && AdminCli.handles(args[0])) {
      System.exit(AdminCli.run(args, System.out, System.err));
      return;
    }
    if (args.length > 0) {
      System.exit(command(args, System.out, System.err));
      return;
    }
    WorkerConfig config;
    try {
      config = ConfigLoader.fromProcess();
      requireProvider(config);
    } catch (ConfigException e) {
      System.err.println("aijobs-worker: configuration error: " + e.getMessage());
      System.exit(USAGE);
      return;
    }
    applyLogging(config.logging());
    run(config);
  }

  /** The answer to a command-line argument other than the queue tool's; returns the exit code. */
  static int command(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
      out.print(USAGE_TEXT);
      return OK;
    }
    if (args.length == 1 && args[0].equals("--version")) {
      out.println("aijobs-worker " + version());
      return OK;
    }
    err.println("aijobs-worker: unknown argument '" + args[0] + "'");
    err.print(USAGE_TEXT);
    return USAGE;
  }

  /** The version in the jar's manifest, or {@code dev} when run from classes. */
  static String version() {
    String v = Main.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  private static void requireProvider(WorkerConfig config) {
    if (config.providers().isEmpty()) {
      throw ConfigException.invalid(
          "providers",
          "no provider is enabled; set an API key such as OPENROUTER_API_KEY, or"
              + " AIJOBS_PROVIDER_<ID>_BASE_URL for another provider");
    }
  }

  /**
   * Hands the log settings to logback before its first use: logback.xml reads them as properties,
   * so values from the YAML file apply as well as those from the environment.
   */
  static void applyLogging(WorkerConfig.Logging logging) {
    System.setProperty("AIJOBS_LOG_LEVEL", logging.level());
    System.setProperty("AIJOBS_LOG_FORMAT", logging.format().name().toLowerCase(Locale.ROOT));
  }

  private static void run(WorkerConfig config) {
    Worker worker;
    try {
      worker = Worker.start(config);
    } catch (ConfigException e) {
      System.err.println("aijobs-worker: configuration error: " + e.getMessage());
      System.exit(USAGE);
      return;
    } catch (Exception e) {
      LoggerFactory.getLogger(Main.class).error("worker failed to start", e);
      System.exit(FAILED);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    // SIGTERM and SIGINT run this hook: drain and close, then end the process with 0 (the JVM
    // would report 143 or 130 for a signal, although this is the orderly way to stop a worker),
    // or 1 when closing failed. Nothing here calls System.exit once the worker runs: a signal is
    // the only way this hook starts (an OutOfMemoryError exits without hooks).
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  int status = OK;
                  try {
                    worker.close();
                  } catch (Throwable e) {
                    LoggerFactory.getLogger(Main.class).error("worker did not stop cleanly", e);
                    status = FAILED;
                  } finally {
                    stopped.countDown();
                    System.out.flush();
                    System.err.flush();
                    Runtime.getRuntime().halt(status);
                  }
                },
                "aijobs-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
