package dev.aijobs.worker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {

  private static WorkerConfig load(String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return ConfigLoader.load(ConfigSource.of(m));
  }

  @Test
  void defaultsWithoutAnything() {
    WorkerConfig c = load();
    assertThat(c.providers()).isEmpty();
    assertThat(c.jobs().maxInFlight())
        .isEqualTo(WorkerConfig.Jobs.DEFAULTS.maxInFlight())
        .isGreaterThanOrEqualTo(1000);
    assertThat(c.jobs().maxBodyBytes()).isEqualTo(1024 * 1024);
    assertThat(c.amqp().uri()).isEqualTo(WorkerConfig.Amqp.DEFAULTS.uri());
  }

  @Test
  void presetEnabledByItsApiKeyAlone() {
    WorkerConfig c = load("OPENROUTER_API_KEY", "sk-or-v1-abcdefghijklmnop1234");
    ProviderConfig p = c.providers().get("openrouter");
    assertThat(p.baseUrl()).hasToString("https://openrouter.ai/api/v1");
    assertThat(p.chatCompletionsUrl()).isEqualTo("https://openrouter.ai/api/v1/chat/completions");
    assertThat(p.apiKeys().get(0).reveal()).isEqualTo("sk-or-v1-abcdefghijklmnop1234");
    assertThat(p.mode()).isEqualTo(ConnectionMode.DIRECT);
    assertThat(c.providers()).doesNotContainKeys("openai", "deepseek", "qwen");
  }

  @Test
  void allFourPresetsHavePublicBaseUrls() {
    WorkerConfig c =
        load(
            "OPENAI_API_KEY",
            "a",
            "OPENROUTER_API_KEY",
            "b",
            "DEEPSEEK_API_KEY",
            "c",
            "DASHSCOPE_API_KEY",
            "d");
    assertThat(c.providers().keySet())
        .containsExactlyInAnyOrder("openai", "openrouter", "deepseek", "qwen");
    assertThat(c.providers().get("qwen").baseUrl().toString()).contains("dashscope");
    assertThat(c.providers().get("deepseek").baseUrl().toString())
        .startsWith("https://api.deepseek.com");
  }

  @Test
  void providerDefinedByEnvironmentAlone() {
    WorkerConfig c =
        load(
            "AIJOBS_PROVIDER_MY_LLM_BASE_URL", "http://127.0.0.1:8089/v1",
            "AIJOBS_PROVIDER_MY_LLM_API_KEY", "secret-key-0123456789",
            "AIJOBS_PROVIDER_MY_LLM_MODE", "socks5",
            "AIJOBS_PROVIDER_MY_LLM_PROXY_URL", "socks5://u:p%40ss@127.0.0.1:1080",
            "AIJOBS_PROVIDER_MY_LLM_TIMEOUT", "45s");
    ProviderConfig p = c.providers().get("my_llm");
    assertThat(p.mode()).isEqualTo(ConnectionMode.SOCKS5);
    assertThat(p.proxy().host()).isEqualTo("127.0.0.1");
    assertThat(p.proxy().port()).isEqualTo(1080);
    assertThat(p.proxy().username()).isEqualTo("u");
    assertThat(p.proxy().password().reveal()).isEqualTo("p@ss");
    assertThat(p.timeout()).isEqualTo(Duration.ofSeconds(45));
    assertThat(p.toString()).doesNotContain("secret-key").doesNotContain("p@ss");
  }

  @Test
  void legacyOpenRouterModeAndProxyUrlKeepTheirMeaning() {
    WorkerConfig c =
        load(
            "OPENROUTER_API_KEY", "k",
            "OPENROUTER_CONNECTION_MODE", "proxy",
            "AI_PROXY_URL", "socks5://user:pw@10.1.2.3:1080");
    ProviderConfig p = c.providers().get("openrouter");
    assertThat(p.mode()).isEqualTo(ConnectionMode.SOCKS5);
    assertThat(p.proxy().host()).isEqualTo("10.1.2.3");
    assertThat(
            load("OPENROUTER_API_KEY", "k", "OPENROUTER_CONNECTION_MODE", "direct")
                .providers()
                .get("openrouter")
                .mode())
        .isEqualTo(ConnectionMode.DIRECT);
  }

  @Test
  void socks5hResolvesAtTheProxy() {
    assertThat(ProxySettings.parse("K", "socks5h://h:1").resolveAtProxy()).isTrue();
    assertThat(ProxySettings.parse("K", "socks5://h:1").resolveAtProxy()).isFalse();
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource({
    "AIJOBS_MAX_IN_FLIGHT, abc, AIJOBS_MAX_IN_FLIGHT",
    "AIJOBS_MAX_IN_FLIGHT, 0, AIJOBS_MAX_IN_FLIGHT",
    "AIJOBS_HTTP_PORT, 70000, AIJOBS_HTTP_PORT",
    "AIJOBS_DRAIN_TIMEOUT, soon, AIJOBS_DRAIN_TIMEOUT",
    "AIJOBS_DEFAULT_JOB_TIMEOUT, 0s, AIJOBS_DEFAULT_JOB_TIMEOUT",
    "AIJOBS_AMQP_URI, http://x, AIJOBS_AMQP_URI",
    "AIJOBS_AMQP_ADDRESSES, 'a:1,b:x', AIJOBS_AMQP_ADDRESSES",
    "AIJOBS_MAX_INFLIGHT, 10, AIJOBS_MAX_INFLIGHT",
    "AIJOBS_PROVIDER_X_BASE_URI, http://x, AIJOBS_PROVIDER_X_BASE_URI",
    "AIJOBS_PROVIDER_OK_MODE, socks5, AIJOBS_PROVIDER_OK_PROXY_URL",
    "AIJOBS_PROVIDER_X_API_KEY, k, AIJOBS_PROVIDER_X_BASE_URL",
  })
  void badValueNamesTheKey(String key, String value, String named) {
    assertThatThrownBy(() -> load(key, value, "AIJOBS_PROVIDER_OK_BASE_URL", "http://127.0.0.1/v1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(named + ":");
  }

  @Test
  void badProviderModeNamesTheKey() {
    assertThatThrownBy(
            () ->
                load(
                    "AIJOBS_PROVIDER_X_BASE_URL", "http://h/v1",
                    "AIJOBS_PROVIDER_X_MODE", "tor"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("AIJOBS_PROVIDER_X_MODE")
        .hasMessageContaining("tor");
  }

  @Test
  void yamlFileMapsOntoKeysAndEnvironmentWins(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("worker.yaml");
    Files.writeString(
        file,
        """
        max_in_flight: 3000
        drain_timeout: 5s
        amqp:
          addresses: [node1:5672, node2:5672]
        providers:
          mock:
            base_url: http://127.0.0.1:8089/v1
            api_key_env: MOCK_KEY
        """);
    WorkerConfig c =
        load(
            "AIJOBS_CONFIG_FILE",
            file.toString(),
            "MOCK_KEY",
            "k-1",
            "AIJOBS_MAX_IN_FLIGHT",
            "1500");
    assertThat(c.jobs().maxInFlight()).isEqualTo(1500);
    assertThat(c.jobs().drainTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.amqp().addresses()).containsExactly("node1:5672", "node2:5672");
    assertThat(c.providers().get("mock").apiKeys().get(0).reveal()).isEqualTo("k-1");
  }

  @Test
  void yamlRefusesSecrets(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("worker.yaml");
    Files.writeString(
        file, "providers:\n  mock:\n    base_url: http://h/v1\n    api_key: sk-123\n");
    assertThatThrownBy(() -> load("AIJOBS_CONFIG_FILE", file.toString()))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("providers.mock.api_key:")
        .hasMessageNotContaining("sk-123");
  }

  @Test
  void missingConfigFileNamesTheKey() {
    assertThatThrownBy(() -> load("AIJOBS_CONFIG_FILE", "/nonexistent/worker.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("AIJOBS_CONFIG_FILE:");
  }

  /** Proves every documented key is read: a bad value for it stops start-up naming it. */
  @ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.MethodSource("everyGlobalKey")
  void everyGlobalKeyIsReadAndValidated(String key) {
    String bad =
        key.endsWith("_URI")
            ? "ftp://x"
            : key.endsWith("TRUST_STORE")
                ? "/nonexistent/store.p12"
                : key.endsWith("_HOST") || key.endsWith("PASSWORD") || key.endsWith("CONFIG_FILE")
                    ? null
                    : key.endsWith("ADDRESSES")
                        ? "a:notaport"
                        : key.endsWith("_PATTERN") ? "(unclosed" : "-1x";
    org.assertj.core.api.ThrowableAssert.ThrowingCallable loading =
        () -> {
          WorkerConfig c = load(key, bad);
          if (key.endsWith("TRUST_STORE")) {
            TrustStores.clientContext(
                key,
                key.startsWith("AIJOBS_AMQP") ? c.amqp().trustStore() : c.upstream().trustStore());
          }
        };
    assertThatThrownBy(loading)
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(key + ":");
  }

  static java.util.stream.Stream<String> everyGlobalKey() {
    // Free-form values (host names, passwords) have nothing to reject; the file has its own test.
    return ConfigKeys.GLOBAL_KEYS.stream()
        .filter(k -> !k.endsWith("_HOST") && !k.endsWith("PASSWORD") && !k.endsWith("CONFIG_FILE"))
        .filter(k -> !ConfigKeys.LAUNCHER_KEYS.contains(k))
        .sorted();
  }

  @Test
  void everyProviderFieldIsRead() {
    for (String field : ConfigKeys.PROVIDER_FIELDS) {
      if (field.equals(ConfigKeys.P_BASE_URL)
          || field.equals(ConfigKeys.P_API_KEY)
          || field.equals(ConfigKeys.P_API_KEY_ENV)
          || field.equals(ConfigKeys.P_PROXY_URL)) {
        continue;
      }
      String key = "AIJOBS_PROVIDER_P_" + field;
      assertThatThrownBy(() -> load("AIJOBS_PROVIDER_P_BASE_URL", "http://h/v1", key, "-1x;"))
          .as(key)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining(key);
    }
  }

  @Test
  void theLaunchersKeysAreAcceptedAndLeftToIt() {
    WorkerConfig c =
        load("AIJOBS_JAR", "/opt/aijobs/aijobs-worker.jar", "AIJOBS_JVM_DEFAULTS", "-Xmx1g");
    assertThat(c.jobs()).isEqualTo(WorkerConfig.Jobs.DEFAULTS);
  }

  @Test
  void gatewaySettingsAreRead() {
    WorkerConfig c =
        load(
            "AIJOBS_PROVIDER_AZ_BASE_URL", "https://gw.example/openai/deployments/d?api-version=1",
            "AIJOBS_PROVIDER_AZ_AUTH_HEADER", "api-key",
            "AIJOBS_PROVIDER_AZ_HEADERS", "X-Title=My Bot; HTTP-Referer=https://bot.example",
            "AIJOBS_PROVIDER_AZ_STREAM_USAGE", "false");
    ProviderConfig p = c.providers().get("az");
    assertThat(p.chatCompletionsUrl())
        .isEqualTo("https://gw.example/openai/deployments/d/chat/completions?api-version=1");
    assertThat(p.authHeader()).isEqualTo("api-key");
    assertThat(p.authValue(Secret.of("k"))).isEqualTo("k");
    assertThat(p.headers())
        .containsExactly(
            java.util.Map.entry("X-Title", "My Bot"),
            java.util.Map.entry("HTTP-Referer", "https://bot.example"));
    assertThat(p.streamUsage()).isFalse();
    ProviderConfig plain = load("AIJOBS_PROVIDER_P_BASE_URL", "http://h/v1").providers().get("p");
    assertThat(plain.authValue(Secret.of("k"))).isEqualTo("Bearer k");
    assertThat(plain.streamUsage()).isTrue();
    assertThatThrownBy(
            () ->
                load(
                    "AIJOBS_PROVIDER_P_BASE_URL", "http://h/v1",
                    "AIJOBS_PROVIDER_P_HEADERS", "Authorization=Bearer x"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("AIJOBS_PROVIDER_P_HEADERS:")
        .hasMessageNotContaining("Bearer x");
  }

  @Test
  void routesAndRetriesSettingsAreApplied() {
    WorkerConfig c =
        load(
            "AIJOBS_MAX_ATTEMPTS", "9",
            "AIJOBS_RETRY_BASE_DELAY", "10ms",
            "AIJOBS_RETRY_MAX_DELAY", "1s",
            "AIJOBS_CHUNK_INTERVAL", "20ms",
            "AIJOBS_CHUNK_CHARS", "7",
            "AIJOBS_BREAKER_MIN_CALLS", "3");
    assertThat(c.retry().maxAttempts()).isEqualTo(9);
    assertThat(c.retry().baseDelay()).isEqualTo(Duration.ofMillis(10));
    assertThat(c.retry().maxDelay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.chunks().interval()).isEqualTo(Duration.ofMillis(20));
    assertThat(c.chunks().chars()).isEqualTo(7);
    assertThat(c.breakers().minCalls()).isEqualTo(3);
  }

  @Test
  void lanesAreOffByDefaultAndServeEveryProvider() {
    WorkerConfig c =
        load(
            "AIJOBS_PROVIDER_A_BASE_URL",
            "http://a/v1",
            "AIJOBS_PROVIDER_B_BASE_URL",
            "http://b/v1");
    assertThat(c.lanes().enabled()).isFalse();
    assertThat(c.servedProviders()).containsExactlyInAnyOrder("a", "b");
  }

  @Test
  void aPoolServesTheProvidersItNames() {
    WorkerConfig c =
        load(
            "AIJOBS_LANES", "true",
            "AIJOBS_SERVE", " B ,b",
            "AIJOBS_PROVIDER_A_BASE_URL", "http://a/v1",
            "AIJOBS_PROVIDER_B_BASE_URL", "http://b/v1",
            "AIJOBS_PROVIDER_B_MAX_IN_FLIGHT", "50",
            "AIJOBS_PROVIDER_B_MIN_IN_FLIGHT", "5");
    assertThat(c.lanes().enabled()).isTrue();
    assertThat(c.servedProviders()).containsExactly("b");
    ProviderConfig b = c.providers().get("b");
    assertThat(b.laneMax(2000)).isEqualTo(50);
    assertThat(b.laneMin(2000)).isEqualTo(5);
    ProviderConfig a = c.providers().get("a");
    assertThat(a.laneMax(2000)).isEqualTo(2000);
    assertThat(a.laneMin(2000)).isEqualTo(200);
  }

  @Test
  void servingAnUnknownProviderStopsStartUpNamingTheKey() {
    assertThatThrownBy(
            () -> load("AIJOBS_SERVE", "deepsek", "AIJOBS_PROVIDER_A_BASE_URL", "http://a/v1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("AIJOBS_SERVE")
        .hasMessageContaining("deepsek");
  }

  @Test
  void aFloorAboveTheCeilingStopsStartUp() {
    assertThatThrownBy(
            () ->
                load(
                    "AIJOBS_PROVIDER_A_BASE_URL", "http://a/v1",
                    "AIJOBS_PROVIDER_A_MAX_IN_FLIGHT", "5",
                    "AIJOBS_PROVIDER_A_MIN_IN_FLIGHT", "6"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("AIJOBS_PROVIDER_A")
        .hasMessageContaining("MIN_IN_FLIGHT");
  }
}
