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
 * The real protocol (slow profile only: {@code ./mvnw -Pslow -pl trainer test
 * -Dtest=OodProtocolSlowTest}): bench/ood-protocol.sh on 5 Fashion-MNIST class splits with the
 * repository's template, the rule serving. Needs the Debian data packages the exporter names;
 * skipped without them. About 30 minutes to hours on 2 shared cores.
 */
@Tag("slow")
class OodProtocolSlowTest {

  @Test
  void fiveSplitsGiveTablesForEveryMethodAndTheServedDecision() throws Exception {
    assumeTrue(Files.isDirectory(Path.of("/usr/share/datasets/fashion-mnist")),
        "needs Debian dataset-fashion-mnist");
    Path root = Path.of("..").toAbsolutePath().normalize();
    Process p = new ProcessBuilder("bench/ood-protocol.sh", "--splits", "5", "--tag", "slow-test")
        .directory(root.toFile()).inheritIO().start();
    assertThat(p.waitFor(6, TimeUnit.HOURS)).isTrue();
    assertThat(p.exitValue()).isZero();
    JsonNode j = new ObjectMapper().readTree(
        root.resolve("bench/results/ood-protocol-slow-test.json").toFile());
    assertThat(j.path("splits")).hasSize(5);
    for (JsonNode s : j.path("splits")) {
      assertThat(s.path("served").asText()).isEqualTo("auto");
      assertThat(s.path("methods").has("auto")).isTrue();
    }
  }
}
