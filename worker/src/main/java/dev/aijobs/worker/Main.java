package dev.aijobs.worker;

import dev.aijobs.worker.admin.AdminCli;
import dev.aijobs.worker.config.ConfigException;
import dev.aijobs.worker.config.ConfigLoader;
import dev.aijobs.worker.config.WorkerConfig;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a worker until SIGTERM/SIGINT. Configuration comes from the environment, system properties
 * and the YAML file named by {@code AIJOBS_CONFIG_FILE}. Exit codes: 0 stopped, 2 bad
 * configuration, 1 failed to start.
 */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    if (args.length > 0 && AdminCli.handles(args[0])) {
      System.exit(AdminCli.run(args, System.out, System.err));
      return;
    }
    WorkerConfig config;
    try {
      config = ConfigLoader.fromProcess();
    } catch (ConfigException e) {
      System.err.println("aijobs-worker: configuration error: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (config.providers().isEmpty()) {
      System.err.println(
          "aijobs-worker: configuration error: no provider is enabled; set an API key such as"
              + " OPENROUTER_API_KEY, or AIJOBS_PROVIDER_<ID>_BASE_URL for another provider");
      System.exit(2);
      return;
    }
    Worker worker;
    try {
      worker = Worker.start(config);
    } catch (ConfigException e) {
      System.err.println("aijobs-worker: configuration error: " + e.getMessage());
      System.exit(2);
      return;
    } catch (Exception e) {
      log.error("worker failed to start", e);
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  worker.close();
                  stopped.countDown();
                },
                "aijobs-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
