package dev.aijobs.worker.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parsed arguments after {@code queues}: the command words ({@code dead replay}), options with
 * values ({@code --id X}, also {@code --id=X}, repeatable) and flags ({@code --dry-run}).
 */
record CommandLine(List<String> words, Map<String, List<String>> options, Set<String> flags) {

  static final Set<String> VALUE_OPTIONS = Set.of("--uri", "--management-url", "--limit", "--id");
  static final Set<String> FLAGS = Set.of("--all", "--dry-run", "--yes-i-am-sure", "--help", "-h");

  CommandLine {
    words = List.copyOf(words);
    options = Map.copyOf(options);
    flags = Set.copyOf(flags);
  }

  /** Parses {@code args} (without the leading {@code queues}). */
  static CommandLine parse(List<String> args) throws UsageException {
    List<String> words = new ArrayList<>();
    Map<String, List<String>> options = new LinkedHashMap<>();
    Set<String> flags = new java.util.HashSet<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (!arg.startsWith("-")) {
        words.add(arg);
        continue;
      }
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      if (FLAGS.contains(name) && value == null) {
        flags.add(name);
      } else if (VALUE_OPTIONS.contains(name)) {
        if (value == null) {
          if (i + 1 >= args.size()) {
            throw new UsageException("option " + name + " needs a value");
          }
          value = args.get(++i);
        }
        options.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
      } else {
        throw new UsageException("unknown option " + arg);
      }
    }
    return new CommandLine(words, options, flags);
  }

  boolean has(String flag) {
    return flags.contains(flag);
  }

  List<String> all(String option) {
    return options.getOrDefault(option, List.of());
  }

  /** The single value of an option, or null when absent. */
  String one(String option) throws UsageException {
    List<String> values = all(option);
    if (values.size() > 1) {
      throw new UsageException("option " + option + " given more than once");
    }
    return values.isEmpty() ? null : values.get(0);
  }

  /** A positive integer option, or {@code fallback} when absent. */
  int positiveInt(String option, int fallback) throws UsageException {
    String value = one(option);
    if (value == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(value);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException(option + " must be a positive integer, got '" + value + "'");
  }

  /** Fails when an option or flag outside {@code allowed} was given. */
  void allowOnly(String command, Set<String> allowed) throws UsageException {
    for (String name : options.keySet()) {
      if (!allowed.contains(name) && !name.equals("--uri") && !name.equals("--management-url")) {
        throw new UsageException(name + " does not apply to '" + command + "'");
      }
    }
    for (String flag : flags) {
      if (!allowed.contains(flag) && !flag.equals("--help") && !flag.equals("-h")) {
        throw new UsageException(flag + " does not apply to '" + command + "'");
      }
    }
  }
}
