package dev.aijobs.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads reply trees (producer side): the v1 envelope, chunks, and typed field access for {@link
 * ResultReader}. Every failure is an {@link InvalidReplyException} naming the field by its path,
 * e.g. {@code attempts[0].route}. A field that may be null may also be absent.
 */
final class ReplyReader {
  private ReplyReader() {}

  /** Checks that {@code root} is a v1 chunk or result and returns it. */
  static JsonNode checkEnvelope(JsonNode root) {
    if (root == null || !root.isObject()) {
      throw InvalidReplyException.message("reply must be a JSON object");
    }
    JsonNode v = root.get("v");
    if (v == null
        || !v.isIntegralNumber()
        || !v.canConvertToInt()
        || v.intValue() != JobCodec.VERSION) {
      throw InvalidReplyException.badField(
          "v", "is " + v + ": this codec reads v=" + JobCodec.VERSION);
    }
    String type = optionalText(root, "type", "type");
    if (!Topology.TYPE_CHUNK.equals(type) && !Topology.TYPE_RESULT.equals(type)) {
      throw InvalidReplyException.badField(
          "type", "is " + quoted(type) + ": expected chunk or result");
    }
    return root;
  }

  /** Checks that an envelope-checked reply has the given {@code type}. */
  static void checkType(JsonNode root, String type) {
    String actual = root.get("type").textValue();
    if (!type.equals(actual)) {
      throw InvalidReplyException.badField(
          "type", "is '" + actual + "': expected a " + type + " here");
    }
  }

  static JobChunk readChunk(JsonNode n) {
    checkType(n, Topology.TYPE_CHUNK);
    long seq = requiredLong(n, "seq", "seq", 0);
    JsonNode restart = nullToAbsent(n.get("restart"));
    if (restart != null && !restart.isBoolean()) {
      throw InvalidReplyException.badField("restart", "must be true or false");
    }
    return new JobChunk(
        requiredText(n, "id", "id"),
        seq,
        requiredText(n, "delta", "delta"),
        restart != null && restart.booleanValue(),
        nullToAbsent(n.get("meta")),
        optionalText(n, "reasoning", "reasoning"));
  }

  // ---------------------------------------------------------------- typed fields

  static JsonNode nullToAbsent(JsonNode node) {
    return node == null || node.isNull() ? null : node;
  }

  /** A string field that must be present (it may be empty). */
  static String requiredText(JsonNode parent, String name, String path) {
    String value = optionalText(parent, name, path);
    if (value == null) {
      throw InvalidReplyException.badField(path, "is required");
    }
    return value;
  }

  /** A string field that may be null or absent. */
  static String optionalText(JsonNode parent, String name, String path) {
    JsonNode node = nullToAbsent(parent.get(name));
    if (node == null) {
      return null;
    }
    if (!node.isTextual()) {
      throw InvalidReplyException.badField(path, "must be a string");
    }
    return node.textValue();
  }

  /** An object field that may be null or absent. */
  static JsonNode optionalObject(JsonNode parent, String name, String path) {
    JsonNode node = nullToAbsent(parent.get(name));
    if (node != null && !node.isObject()) {
      throw InvalidReplyException.badField(path, "must be an object or null");
    }
    return node;
  }

  /** An object field that must be present. */
  static JsonNode requiredObject(JsonNode parent, String name, String path) {
    JsonNode node = optionalObject(parent, name, path);
    if (node == null) {
      throw InvalidReplyException.badField(path, "is required");
    }
    return node;
  }

  /** An integer field of at least {@code min} that must be present. */
  static long requiredLong(JsonNode parent, String name, String path, long min) {
    Long value = optionalLong(parent, name, path, min);
    if (value == null) {
      throw InvalidReplyException.badField(path, "is required");
    }
    return value;
  }

  /** An integer field of at least {@code min}, or null. */
  static Long optionalLong(JsonNode parent, String name, String path, long min) {
    JsonNode node = nullToAbsent(parent.get(name));
    if (node == null) {
      return null;
    }
    if (!node.isIntegralNumber() || !node.canConvertToLong() || node.longValue() < min) {
      throw InvalidReplyException.badField(path, "must be an integer" + atLeast(min));
    }
    return node.longValue();
  }

  /** An int field of at least {@code min}, or null. */
  static Integer optionalInt(JsonNode parent, String name, String path, int min) {
    JsonNode node = nullToAbsent(parent.get(name));
    if (node == null) {
      return null;
    }
    if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < min) {
      throw InvalidReplyException.badField(path, "must be a 32-bit integer" + atLeast(min));
    }
    return node.intValue();
  }

  /** A boolean field that must be present. */
  static boolean requiredBoolean(JsonNode parent, String name, String path) {
    JsonNode node = nullToAbsent(parent.get(name));
    if (node == null) {
      throw InvalidReplyException.badField(path, "is required");
    }
    if (!node.isBoolean()) {
      throw InvalidReplyException.badField(path, "must be true or false");
    }
    return node.booleanValue();
  }

  static String quoted(String value) {
    return value == null ? "missing" : "'" + value + "'";
  }

  private static String atLeast(long min) {
    return min == Long.MIN_VALUE || min == Integer.MIN_VALUE ? "" : " >= " + min;
  }
}
