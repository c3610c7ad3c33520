package dev.aijobs.worker.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where configuration values come from. Keys are environment-variable style names ({@code
 * AIJOBS_MAX_IN_FLIGHT}); {@link #layered} stacks sources so that the first that has a key wins
 * (system property, then environment, then file, then defaults). Tests pass a {@link #of(Map)}.
 */
public interface ConfigSource {

  /** The value of {@code key}, if this source has it. */
  Optional<String> get(String key);

  /** Every key this source has (used to reject unknown keys and to find providers). */
  Set<String> keys();

  /** A source backed by a map (copied). */
  static ConfigSource of(Map<String, String> values) {
    Map<String, String> copy = Map.copyOf(values);
    return new ConfigSource() {
      @Override
      public Optional<String> get(String key) {
        return Optional.ofNullable(copy.get(key));
      }

      @Override
      public Set<String> keys() {
        return copy.keySet();
      }
    };
  }

  /** The process environment. */
  static ConfigSource environment() {
    return of(System.getenv());
  }

  /**
   * JVM system properties whose names look like keys (upper case, e.g. -DAIJOBS_HTTP_PORT=9091).
   */
  static ConfigSource systemProperties() {
    Map<String, String> values = new LinkedHashMap<>();
    System.getProperties()
        .forEach(
            (k, v) -> {
              String key = String.valueOf(k);
              if (key.equals(key.toUpperCase(java.util.Locale.ROOT))) {
                values.put(key, String.valueOf(v));
              }
            });
    return of(values);
  }

  /** Sources in priority order: the first that has a key wins. */
  static ConfigSource layered(List<ConfigSource> sources) {
    List<ConfigSource> copy = List.copyOf(sources);
    return new ConfigSource() {
      @Override
      public Optional<String> get(String key) {
        for (ConfigSource s : copy) {
          Optional<String> v = s.get(key);
          if (v.isPresent()) {
            return v;
          }
        }
        return Optional.empty();
      }

      @Override
      public Set<String> keys() {
        Set<String> all = new TreeSet<>();
        copy.forEach(s -> all.addAll(s.keys()));
        return all;
      }
    };
  }
}
