package dev.cerberus.trainer.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The real text protocol (slow profile only: {@code ./mvnw -Pslow -pl trainer test
 * -Dtest=TextOodProtocolSlowTest}): bench/text-ood-protocol.sh on the four default base topics
 * with the repository's template (frozen MiniLM, the rule serving, per-head unknowns). Needs
 * Debian wordnet-base, fortunes, manpages(-dev), build/minilm-split4 and the npm Brown corpus;
 * skipped without them. About 25-40 minutes on 2 shared cores with an empty feature cache.
 */
@Tag("slow")
class TextOodProtocolSlowTest {

  @Test
  void fourTopicsGiveTablesForEveryMethodHeadAndTheServedDecision() throws Exception {
    Path root = Path.of("..").toAbsolutePath().normalize();
    assumeTrue(Files.isDirectory(Path.of("/usr/share/wordnet")), "needs Debian wordnet-base");
    assumeTrue(Files.exists(root.resolve("build/minilm-split4/backbone.pt")),
        "needs build/minilm-split4 (tools/backbone/build-minilm.sh --split-layer 4)");
    Process p = new ProcessBuilder("bench/text-ood-protocol.sh", "--tag", "slow-test")
        .directory(root.toFile()).inheritIO().start();
    assertThat(p.waitFor(3, TimeUnit.HOURS)).isTrue();
    assertThat(p.exitValue()).isZero();
    JsonNode j = new ObjectMapper().readTree(
        root.resolve("bench/results/text-ood-protocol-slow-test.json").toFile());
    assertThat(j.path("topics")).hasSize(4);
    for (JsonNode t : j.path("topics")) {
      assertThat(t.path("served").asText()).isEqualTo("auto");
      assertThat(t.path("methods").path("auto").has("fortunes")).isTrue();
      assertThat(t.path("methods").path("auto").has("manpages")).isTrue();
      assertThat(t.path("per_head")).hasSize(4);
    }
  }
}
