package dev.aijobs.worker.config;

import java.util.List;

/**
 * Built-in providers of the original bot. A preset is enabled when its API key is set (e.g. {@code
 * OPENROUTER_API_KEY}), or when any of its {@code AIJOBS_PROVIDER_<ID>_*} keys is set.
 */
public final class ProviderPresets {

  /**
   * A preset.
   *
   * @param id provider id
   * @param baseUrl public OpenAI-compatible base URL
   * @param apiKeyEnv environment variables that may hold the key, first wins
   */
  public record Preset(String id, String baseUrl, List<String> apiKeyEnv) {}

  public static final List<Preset> ALL =
      List.of(
          new Preset("openai", "https://api.openai.com/v1", List.of("OPENAI_API_KEY")),
          new Preset("openrouter", "https://openrouter.ai/api/v1", List.of("OPENROUTER_API_KEY")),
          new Preset("deepseek", "https://api.deepseek.com/v1", List.of("DEEPSEEK_API_KEY")),
          new Preset(
              "qwen",
              "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
              List.of("DASHSCOPE_API_KEY", "QWEN_API_KEY")));

  private ProviderPresets() {}

  /** The preset with this id, or null. */
  public static Preset find(String id) {
    for (Preset p : ALL) {
      if (p.id().equals(id)) {
        return p;
      }
    }
    return null;
  }
}
