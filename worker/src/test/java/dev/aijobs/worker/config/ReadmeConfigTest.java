package dev.aijobs.worker.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aijobs.worker.admin.RepoFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's configuration tables and the loader know the same keys, both ways. */
class ReadmeConfigTest {
  private static final Pattern CODE = Pattern.compile("`([A-Z][A-Z0-9_]*)`");

  @Test
  void everyGlobalKeyIsDocumentedAndEveryDocumentedKeyIsKnown() throws IOException {
    Set<String> documented = firstColumnCodes(section("## Configuration", "### Providers"), "| `");
    assertThat(documented).isEqualTo(new TreeSet<>(ConfigKeys.GLOBAL_KEYS));
  }

  @Test
  void everyProviderFieldIsDocumentedAndEveryDocumentedFieldIsKnown() throws IOException {
    String providers = section("### Providers", "### Routes");
    String fields = providers.substring(providers.indexOf("| field |"));
    assertThat(firstColumnCodes(fields, "| `"))
        .isEqualTo(new TreeSet<>(ConfigKeys.PROVIDER_FIELDS));
  }

  private static Set<String> firstColumnCodes(String text, String rowStart) {
    Set<String> out = new TreeSet<>();
    for (String line : text.split("\\R")) {
      if (!line.startsWith(rowStart)) {
        continue;
      }
      String firstCell = line.substring(1, line.indexOf('|', 1));
      Matcher m = CODE.matcher(firstCell);
      while (m.find()) {
        out.add(m.group(1));
      }
    }
    return out;
  }

  private static String section(String from, String to) throws IOException {
    String readme = Files.readString(RepoFiles.root().resolve("README.md"));
    int start = readme.indexOf("\n" + from + "\n");
    int end = readme.indexOf("\n" + to, start + 1);
    assertThat(start).as("README section " + from).isNotNegative();
    assertThat(end).as("README section after " + from).isGreaterThan(start);
    return readme.substring(start, end);
  }
}
