package dev.aijobs.worker.admin;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Entry point of {@code java -jar aijobs-worker.jar queues ...}. Exit codes: 0 done, 1 the broker
 * could not do it (unreachable, queue missing, replay not confirmed), 2 bad command line.
 */
public final class AdminCli {
  /** The first argument that selects this tool instead of the worker. */
  public static final String COMMAND = "queues";

  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int USAGE = 2;

  static final String USAGE_TEXT =
      """
      usage: aijobs-worker queues COMMAND [OPTIONS]   (or java -jar aijobs-worker.jar queues ...)

      commands:
        stats                       depth, consumers and rates of ai.jobs, of each provider
                                    lane ai.jobs.lane.* that exists, and of ai.jobs.dead
        dead list [--limit N]       show up to N dead letters (default 50) without removing them
        dead replay (--id ID ... | --all) [--limit N] [--dry-run]
                                    publish the selected dead letters to exchange ai.jobs again
                                    (original routing key and properties, dead-letter headers
                                    removed), each acked only after the broker confirmed its copy
        dead purge --yes-i-am-sure  delete every dead letter

      options:
        --uri URI                   AMQP URI (default: $AIJOBS_AMQP_URI, else
                                    amqp://guest:guest@localhost:5672/%2F)
        --management-url URL        management API for rates (default: http://AMQP-HOST:15672,
                                    same credentials; optional, AMQP is enough)

      exit codes: 0 done, 1 failed, 2 usage error
      """;

  private AdminCli() {}

  /** Whether {@code firstArg} selects the admin tool. */
  public static boolean handles(String firstArg) {
    return COMMAND.equals(firstArg);
  }

  /** Runs the tool on {@code args} (starting with {@code queues}) and returns the exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, out, err, System.getenv());
  }

  static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    List<String> rest = Arrays.asList(args).subList(Math.min(1, args.length), args.length);
    try {
      CommandLine line = CommandLine.parse(rest);
      if (line.has("--help") || line.has("-h")) {
        out.print(USAGE_TEXT);
        return OK;
      }
      if (line.words().isEmpty()) {
        err.print(USAGE_TEXT);
        return USAGE;
      }
      BrokerTarget target = BrokerTarget.of(line.one("--uri"), line.one("--management-url"), env);
      return dispatch(line, target, out, err, env);
    } catch (UsageException e) {
      err.println("queues: " + e.getMessage());
      err.println("run 'queues --help' for usage");
      return USAGE;
    } catch (AdminException e) {
      err.println("queues: " + e.getMessage());
      return FAILED;
    }
  }

  private static int dispatch(
      CommandLine line,
      BrokerTarget target,
      PrintStream out,
      PrintStream err,
      Map<String, String> env)
      throws UsageException, AdminException {
    String command = String.join(" ", line.words());
    switch (command) {
      case "stats":
        line.allowOnly(command, Set.of());
        return new StatsCommand(target, out, env).run();
      case "dead list":
        line.allowOnly(command, Set.of("--limit"));
        return new DeadListCommand(
                target, out, line.positiveInt("--limit", DeadListCommand.DEFAULT_LIMIT))
            .run();
      case "dead replay":
        return new DeadReplayCommand(target, out, err, selection(line, command)).run();
      case "dead purge":
        line.allowOnly(command, Set.of(DeadPurgeCommand.CONFIRM_FLAG));
        if (!line.has(DeadPurgeCommand.CONFIRM_FLAG)) {
          throw new UsageException(
              "'dead purge' deletes every dead letter for good; add "
                  + DeadPurgeCommand.CONFIRM_FLAG
                  + " to confirm (see 'dead list' first)");
        }
        return new DeadPurgeCommand(target, out).run();
      default:
        throw new UsageException("unknown command '" + command + "'");
    }
  }

  private static DeadReplayCommand.Selection selection(CommandLine line, String command)
      throws UsageException {
    line.allowOnly(command, Set.of("--id", "--all", "--limit", "--dry-run"));
    List<String> ids = line.all("--id");
    boolean all = line.has("--all");
    if (ids.isEmpty() == !all) {
      throw new UsageException("'dead replay' needs either --id ID (repeatable) or --all");
    }
    return new DeadReplayCommand.Selection(
        Set.copyOf(ids),
        all,
        line.positiveInt("--limit", Integer.MAX_VALUE),
        line.has("--dry-run"));
  }
}
