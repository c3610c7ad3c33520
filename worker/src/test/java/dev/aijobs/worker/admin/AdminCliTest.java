package dev.aijobs.worker.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Command-line handling that needs no broker: usage errors, help, replay header cleaning. */
class AdminCliTest {

  private static int run(StringBuilder err, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    int code =
        AdminCli.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(errBytes, true, StandardCharsets.UTF_8),
            Map.of());
    err.append(errBytes.toString(StandardCharsets.UTF_8));
    return code;
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "queues                                 | usage:",
        "queues frobnicate                      | unknown command 'frobnicate'",
        "queues dead purge                      | --yes-i-am-sure",
        "queues dead replay                     | needs either --id ID",
        "queues dead replay --all --id x        | needs either --id ID",
        "queues dead list --limit 0             | --limit must be a positive integer",
        "queues dead list --limit                | option --limit needs a value",
        "queues stats --dry-run                 | --dry-run does not apply to 'stats'",
        "queues stats --bogus                   | unknown option --bogus",
        "queues stats --uri http://x            | --uri is not a usable AMQP URI",
      })
  void usageErrorsExitWith2AndSayWhy(String line, String message) {
    StringBuilder err = new StringBuilder();
    assertThat(run(err, line.trim().split("\\s+"))).isEqualTo(AdminCli.USAGE);
    assertThat(err).contains(message);
  }

  @Test
  void helpExitsWith0() {
    assertThat(run(new StringBuilder(), "queues", "--help")).isZero();
  }

  @Test
  void onlyQueuesSelectsTheTool() {
    assertThat(AdminCli.handles("queues")).isTrue();
    assertThat(AdminCli.handles("--queues")).isFalse();
  }

  @Test
  void replayDropsOnlyTheHeadersDeadLetteringAdded() {
    AMQP.BasicProperties props =
        new AMQP.BasicProperties.Builder()
            .messageId("j1")
            .replyTo("r")
            .headers(
                Map.of(
                    "x-aijobs-reason", "r",
                    "x-aijobs-error-code", "invalid_job",
                    "x-death", java.util.List.of(),
                    "x-first-death-queue", "ai.jobs",
                    "x-last-death-reason", "rejected",
                    "x-delivery-count", 3,
                    "x-trace", "keep"))
            .build();
    DeadLetter letter = new DeadLetter(1, "j1", null, null, "mock", props, new byte[0]);

    AMQP.BasicProperties replay = letter.replayProperties();

    assertThat(replay.getHeaders()).containsOnlyKeys("x-trace");
    assertThat(replay.getMessageId()).isEqualTo("j1");
    assertThat(replay.getReplyTo()).isEqualTo("r");
  }
}
