package dev.aijobs.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;

/**
 * The one JSON codec of the wire contract. Encodes requests, chunks and results exactly as {@code
 * docs/protocol.md} shows, and decodes requests with validation that names the offending field.
 * Thread-safe; share one instance.
 */
public final class JobCodec {
  /** The schema version this codec speaks. */
  public static final int VERSION = 1;

  /** Request fields the protocol owns, so they may not appear in {@code params}. */
  private static final Set<String> RESERVED_PARAMS = Set.of("model", "messages", "stream");

  private final ObjectMapper mapper;
  private final JsonFactory factory;

  /**
   * Reads exactly one JSON value with unique keys. A lenient parse would let {@code {"v":2,"v":1}}
   * through (the last key wins) and ignore anything after the first value; a producer in another
   * language may see a different job in the same bytes. Configured once: an {@link ObjectReader} is
   * immutable and cheap to share, and the caller's mapper stays as it was.
   */
  private final ObjectReader strictReader;

  /** A codec with its own {@link ObjectMapper}. */
  public JobCodec() {
    this(new ObjectMapper());
  }

  /**
   * A codec using the given mapper for trees (it is not reconfigured: decoding adds its strict
   * checks to a reader derived from it).
   */
  public JobCodec(ObjectMapper mapper) {
    this.mapper = mapper;
    this.factory = mapper.getFactory();
    this.strictReader =
        mapper
            .reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
  }

  /** The mapper used for JSON trees (messages, params, meta). */
  public ObjectMapper mapper() {
    return mapper;
  }

  // ---------------------------------------------------------------- requests

  /**
   * Decodes and validates a request body. The body must be exactly one JSON object: anything but
   * whitespace after it, or a key repeated within one object, makes it invalid JSON.
   *
   * @throws InvalidJobException naming the first bad field, or saying why the body is not JSON
   */
  public JobRequest decodeRequest(byte[] body) {
    JsonNode root;
    try {
      root = strictReader.readTree(body);
    } catch (IOException e) {
      throw InvalidJobException.notJson(jsonProblem(e), e);
    }
    return RequestReader.read(root);
  }

  /** Encodes a request as producers publish it. */
  public byte[] encodeRequest(JobRequest job) {
    return write(
        g -> {
          g.writeStartObject();
          g.writeNumberField("v", VERSION);
          g.writeStringField("id", job.id());
          g.writeStringField("provider", job.provider());
          g.writeStringField("model", job.model());
          if (!job.fallbacks().isEmpty()) {
            g.writeArrayFieldStart("fallbacks");
            for (Target t : job.fallbacks()) {
              g.writeStartObject();
              g.writeStringField("provider", t.provider());
              g.writeStringField("model", t.model());
              g.writeEndObject();
            }
            g.writeEndArray();
          }
          g.writeArrayFieldStart("messages");
          for (JsonNode m : job.messages()) {
            mapper.writeTree(g, m);
          }
          g.writeEndArray();
          if (job.params() != null) {
            g.writeFieldName("params");
            mapper.writeTree(g, job.params());
          }
          g.writeBooleanField("stream", job.stream());
          writeOptionalLong(g, "created_ms", job.createdMs());
          writeOptionalLong(g, "deadline_ms", job.deadlineMs());
          writeMeta(g, job.meta());
          g.writeEndObject();
        });
  }

  // ---------------------------------------------------------------- replies

  /** Encodes a stream chunk. */
  public byte[] encodeChunk(JobChunk chunk) {
    return write(
        g -> {
          g.writeStartObject();
          g.writeNumberField("v", VERSION);
          g.writeStringField("id", chunk.id());
          g.writeStringField("type", "chunk");
          g.writeNumberField("seq", chunk.seq());
          g.writeStringField("delta", chunk.delta());
          if (chunk.restart()) {
            g.writeBooleanField("restart", true);
          }
          if (chunk.reasoning() != null) {
            g.writeStringField("reasoning", chunk.reasoning());
          }
          writeMeta(g, chunk.meta());
          g.writeEndObject();
        });
  }

  /** Encodes a final result. */
  public byte[] encodeResult(JobResult result) {
    return write(g -> ResultWriter.write(g, mapper, result));
  }

  /**
   * Decodes a reply (chunk or result) into a tree, checking only that it is one JSON object (read
   * as strictly as a request) with {@code "v": 1} and a {@code type} of {@code chunk} or {@code
   * result}. Producers use {@link #decodeResult} and {@link #decodeChunk} for typed access.
   *
   * @throws InvalidReplyException saying what is wrong
   */
  public JsonNode decodeReplyTree(byte[] body) {
    JsonNode root;
    try {
      root = strictReader.readTree(body);
    } catch (IOException e) {
      throw InvalidReplyException.notJson(jsonProblem(e), e);
    }
    return ReplyReader.checkEnvelope(root);
  }

  /**
   * Decodes a result reply, checking it against the contract: {@code type} is {@code result},
   * {@code status} agrees with {@code completion} and {@code error}, every field has its type and
   * every code and route is a known one. Unknown fields are ignored; a field that may be null may
   * also be absent.
   *
   * @throws InvalidReplyException naming the first problem (and its field, when there is one)
   */
  public JobResult decodeResult(byte[] body) {
    return ResultReader.read(decodeReplyTree(body));
  }

  /**
   * Decodes a chunk reply: {@code type} is {@code chunk}, {@code id} and {@code delta} are strings,
   * {@code seq} is an integer >= 0 and {@code restart}, when present, a boolean.
   *
   * @throws InvalidReplyException naming the first problem (and its field, when there is one)
   */
  public JobChunk decodeChunk(byte[] body) {
    return ReplyReader.readChunk(decodeReplyTree(body));
  }

  // ---------------------------------------------------------------- helpers

  static void writeOptionalLong(JsonGenerator g, String name, Long value) throws IOException {
    if (value != null) {
      g.writeNumberField(name, value);
    }
  }

  void writeMeta(JsonGenerator g, JsonNode meta) throws IOException {
    if (meta != null && !meta.isNull()) {
      g.writeFieldName("meta");
      mapper.writeTree(g, meta);
    }
  }

  /**
   * Jackson's first message line, in the sentence case of our own messages; the trailing-token
   * message names Jackson internals, so it is replaced by what it means for a producer.
   */
  static String jsonProblem(IOException e) {
    if (e instanceof MismatchedInputException
        && e.getMessage() != null
        && e.getMessage().startsWith("Trailing token")) {
      return "unexpected content after the JSON object";
    }
    String line = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    line = line.split("\n", 2)[0];
    return line.isEmpty() ? line : Character.toLowerCase(line.charAt(0)) + line.substring(1);
  }

  static boolean isReservedParam(String name) {
    return RESERVED_PARAMS.contains(name);
  }

  /** A fresh, empty object node from this codec's mapper. */
  public ObjectNode newObject() {
    return mapper.createObjectNode();
  }

  private byte[] write(GeneratorBody body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator g = factory.createGenerator(out)) {
      body.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode message", e);
    }
    return out.toByteArray();
  }

  @FunctionalInterface
  private interface GeneratorBody {
    void write(JsonGenerator g) throws IOException;
  }
}
