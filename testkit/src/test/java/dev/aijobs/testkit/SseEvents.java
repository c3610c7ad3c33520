package dev.aijobs.testkit;

import java.util.ArrayList;
import java.util.List;

/** A small test-side SSE parser: events are separated by blank lines, comments start with ':'. */
record SseEvents(List<Event> events) {

  /** One SSE block: a comment or a data event. */
  record Event(boolean comment, String text) {}

  static SseEvents parse(String body) {
    List<Event> events = new ArrayList<>();
    for (String block : body.replace("\r\n", "\n").split("\n\n")) {
      if (block.isBlank()) {
        continue;
      }
      StringBuilder data = new StringBuilder();
      boolean comment = true;
      for (String line : block.split("\n")) {
        if (line.startsWith(":")) {
          events.add(new Event(true, line.substring(1).strip()));
        } else if (line.startsWith("data:")) {
          comment = false;
          data.append(data.length() == 0 ? "" : "\n").append(line.substring(5).strip());
        } else {
          throw new IllegalArgumentException("unexpected SSE line: " + line);
        }
      }
      if (!comment) {
        events.add(new Event(false, data.toString()));
      }
    }
    return new SseEvents(events);
  }

  List<String> data() {
    return events.stream().filter(e -> !e.comment()).map(Event::text).toList();
  }

  List<String> comments() {
    return events.stream().filter(Event::comment).map(Event::text).toList();
  }

  int indexOfFirstData() {
    for (int i = 0; i < events.size(); i++) {
      if (!events.get(i).comment()) {
        return i;
      }
    }
    return -1;
  }
}
