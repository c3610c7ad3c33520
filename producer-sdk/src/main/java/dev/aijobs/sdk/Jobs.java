package dev.aijobs.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aijobs.protocol.JobCodec;
import dev.aijobs.protocol.JobRequest;
import dev.aijobs.protocol.Target;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Builds valid {@link JobRequest}s:
 *
 * <pre>{@code
 * JobRequest job = Jobs.builder("openrouter", "deepseek/deepseek-chat")
 *     .system("You are terse.")
 *     .user("Hi")
 *     .param("temperature", 0.2)
 *     .fallback("deepseek", "deepseek-chat")
 *     .timeout(Duration.ofSeconds(30))
 *     .meta("chat_id", 42)
 *     .build();
 * }</pre>
 */
public final class Jobs {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Jobs() {}

  /** A builder for a job to {@code provider}'s {@code model}. */
  public static Builder builder(String provider, String model) {
    return new Builder(provider, model);
  }

  /** A fresh job id: a random UUID. */
  public static String newId() {
    return UUID.randomUUID().toString();
  }

  /**
   * Builds one job. Defaults: id a random UUID, {@code created_ms} the time of {@link #build()}, no
   * deadline (the client then applies {@link ClientConfig#defaultTimeout()}), no fallbacks, no
   * params, no meta, not streamed ({@link AiJobsClient#stream} asks for chunks itself). Not
   * thread-safe; each {@link #build()} makes an independent, immutable job.
   */
  public static final class Builder {
    private final String provider;
    private final String model;
    private final List<JsonNode> messages = new ArrayList<>();
    private final List<Target> fallbacks = new ArrayList<>();
    private ObjectNode params;
    private JsonNode meta;
    private String id;
    private Duration timeout;
    private Instant deadline;
    private boolean stream;
    private Clock clock = Clock.systemUTC();

    private Builder(String provider, String model) {
      this.provider = provider;
      this.model = model;
    }

    /** The job id (the idempotency key: publishing the same id again is the same job). */
    public Builder id(String id) {
      this.id = id;
      return this;
    }

    /** Adds a {@code system} message. */
    public Builder system(String content) {
      return message("system", content);
    }

    /** Adds a {@code user} message. */
    public Builder user(String content) {
      return message("user", content);
    }

    /** Adds an {@code assistant} message (an earlier answer, for context). */
    public Builder assistant(String content) {
      return message("assistant", content);
    }

    /** Adds a text message with this role. */
    public Builder message(String role, String content) {
      ObjectNode m = JSON.createObjectNode();
      m.put("role", role);
      m.put("content", content);
      messages.add(m);
      return this;
    }

    /**
     * Adds a {@code tool} message: the output of the tool call {@code toolCallId} (from {@code
     * ToolCall#id()} of the answer that asked for it, added before with {@code
     * message(completion.toMessage())}).
     */
    public Builder toolResult(String toolCallId, String content) {
      ObjectNode m = JSON.createObjectNode();
      m.put("role", "tool");
      m.put("tool_call_id", Objects.requireNonNull(toolCallId, "toolCallId"));
      m.put("content", Objects.requireNonNull(content, "content"));
      messages.add(m);
      return this;
    }

    /** Adds a message as a JSON object (content parts, tool calls, ...), copied. */
    public Builder message(JsonNode message) {
      messages.add(Objects.requireNonNull(message, "message").deepCopy());
      return this;
    }

    /**
     * Sets a request parameter passed to the provider as is ({@code temperature}, {@code
     * max_tokens}, {@code tools}, ...). The value is converted with Jackson: numbers, strings,
     * booleans, maps, lists and JSON nodes work.
     */
    public Builder param(String name, Object value) {
      if (params == null) {
        params = JSON.createObjectNode();
      }
      params.set(name, JSON.valueToTree(value));
      return this;
    }

    /** Adds a fallback target, tried in order after the primary one fails. */
    public Builder fallback(String provider, String model) {
      fallbacks.add(new Target(provider, model));
      return this;
    }

    /** Deadline = build time + {@code timeout}; replaces {@link #deadline(Instant)}. */
    public Builder timeout(Duration timeout) {
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be > 0");
      }
      this.timeout = timeout;
      this.deadline = null;
      return this;
    }

    /** An absolute deadline; replaces {@link #timeout(Duration)}. */
    public Builder deadline(Instant deadline) {
      this.deadline = Objects.requireNonNull(deadline, "deadline");
      this.timeout = null;
      return this;
    }

    /** Asks for stream chunks (set for you by {@link AiJobsClient#stream}). */
    public Builder stream(boolean stream) {
      this.stream = stream;
      return this;
    }

    /** Opaque data echoed in every reply; replaces earlier meta. */
    public Builder meta(JsonNode meta) {
      this.meta = meta == null ? null : meta.deepCopy();
      return this;
    }

    /** Adds one key to an object {@code meta} (converted with Jackson). */
    public Builder meta(String key, Object value) {
      if (!(meta instanceof ObjectNode)) {
        meta = JSON.createObjectNode();
      }
      ((ObjectNode) meta).set(key, JSON.valueToTree(value));
      return this;
    }

    /** The clock for {@code created_ms} and {@link #timeout(Duration)}; for tests. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the job.
     *
     * @throws dev.aijobs.protocol.InvalidJobException naming the first bad field (e.g. {@code
     *     messages} when no message was added)
     */
    public JobRequest build() {
      long now = clock.millis();
      Long deadlineMs = null;
      if (timeout != null) {
        deadlineMs = now + timeout.toMillis();
      } else if (deadline != null) {
        deadlineMs = deadline.toEpochMilli();
      }
      return new JobRequest(
          JobCodec.VERSION,
          id != null ? id : newId(),
          provider,
          model,
          fallbacks,
          messages,
          params,
          stream,
          now,
          deadlineMs,
          meta == null ? null : meta.deepCopy());
    }
  }
}
