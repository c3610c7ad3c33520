package dev.aijobs.worker.execute;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {
  private final List<SseParser.Event> events = new ArrayList<>();
  private final SseParser parser = new SseParser(events::add);

  private void feed(String s) {
    parser.feed(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void splitsEventsAcrossArbitraryChunkBoundaries() {
    String stream =
        ": OPENROUTER PROCESSING\n\n"
            + "data: {\"a\":1}\n\n"
            + "\n"
            + "data: {\"b\":\n"
            + "data: 2}\n\n"
            + "event: ping\ndata: x\n\n"
            + "data: [DONE]\n\n";
    byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
    for (int size = 1; size <= bytes.length; size++) {
      events.clear();
      SseParser p = new SseParser(events::add);
      for (int i = 0; i < bytes.length; i += size) {
        p.feed(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + size)));
      }
      assertThat(events)
          .as("chunk size %d", size)
          .containsExactly(
              new SseParser.Event(null, "{\"a\":1}"),
              new SseParser.Event(null, "{\"b\":\n2}"),
              new SseParser.Event("ping", "x"),
              new SseParser.Event(null, "[DONE]"));
    }
  }

  @Test
  void handlesCrLfAndMultiByteCharactersSplitMidway() {
    byte[] bytes = "data: héllo €\r\n\r\n".getBytes(StandardCharsets.UTF_8);
    for (byte b : bytes) {
      parser.feed(new byte[] {b});
    }
    assertThat(events).containsExactly(new SseParser.Event(null, "héllo €"));
  }

  @Test
  void commentsAndKeepAlivesProduceNoEvent() {
    feed(": keep-alive\n\n\n\n: OPENROUTER PROCESSING\n\n");
    parser.finish();
    assertThat(events).isEmpty();
  }

  @Test
  void finishFlushesAnEventWithoutItsBlankLine() {
    feed("data: {\"last\":true}");
    assertThat(events).isEmpty();
    parser.finish();
    assertThat(events).containsExactly(new SseParser.Event(null, "{\"last\":true}"));
  }

  @Test
  void anErrorFieldIsAnErrorEvent() {
    feed("data: {\"a\":1}\n\nerror: {\"code\":500,\"message\":\"oom\"}\n\n");
    parser.finish();
    assertThat(events)
        .containsExactly(
            new SseParser.Event(null, "{\"a\":1}"),
            new SseParser.Event("error", "{\"code\":500,\"message\":\"oom\"}"));
  }
}
