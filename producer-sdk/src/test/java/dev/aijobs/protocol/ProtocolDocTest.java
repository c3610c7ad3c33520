package dev.aijobs.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code docs/protocol.md} says what the code does. Paths are relative to the module directory. */
class ProtocolDocTest {
  private static final Path DOC = Path.of("../docs/protocol.md");
  private static final Path PYTHON_EXAMPLE = Path.of("../examples/python/publish_job.py");

  /** A row of the error code table: {@code | `code` | meaning | yes/no |}. */
  private static final Pattern ERROR_ROW =
      Pattern.compile("^\\| `([a-z_]+)` \\| [^|]+ \\| (yes|no) \\|$", Pattern.MULTILINE);

  private static String doc;

  @BeforeAll
  static void readDoc() throws IOException {
    doc = Files.readString(DOC, StandardCharsets.UTF_8);
  }

  @Test
  void errorCodeTableListsEveryCodeWithItsRetryability() {
    Map<String, Boolean> table = new LinkedHashMap<>();
    Matcher row = ERROR_ROW.matcher(section("## Error codes"));
    while (row.find()) {
      table.put(row.group(1), row.group(2).equals("yes"));
    }

    Map<String, Boolean> expected = new LinkedHashMap<>();
    for (ErrorCode code : ErrorCode.values()) {
      expected.put(code.wireName(), code.isRetryable());
    }
    assertThat(table).containsExactlyEntriesOf(expected);
  }

  /** The text from a heading to the next heading of the same level. */
  private static String section(String heading) {
    int start = doc.indexOf("\n" + heading + "\n");
    assertThat(start).as(heading).isNotNegative();
    int end = doc.indexOf("\n## ", start + heading.length() + 2);
    return end < 0 ? doc.substring(start) : doc.substring(start, end);
  }

  @Test
  void everyErrorCodeIsNamedInTheDoc() {
    for (ErrorCode code : ErrorCode.values()) {
      assertThat(doc).as(code.wireName()).contains("`" + code.wireName() + "`");
    }
  }

  @Test
  void topologyNamesAndArgumentsMatchTheDeclarer() {
    assertThat(doc)
        .contains(
            "`" + Topology.JOBS_EXCHANGE + "` | exchange, `topic`, durable",
            "`" + Topology.DEAD_LETTER_EXCHANGE + "` | exchange, `fanout`, durable",
            "`" + Topology.DEAD_LETTER_QUEUE + "` | queue, durable | `x-queue-type=quorum`",
            "bound to exchange `ai.jobs` with `" + Topology.ALL_ROUTING_KEYS + "`",
            "`" + Topology.HEADER_REASON + "`",
            "`" + Topology.HEADER_ERROR_CODE + "`",
            "`" + Topology.CONTENT_TYPE + "`",
            "`" + Topology.TYPE_CHUNK + "` or `" + Topology.TYPE_RESULT + "`");
    StringBuilder jobsQueueArgs = new StringBuilder();
    for (String key : new String[] {"x-queue-type", "x-dead-letter-exchange", "x-delivery-limit"}) {
      if (jobsQueueArgs.length() > 0) {
        jobsQueueArgs.append(", ");
      }
      jobsQueueArgs.append('`').append(key).append('=');
      jobsQueueArgs.append(Topology.jobsQueueArguments().get(key)).append('`');
    }
    assertThat(doc).contains(jobsQueueArgs.toString());
    assertThat(Topology.jobsQueueArguments()).hasSize(3);
    assertThat(Topology.deadLetterQueueArguments())
        .containsExactly(Map.entry("x-queue-type", "quorum"));
  }

  @Test
  void docNamesTheSchemaResources() {
    assertThat(doc)
        .contains(SchemaConformanceTest.REQUEST_SCHEMA, SchemaConformanceTest.REPLY_SCHEMA);
  }

  @Test
  void pythonExampleIsIncludedVerbatim() throws IOException {
    String script = Files.readString(PYTHON_EXAMPLE, StandardCharsets.UTF_8);

    assertThat(script).contains("import pika", "message_id=job[\"id\"]", "reply_to=");
    assertThat(doc).contains("```python\n" + script + "```\n");
  }
}
