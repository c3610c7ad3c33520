package dev.aijobs.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aijobs.testkit.internal.OpenAiBodies.StreamHead;
import dev.aijobs.testkit.internal.SseStep.Kind;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The timing and shape of streams, checked on the plan instead of on a clock. */
class StreamScriptTest {

  private static final OpenAiBodies BODIES = new OpenAiBodies(new ObjectMapper());
  private static final StreamHead HEAD = new StreamHead("chatcmpl-1", 1L, "m");
  private static final ChatRequest REQUEST = new ChatRequest("m", "a b", 2, true);

  @Test
  void tokensKeepTheirLeadingWhitespaceAndConcatenateBack() {
    assertThat(StreamScript.tokens("echo: hello  big world "))
        .containsExactly("echo:", " hello", "  big", " world ");
    assertThat(StreamScript.tokens("")).containsExactly("");
    assertThat(String.join("", StreamScript.tokens(" x\ty\n"))).isEqualTo(" x\ty\n");
  }

  @Test
  void commentsSplitTheFirstTokenWaitAndTheIntervalSeparatesData() {
    List<SseStep> steps = plan("mock:first-token=300;mock:comments=2;mock:token-interval=7");

    assertThat(kinds(steps))
        .containsExactly(
            Kind.COMMENT,
            Kind.COMMENT,
            Kind.DATA,
            Kind.DATA,
            Kind.DATA,
            Kind.DATA,
            Kind.DATA,
            Kind.END);
    assertThat(steps.stream().map(SseStep::delay).toList())
        .containsExactly(
            ms(100), ms(100), ms(100), ms(7), ms(7), ms(7), Duration.ZERO, Duration.ZERO);
    assertThat(steps.get(6).text()).isEqualTo(StreamScript.DONE);
  }

  @Test
  void theFirstDataEventComesAtTheFirstTokenDelayEvenWhenItDoesNotDivide() {
    List<SseStep> steps = plan("mock:first-token=100;mock:comments=2");

    Duration untilFirstData =
        steps.get(0).delay().plus(steps.get(1).delay()).plus(steps.get(2).delay());
    assertThat(untilFirstData).isEqualTo(ms(100));
  }

  @Test
  void streamCutAndStallEndAfterFaultAfterContentEvents() {
    assertThat(kinds(plan("mock:fault=stream-cut;mock:tokens=5")))
        .containsExactly(Kind.DATA, Kind.DATA, Kind.CLOSE);
    assertThat(kinds(plan("mock:fault=stream-stall;mock:fault-after=3;mock:tokens=5")))
        .containsExactly(Kind.DATA, Kind.DATA, Kind.DATA, Kind.STALL);
    assertThat(kinds(plan("mock:fault=stream-cut;mock:fault-after=99;mock:tokens=1")))
        .containsExactly(Kind.DATA, Kind.CLOSE);
  }

  @Test
  void malformedEventIsInsertedAndTheStreamCompletes() {
    List<SseStep> steps = plan("mock:fault=malformed-event;mock:fault-after=1;mock:tokens=2");

    assertThat(steps.stream().map(SseStep::text).toList())
        .element(1)
        .isEqualTo(StreamScript.MALFORMED);
    assertThat(kinds(steps)).hasSize(6).endsWith(Kind.DATA, Kind.END);
  }

  @Test
  void noDoneDropsOnlyTheDoneEvent() {
    List<SseStep> steps = plan("mock:fault=no-done;mock:tokens=2");

    assertThat(kinds(steps)).containsExactly(Kind.DATA, Kind.DATA, Kind.DATA, Kind.END);
    assertThat(steps).noneMatch(s -> s.text().equals(StreamScript.DONE));
  }

  @Test
  void inBandErrorEndsTheStreamWithTheErrorEvent() {
    List<SseStep> steps = plan("mock:fault=in-band-error;mock:error=429;mock:tokens=3");

    assertThat(kinds(steps)).containsExactly(Kind.DATA, Kind.DATA, Kind.DATA, Kind.END);
    assertThat(steps.get(2).text()).contains("\"error\"").contains("\"code\":429");
  }

  @Test
  void wireTextIsAnSseEventOrComment() {
    assertThat(SseStep.data(Duration.ZERO, "x").wireText()).isEqualTo("data: x\n\n");
    assertThat(SseStep.comment(Duration.ZERO, "y").wireText()).isEqualTo(": y\n\n");
  }

  private static List<SseStep> plan(String directives) {
    return StreamScript.plan(BODIES, HEAD, REQUEST, Directives.parse("m;" + directives));
  }

  private static List<Kind> kinds(List<SseStep> steps) {
    return steps.stream().map(SseStep::kind).toList();
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }
}
