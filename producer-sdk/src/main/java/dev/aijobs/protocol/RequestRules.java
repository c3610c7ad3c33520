package dev.aijobs.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;

/**
 * The rules a job's values obey, shared by the {@link JobRequest} constructor (jobs built in code)
 * and {@link RequestReader} (jobs read from the wire), so both say the same thing about a bad
 * value.
 */
final class RequestRules {
  /**
   * Longest accepted job id in UTF-8 bytes: it becomes the AMQP {@code message_id}, a short string
   * of at most 255 bytes.
   */
  static final int MAX_ID_BYTES = 200;

  /** The problem with a bad {@code created_ms} or {@code deadline_ms}. */
  static final String EPOCH_MILLIS_PROBLEM = "must be a non-negative integer (epoch millis)";

  /**
   * Most fallbacks a job may list: each may cost a provider call and a wait, and the worker's
   * attempt budget ends a chain long before this.
   */
  static final int MAX_FALLBACKS = 10;

  private RequestRules() {}

  static void checkVersion(int v) {
    if (v != JobCodec.VERSION) {
      throw InvalidJobException.badField(
          "v", "is " + v + ": unsupported version, this codec speaks v=" + JobCodec.VERSION);
    }
  }

  /** Checks a required string field that must not be blank. */
  static void checkText(String field, String value) {
    if (value == null) {
      throw InvalidJobException.badField(field, "is required");
    }
    if (value.isBlank()) {
      throw InvalidJobException.badField(field, "must be a non-empty string");
    }
  }

  /** Checks every fallback; null means none. */
  static void checkFallbacks(List<Target> fallbacks) {
    if (fallbacks == null) {
      return;
    }
    if (fallbacks.size() > MAX_FALLBACKS) {
      throw InvalidJobException.badField(
          "fallbacks", "has " + fallbacks.size() + " entries, at most " + MAX_FALLBACKS);
    }
    int i = 0;
    for (Target t : fallbacks) {
      String path = "fallbacks[" + i++ + "]";
      if (t == null) {
        throw InvalidJobException.badField(path, "must be an object {provider, model}");
      }
      checkText(path + ".provider", t.provider());
      checkText(path + ".model", t.model());
    }
  }

  /** Checks that there is at least one message and that each is an object with a role. */
  static void checkMessages(List<JsonNode> messages) {
    if (messages == null) {
      throw InvalidJobException.badField("messages", "is required");
    }
    if (messages.isEmpty()) {
      throw InvalidJobException.badField("messages", "must be a non-empty array");
    }
    int i = 0;
    for (JsonNode m : messages) {
      checkMessage(m, i++);
    }
  }

  /** Checks the message at {@code index}: an object with a non-blank string {@code role}. */
  static void checkMessage(JsonNode m, int index) {
    String path = "messages[" + index + "]";
    if (m == null || !m.isObject()) {
      throw InvalidJobException.badField(path, "must be an object with 'role'");
    }
    JsonNode role = m.get("role");
    if (role == null || role.isNull()) {
      throw InvalidJobException.badField(path + ".role", "is required");
    }
    if (!role.isTextual() || role.textValue().isBlank()) {
      throw InvalidJobException.badField(path + ".role", "must be a non-empty string");
    }
  }

  /** Checks that {@code params} (may be null) sets none of the job's own fields. */
  static void checkParams(ObjectNode params) {
    if (params == null) {
      return;
    }
    for (Iterator<String> it = params.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (JobCodec.isReservedParam(name)) {
        throw InvalidJobException.badField(
            "params." + name, "is set by the job itself; use the top-level field");
      }
    }
    JsonNode n = params.get("n");
    if (n != null && !n.isNull() && !(n.isIntegralNumber() && n.asLong() == 1)) {
      throw InvalidJobException.badField(
          "params.n",
          "is " + n + ": a job asks for one completion (publish one job per completion wanted)");
    }
  }

  /** Checks an optional epoch-millis field. */
  static void checkEpochMillis(String field, Long value) {
    if (value != null && value < 0) {
      throw InvalidJobException.badField(field, EPOCH_MILLIS_PROBLEM);
    }
  }

  /**
   * Checks a non-blank id against the byte limit and for control characters.
   *
   * @throws InvalidJobException naming {@code id}
   */
  static void checkId(String id) {
    if (utf8Length(id) > MAX_ID_BYTES) {
      throw InvalidJobException.badField(
          "id", "must be at most " + MAX_ID_BYTES + " bytes in UTF-8 (it is the AMQP message_id)");
    }
    for (int i = 0; i < id.length(); i++) {
      // Control characters break log lines and headers wherever the id is echoed.
      if (Character.isISOControl(id.charAt(i))) {
        throw InvalidJobException.badField("id", "must not contain control characters");
      }
    }
  }

  /** The UTF-8 length of {@code s}, without encoding it. */
  static int utf8Length(String s) {
    int bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        // Other BMP characters; a lone surrogate is encoded as '?' (1 byte) by Java, but 3 is
        // the safe upper bound.
        bytes += 3;
      }
    }
    return bytes;
  }
}
