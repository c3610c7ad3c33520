package dev.aijobs.worker.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a YAML configuration file into keys: nested names join with {@code _} under {@code
 * AIJOBS_}, and {@code providers.<id>.<field>} becomes {@code AIJOBS_PROVIDER_<ID>_<FIELD>}.
 * Secrets are refused in the file: name an environment variable with {@code api_key_env}.
 */
final class YamlConfigFile {
  private YamlConfigFile() {}

  static ConfigSource load(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw ConfigException.invalid(
          ConfigKeys.CONFIG_FILE, "cannot read " + file + ": " + e.getMessage());
    }
    Map<String, String> values = new LinkedHashMap<>();
    if (root != null && !root.isNull() && !root.isMissingNode()) {
      if (!root.isObject()) {
        throw ConfigException.invalid(ConfigKeys.CONFIG_FILE, file + " must hold a YAML mapping");
      }
      for (Map.Entry<String, JsonNode> e : root.properties()) {
        if (e.getKey().equals("providers")) {
          readProviders(e.getValue(), values);
        } else {
          flatten(ConfigKeys.PREFIX, e.getKey(), e.getValue(), values);
        }
      }
    }
    return ConfigSource.of(values);
  }

  private static void readProviders(JsonNode providers, Map<String, String> out) {
    if (!providers.isObject()) {
      throw ConfigException.invalid("providers", "must be a mapping of provider id to settings");
    }
    for (Map.Entry<String, JsonNode> p : providers.properties()) {
      String id = p.getKey();
      if (!p.getValue().isObject()) {
        throw ConfigException.invalid("providers." + id, "must be a mapping of settings");
      }
      for (Map.Entry<String, JsonNode> field : p.getValue().properties()) {
        if (field.getKey().equals("api_key")) {
          throw ConfigException.invalid(
              "providers." + id + ".api_key",
              "secrets are not read from the file: set api_key_env to the name of an environment"
                  + " variable, or set "
                  + ConfigKeys.providerKey(id, ConfigKeys.P_API_KEY));
        }
        out.put(
            ConfigKeys.providerKey(id, field.getKey().toUpperCase(Locale.ROOT)),
            scalar("providers." + id + "." + field.getKey(), field.getValue()));
      }
    }
  }

  private static void flatten(String prefix, String name, JsonNode node, Map<String, String> out) {
    String key = prefix + name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        flatten(key + "_", e.getKey(), e.getValue(), out);
      }
    } else {
      out.put(key, scalar(name, node));
    }
  }

  private static String scalar(String path, JsonNode node) {
    if (node.isArray()) {
      StringBuilder sb = new StringBuilder();
      for (JsonNode item : node) {
        if (sb.length() > 0) {
          sb.append(',');
        }
        sb.append(item.asText());
      }
      return sb.toString();
    }
    if (node.isContainerNode()) {
      throw ConfigException.invalid(path, "must be a value or a list");
    }
    return node.asText();
  }
}
