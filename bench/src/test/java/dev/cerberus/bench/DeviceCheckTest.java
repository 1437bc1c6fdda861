package dev.cerberus.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The device check's harness on this CPU-only machine: the demo bundle on the CPU against
 * itself (real engine, real images) must agree exactly and report one throughput row per batch
 * size; a GPU that is not there is exit code 2 with one line. The GPU run itself needs a GPU
 * machine (tools/gpu/gpu-check.sh).
 */
class DeviceCheckTest {

  @Test
  void cpuAgainstItselfAgreesAndReportsEveryBatchSize(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("device-check.md");
    int code = new CommandLine(new BenchMain()).execute("device-check", "--device", "cpu",
        "--bundle", "models/fashion/1", "--batch-sizes", "1,4", "--seconds", "0.2",
        "--out", out.toString());
    assertThat(code).isZero();
    String report = Files.readString(out);
    assertThat(report).contains("max |dp| 0.00e+00").contains("decision flips 0 of 50")
        .contains("PASS");
    assertThat(report.lines().filter(l -> l.matches("\\| [14] \\| .*"))).hasSize(2);
  }

  @Test
  void aMissingGpuIsExitCodeTwoWithOneLine() {
    PrintStream saved = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true));
    int code;
    try {
      code = new CommandLine(new BenchMain()).execute("device-check", "--device", "gpu");
    } finally {
      System.setErr(saved);
    }
    assertThat(code).isEqualTo(2);
    // the bench jar has no SLF4J binding: its one-time notice may precede the line
    assertThat(err.toString().lines().filter(l -> !l.startsWith("SLF4J")))
        .singleElement().asString()
        .startsWith("device-check: libtorch").contains("docs/gpu.md");
  }
}
