package dev.aijobs.protocol;

import java.util.Objects;

/**
 * A (provider, model) pair: the primary target of a job or one of its fallbacks.
 *
 * @param provider a configured provider id, e.g. {@code openrouter}
 * @param model the provider's model name
 */
public record Target(String provider, String model) {
  public Target {
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(model, "model");
  }
}
