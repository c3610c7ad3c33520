package dev.aijobs.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestRulesTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "01JDX3",
        "\u00e9t\u00e9",
        "\u20ac100",
        "\ud83d\ude00 grin",
        "\u0000\u007f\u0080\u07ff\u0800\uffff",
        "\ud800\udc00\udbff\udfff"
      })
  void utf8LengthIsTheEncodedLength(String s) {
    assertThat(RequestRules.utf8Length(s)).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
  }
}
