package dev.aijobs.worker.execute;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Splits a {@code text/event-stream} body into events across network-chunk boundaries (a body part
 * is up to 8 KiB of bytes, not an event). Comment lines ({@code : ...}) and blank keep-alives are
 * dropped; each complete event with at least one {@code data:} line is handed on as its event type
 * (null when none was given) and its data lines joined with {@code \n}. Not thread-safe: one parser
 * per response.
 */
final class SseParser {
  /** One server-sent event. */
  record Event(String type, String data) {}

  private final Consumer<Event> sink;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
  private final StringBuilder data = new StringBuilder();
  private String type;
  private boolean hasData;
  private boolean lastWasCr;

  SseParser(Consumer<Event> sink) {
    this.sink = sink;
  }

  /** Feeds bytes as they arrive. */
  void feed(byte[] bytes) {
    for (byte b : bytes) {
      if (b == '\n') {
        if (lastWasCr) {
          lastWasCr = false;
          continue;
        }
        endLine();
      } else if (b == '\r') {
        lastWasCr = true;
        endLine();
      } else {
        lastWasCr = false;
        line.write(b);
      }
    }
  }

  /** Flushes an event left without its closing blank line when the stream ends. */
  void finish() {
    if (line.size() > 0) {
      endLine();
    }
    dispatch();
  }

  private void endLine() {
    if (line.size() == 0) {
      dispatch();
      return;
    }
    String text = line.toString(StandardCharsets.UTF_8);
    line.reset();
    if (text.startsWith(":")) {
      return;
    }
    int colon = text.indexOf(':');
    String field = colon < 0 ? text : text.substring(0, colon);
    String value = colon < 0 ? "" : text.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    if (field.equals("data")) {
      if (hasData) {
        data.append('\n');
      }
      data.append(value);
      hasData = true;
    } else if (field.equals("event")) {
      type = value;
    } else if (field.equals("error")) {
      // Older llama.cpp servers report a failure mid-stream as an "error:" field, which the SSE
      // rules would drop: it is an error event.
      dispatch();
      sink.accept(new Event("error", value));
    }
  }

  private void dispatch() {
    if (hasData) {
      sink.accept(new Event(type, data.toString()));
    }
    data.setLength(0);
    hasData = false;
    type = null;
  }
}
