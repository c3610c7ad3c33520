package dev.aijobs.protocol;

import java.util.Objects;

/**
 * One call to a provider made for a job. Every reference is required: the result writes each one.
 *
 * @param provider provider id
 * @param model model name
 * @param route how the provider was reached
 * @param outcome {@code ok} or an error code's wire name
 * @param ms how long the attempt took
 */
public record Attempt(String provider, String model, Route route, String outcome, long ms) {
  public Attempt {
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(route, "route");
    Objects.requireNonNull(outcome, "outcome");
  }
}
