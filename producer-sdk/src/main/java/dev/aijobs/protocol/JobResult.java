package dev.aijobs.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;

/**
 * The one final reply of a job: either a completion ({@code ok}) or an error.
 *
 * @param id the job id (may be a placeholder when the job could not be decoded)
 * @param completion the answer when ok, else null
 * @param error the failure when not ok, else null
 * @param route the route of the last attempt, or null when no attempt was made
 * @param attempts every provider call made, in order
 * @param timing where the time went
 * @param meta the job's meta, echoed
 */
public record JobResult(
    String id,
    Completion completion,
    JobError error,
    Route route,
    List<Attempt> attempts,
    Timing timing,
    JsonNode meta) {

  public JobResult {
    Objects.requireNonNull(id, "id");
    if ((completion == null) == (error == null)) {
      throw new IllegalArgumentException("exactly one of completion and error must be set");
    }
    attempts = attempts == null ? List.of() : List.copyOf(attempts);
  }

  /** Whether the job succeeded. */
  public boolean isOk() {
    return completion != null;
  }

  /** The wire status: {@code ok} or {@code error}. */
  public String status() {
    return isOk() ? "ok" : "error";
  }

  /** A successful result. */
  public static JobResult ok(
      String id,
      Completion completion,
      Route route,
      List<Attempt> attempts,
      Timing timing,
      JsonNode meta) {
    return new JobResult(id, completion, null, route, attempts, timing, meta);
  }

  /** A failed result. */
  public static JobResult error(
      String id,
      JobError error,
      Route route,
      List<Attempt> attempts,
      Timing timing,
      JsonNode meta) {
    return new JobResult(id, null, error, route, attempts, timing, meta);
  }

  @Override
  public String toString() {
    return "JobResult[id="
        + id
        + ", status="
        + status()
        + (error != null ? ", error=" + error.code().wireName() : "")
        + ", route="
        + route
        + ", attempts="
        + attempts.size()
        + "]";
  }
}
