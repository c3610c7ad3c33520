package dev.aijobs.worker.execute;

/** Receives a stream's new text as it arrives, on an I/O thread. */
@FunctionalInterface
public interface StreamText {
  /** Ignores the text (non-streaming jobs). */
  StreamText NONE = (content, reasoning) -> {};

  /**
   * New text of one event.
   *
   * @param content text to append to the answer's content; may be empty
   * @param reasoning text to append to its reasoning; may be empty
   */
  void accept(String content, String reasoning);
}
