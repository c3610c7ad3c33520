package dev.aijobs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aijobs.protocol.Completion;
import dev.aijobs.protocol.ErrorCode;
import dev.aijobs.protocol.JobError;
import dev.aijobs.protocol.JobResult;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class JobTallyTest {

  @Test
  void countsAnswersByCodeAndTimeLeft() throws Exception {
    long start = System.nanoTime();
    JobTally t = new JobTally("p", start);
    CompletableFuture<JobResult> ok = new CompletableFuture<>();
    CompletableFuture<JobResult> limited = new CompletableFuture<>();
    CompletableFuture<JobResult> late = new CompletableFuture<>();
    CompletableFuture<JobResult> lost = new CompletableFuture<>();
    long now = System.currentTimeMillis();
    t.track(ok, start, now + 60_000);
    t.track(limited, start, now + 60_000);
    t.track(late, start, now - 1);
    t.track(lost, start, now + 60_000);

    ok.complete(result("a", null));
    limited.complete(result("b", JobError.of(ErrorCode.RATE_LIMITED, "429")));
    late.complete(result("c", JobError.of(ErrorCode.DEADLINE_EXCEEDED, "late")));
    lost.completeExceptionally(new IllegalStateException("gave up"));
    t.all().get();

    assertThat(t.submitted()).isEqualTo(4);
    assertThat(t.ok()).isEqualTo(1);
    assertThat(t.failures())
        .containsEntry("rate_limited", 1L)
        .containsEntry("deadline_exceeded", 1L)
        .containsEntry("no_result", 1L);
    assertThat(t.failedWithTimeLeft(10_000)).isEqualTo(2);
    assertThat(t.failureText()).isEqualTo("deadline_exceeded 1, no_result 1, rate_limited 1");
    assertThat(t.e2e(JobTally.Answer::ok).getTotalCount()).isEqualTo(1);
    assertThat(JobTally.percentiles(t.e2e(a -> false))).isEqualTo("– / – / – / –");
  }

  private static JobResult result(String id, JobError error) {
    Completion c = error == null ? completion() : null;
    return new JobResult(id, c, error, null, null, null, null);
  }

  private static Completion completion() {
    return new Completion("hi", "stop", "p", "m", null, null, null, null, null, null);
  }
}
