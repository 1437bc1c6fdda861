package dev.cerberus.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code engine-check}: the real libtorch, one product, an exit code a container build reads. */
class EngineCheckTest {

  @Test
  void loadsTheEngineAndComputesOnTheCpu() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = ServerMain.run(new String[] {"engine-check"}, new PrintWriter(out, true),
        new PrintWriter(err, true));
    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).startsWith("engine-check ok: PyTorch ").contains(" on cpu");
  }

  @Test
  void aMissingGpuFailsWithOneLineAndCodeTwo() {
    StringWriter err = new StringWriter();
    int code = ServerMain.run(new String[] {"engine-check", "--device", "gpu"},
        new PrintWriter(new StringWriter()), new PrintWriter(err, true));
    assertThat(code).isEqualTo(2);
    assertThat(err.toString().strip().lines()).singleElement().asString()
        .startsWith("engine-check failed: --device gpu (cerberus.engine.device)");
  }

  @Test
  void takesTheSameFlagsAsServe() {
    StringWriter err = new StringWriter();
    int code = ServerMain.run(new String[] {"engine-check", "--no-such-flag"},
        new PrintWriter(new StringWriter()), new PrintWriter(err, true));
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--no-such-flag");
  }
}
