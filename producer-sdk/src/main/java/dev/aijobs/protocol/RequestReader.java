package dev.aijobs.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Validates a request tree field by field, in wire order, so the first bad field is the one named.
 * It checks the JSON types; the value rules it shares with the {@link JobRequest} constructor live
 * in {@link RequestRules}, so both give the same message for the same fault.
 */
final class RequestReader {
  private RequestReader() {}

  static JobRequest read(JsonNode root) {
    if (root == null || !root.isObject()) {
      throw InvalidJobException.message("body must be a JSON object");
    }
    readVersion(root);
    String id = requiredString(root, "id");
    RequestRules.checkId(id);
    String provider = requiredString(root, "provider");
    String model = requiredString(root, "model");
    List<Target> fallbacks = readFallbacks(root.get("fallbacks"));
    List<JsonNode> messages = readMessages(root.get("messages"));
    ObjectNode params = readParams(root.get("params"));
    boolean stream = readStream(root.get("stream"));
    Long createdMs = optionalLong(root, "created_ms");
    Long deadlineMs = optionalLong(root, "deadline_ms");
    JsonNode meta = root.get("meta");
    if (meta != null && meta.isNull()) {
      meta = null;
    }
    return new JobRequest(
        JobCodec.VERSION,
        id,
        provider,
        model,
        fallbacks,
        messages,
        params,
        stream,
        createdMs,
        deadlineMs,
        meta);
  }

  private static void readVersion(JsonNode root) {
    JsonNode v = root.get("v");
    if (v == null || v.isNull()) {
      throw InvalidJobException.badField("v", "is required (the schema version, 1)");
    }
    // canConvertToInt first: asInt() keeps the low 32 bits, so 4294967297 would read as 1.
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() != JobCodec.VERSION) {
      throw InvalidJobException.badField(
          "v", "is " + v + ": unsupported version, this worker speaks v=" + JobCodec.VERSION);
    }
  }

  private static String requiredString(JsonNode node, String field) {
    return requiredString(node, field, field);
  }

  private static String requiredString(JsonNode node, String field, String path) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      throw InvalidJobException.badField(path, "is required");
    }
    if (!value.isTextual() || value.asText().isBlank()) {
      throw InvalidJobException.badField(path, "must be a non-empty string");
    }
    return value.asText();
  }

  private static List<Target> readFallbacks(JsonNode node) {
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      throw InvalidJobException.badField("fallbacks", "must be an array of {provider, model}");
    }
    List<Target> out = new ArrayList<>(node.size());
    for (int i = 0; i < node.size(); i++) {
      JsonNode f = node.get(i);
      String path = "fallbacks[" + i + "]";
      if (!f.isObject()) {
        throw InvalidJobException.badField(path, "must be an object {provider, model}");
      }
      out.add(
          new Target(
              requiredString(f, "provider", path + ".provider"),
              requiredString(f, "model", path + ".model")));
    }
    return out;
  }

  private static List<JsonNode> readMessages(JsonNode node) {
    if (node == null || node.isNull()) {
      throw InvalidJobException.badField("messages", "is required");
    }
    if (!node.isArray() || node.isEmpty()) {
      throw InvalidJobException.badField("messages", "must be a non-empty array");
    }
    List<JsonNode> out = new ArrayList<>(node.size());
    for (int i = 0; i < node.size(); i++) {
      JsonNode m = node.get(i);
      RequestRules.checkMessage(m, i);
      out.add(m);
    }
    return out;
  }

  private static ObjectNode readParams(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      throw InvalidJobException.badField("params", "must be an object");
    }
    RequestRules.checkParams((ObjectNode) node);
    return (ObjectNode) node;
  }

  private static boolean readStream(JsonNode node) {
    if (node == null || node.isNull()) {
      return false;
    }
    if (!node.isBoolean()) {
      throw InvalidJobException.badField("stream", "must be true or false");
    }
    return node.asBoolean();
  }

  private static Long optionalLong(JsonNode root, String field) {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.canConvertToLong() || !node.isIntegralNumber() || node.asLong() < 0) {
      throw InvalidJobException.badField(field, RequestRules.EPOCH_MILLIS_PROBLEM);
    }
    return node.asLong();
  }
}
