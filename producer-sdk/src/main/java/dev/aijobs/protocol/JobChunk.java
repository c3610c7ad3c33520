package dev.aijobs.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * A piece of a streamed answer.
 *
 * @param id the job id
 * @param seq position in the job's stream of chunks, from 0, never reset
 * @param delta text to append to the content; may be empty when the chunk carries only reasoning
 * @param restart true when a new attempt took over: drop the text received so far first
 * @param meta the job's meta, echoed
 * @param reasoning reasoning ("thinking") text to append to the reasoning shown so far, or null; a
 *     client that ignores it still reassembles the content exactly from {@code delta}
 */
public record JobChunk(
    String id, long seq, String delta, boolean restart, JsonNode meta, String reasoning) {
  public JobChunk {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(delta, "delta");
  }

  /** A chunk of content only. */
  public JobChunk(String id, long seq, String delta, boolean restart, JsonNode meta) {
    this(id, seq, delta, restart, meta, null);
  }

  /** Never prints the text. */
  @Override
  public String toString() {
    return "JobChunk[id=" + id + ", seq=" + seq + ", restart=" + restart + "]";
  }
}
