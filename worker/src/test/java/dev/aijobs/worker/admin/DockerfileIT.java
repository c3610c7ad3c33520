package dev.aijobs.worker.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Dockerfile builds without a Docker engine's help: its build stage copies every module of the
 * root POM, and its build command succeeds in a directory holding exactly what the Dockerfile
 * copies from the build context (after {@code .dockerignore}); the files the later stages take from
 * the build stage and the context exist.
 */
class DockerfileIT {
  private static final Path ROOT = RepoFiles.root();
  private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");

  record Copy(List<String> sources, String dest, boolean fromBuild) {}

  record Stage(String name, List<Copy> copies, List<String> runs) {}

  @Test
  void buildStageCopiesEveryModuleOfTheRootPom() throws IOException {
    List<String> copied = new ArrayList<>();
    build().copies().forEach(c -> copied.addAll(c.sources()));
    Matcher m = MODULE.matcher(Files.readString(ROOT.resolve("pom.xml")));
    List<String> modules = new ArrayList<>();
    while (m.find()) {
      modules.add(m.group(1).trim());
    }
    assertThat(modules).isNotEmpty();
    for (String module : modules) {
      assertThat(copied).as("COPY of module " + module).contains(module + "/");
    }
  }

  @Test
  void contextFilesOfEveryStageAreNotIgnored() throws IOException {
    List<PathMatcher[]> ignore = dockerignore();
    for (Stage stage : stages()) {
      for (Copy c : stage.copies()) {
        if (c.fromBuild()) {
          continue;
        }
        for (String src : c.sources()) {
          Path p = Path.of(stripSlash(src));
          assertThat(ROOT.resolve(p)).as(stage.name() + ": COPY " + src).exists();
          assertThat(ignored(ignore, p)).as(stage.name() + ": " + src + " is ignored").isFalse();
        }
      }
    }
  }

  @Test
  void buildCommandSucceedsOnExactlyTheCopiedContext(@TempDir Path context) throws Exception {
    List<PathMatcher[]> ignore = dockerignore();
    Stage build = build();
    for (Copy c : build.copies()) {
      for (String src : c.sources()) {
        copyTree(ROOT, Path.of(stripSlash(src)), context, ignore);
      }
    }
    assertThat(build.runs()).hasSize(1);
    List<String> command = new ArrayList<>();
    for (String word : build.runs().get(0).trim().split("\\s+")) {
      if (!word.startsWith("--mount=")) {
        command.add(word);
      }
    }
    assertThat(command.get(0)).isEqualTo("./mvnw");
    Path log = context.resolve("build.log");
    Process p =
        new ProcessBuilder(command)
            .directory(context.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    assertThat(p.waitFor(15, TimeUnit.MINUTES)).as("build finished").isTrue();
    assertThat(p.exitValue()).as("build stage: " + command + "\n" + tail(log)).isZero();

    for (Stage stage : stages()) {
      for (Copy c : stage.copies()) {
        if (c.fromBuild()) {
          for (String src : c.sources()) {
            Path built = context.resolve(src.replaceFirst("^/src/", ""));
            assertThat(built).as(stage.name() + ": COPY --from=build " + src).exists();
          }
        }
      }
    }
    assertThat(context.resolve("worker/bin/aijobs-worker")).isExecutable();
  }

  @Test
  void workerImageAndKubernetesDeploymentStartTheLauncher() throws IOException {
    String launcher = "/app/bin/aijobs-worker";
    Stage worker = stages().get(stages().size() - 1);
    assertThat(worker.name()).isEqualTo("worker");
    assertThat(worker.copies())
        .contains(new Copy(List.of("/src/worker/bin/aijobs-worker"), launcher, true))
        .contains(
            new Copy(
                List.of("/src/worker/target/aijobs-worker.jar"), "/app/aijobs-worker.jar", true));
    String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
    assertThat(dockerfile).contains("ENTRYPOINT [\"" + launcher + "\"]");
    com.fasterxml.jackson.databind.JsonNode containers =
        new com.fasterxml.jackson.databind.ObjectMapper(
                new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
            .readTree(ROOT.resolve("ops/k8s/deployment.yaml").toFile())
            .at("/spec/template/spec/containers");
    assertThat(containers.get(0).path("command").get(0).asText()).isEqualTo(launcher);
  }

  private static Stage build() throws IOException {
    return stages().stream()
        .filter(s -> s.name().equals("build"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no stage 'build' in the Dockerfile"));
  }

  /** The Dockerfile's stages with their COPY and RUN instructions (continuations joined). */
  static List<Stage> stages() throws IOException {
    String text = Files.readString(ROOT.resolve("Dockerfile")).replaceAll("\\\\\\R", " ");
    List<Stage> stages = new ArrayList<>();
    Stage current = null;
    for (String raw : text.split("\\R")) {
      String line = raw.trim();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] words = line.split("\\s+");
      switch (words[0]) {
        case "FROM" -> {
          current = new Stage(words[words.length - 1], new ArrayList<>(), new ArrayList<>());
          stages.add(current);
        }
        case "COPY" -> {
          List<String> args = new ArrayList<>(List.of(words).subList(1, words.length));
          boolean fromBuild = args.remove("--from=build");
          assertThat(args)
              .as("COPY options other than --from=build: " + line)
              .noneMatch(a -> a.startsWith("--"));
          String dest = args.remove(args.size() - 1);
          current.copies().add(new Copy(args, dest, fromBuild));
        }
        case "RUN" -> current.runs().add(line.substring(3));
        default -> {}
      }
    }
    return stages;
  }

  /** The {@code .dockerignore} patterns as (matcher, excludes?) pairs, in file order. */
  private static List<PathMatcher[]> dockerignore() throws IOException {
    List<PathMatcher[]> out = new ArrayList<>();
    for (String raw : Files.readAllLines(ROOT.resolve(".dockerignore"))) {
      String line = raw.trim();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      boolean include = line.startsWith("!");
      String glob = stripSlash(include ? line.substring(1) : line);
      List<String> globs = new ArrayList<>(List.of(glob));
      if (glob.startsWith("**/")) {
        globs.add(glob.substring(3)); // Docker's **/ also matches at the top
      }
      PathMatcher m =
          FileSystems.getDefault().getPathMatcher("glob:{" + String.join(",", globs) + "}");
      out.add(new PathMatcher[] {m, include ? null : m});
    }
    return out;
  }

  /** Docker's rule: the last pattern matching the path or one of its parents decides. */
  private static boolean ignored(List<PathMatcher[]> patterns, Path relative) {
    boolean ignored = false;
    for (PathMatcher[] p : patterns) {
      for (Path q = relative; q != null; q = q.getParent()) {
        if (p[0].matches(q)) {
          ignored = p[1] != null;
          break;
        }
      }
    }
    return ignored;
  }

  private static void copyTree(Path root, Path relative, Path to, List<PathMatcher[]> ignore)
      throws IOException {
    try (Stream<Path> files = Files.walk(root.resolve(relative))) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path rel = root.relativize(f);
        if (ignored(ignore, rel) || Files.isDirectory(f)) {
          continue;
        }
        Path target = to.resolve(rel.toString());
        Files.createDirectories(target.getParent());
        Files.copy(f, target, StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }
}
