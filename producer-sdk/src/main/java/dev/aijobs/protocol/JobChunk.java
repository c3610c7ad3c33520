package dev.aijobs.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * A piece of a streamed answer.
 *
 * @param id the job id
 * @param seq position in the job's stream of chunks, from 0, never reset
 * @param delta text to append
 * @param restart true when a new attempt took over: drop the text received so far first
 * @param meta the job's meta, echoed
 */
public record JobChunk(String id, long seq, String delta, boolean restart, JsonNode meta) {
  public JobChunk {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(delta, "delta");
  }

  /** Never prints the text. */
  @Override
  public String toString() {
    return "JobChunk[id=" + id + ", seq=" + seq + ", restart=" + restart + "]";
  }
}
