package dev.aijobs.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The reply records refuse values the result writer or a consumer could not handle. */
class WireRecordsTest {

  @ParameterizedTest
  @ValueSource(strings = {"provider", "model", "route", "outcome"})
  void attemptRequiresEveryReference(String field) {
    assertThatThrownBy(
            () ->
                new Attempt(
                    field.equals("provider") ? null : "p",
                    field.equals("model") ? null : "m",
                    field.equals("route") ? null : Route.DIRECT,
                    field.equals("outcome") ? null : "ok",
                    1))
        .isInstanceOf(NullPointerException.class)
        .hasMessage(field);
  }

  @ParameterizedTest
  @ValueSource(strings = {"content", "provider", "model"})
  void completionRequiresContentProviderAndModel(String field) {
    assertThatThrownBy(
            () ->
                new Completion(
                    field.equals("content") ? null : "text",
                    "stop",
                    field.equals("provider") ? null : "p",
                    field.equals("model") ? null : "m",
                    null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage(field);
  }

  @Test
  void completionMayHaveNoFinishReasonAndNoUsage() {
    Completion c = new Completion("", null, "p", "m", null);

    assertThat(c.finishReason()).isNull();
    assertThat(c.usage()).isNull();
  }

  @Test
  void jobErrorToStringNeverPrintsTheMessage() {
    String upstreamText = "upstream said: key sk-live-123 has no credits";
    JobError error = new JobError(ErrorCode.INSUFFICIENT_CREDITS, upstreamText, 402, false);

    assertThat(error.toString())
        .isEqualTo("JobError[code=insufficient_credits, httpStatus=402, retryable=false]")
        .doesNotContain("sk-live-123");
  }
}
