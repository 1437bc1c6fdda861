package dev.cerberus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The serve command line, the properties file, precedence, and the settings' validation. */
class ServerMainTest {

  @TempDir Path dir;

  private static ServerSettings parse(String... args) throws Exception {
    return ServerMain.parse(args, new PrintWriter(new StringWriter()));
  }

  @Test
  void defaultsAreSafeAndDocumented() throws Exception {
    ServerSettings s = parse("serve");
    assertThat(s.host()).isEqualTo("127.0.0.1");
    assertThat(s.port()).isEqualTo(8500);
    assertThat(s.modelsDir()).isEqualTo(Path.of("models"));
    assertThat(s.maxBatchSize()).isEqualTo(32);
    assertThat(s.maxQueueDelayNanos()).isEqualTo(5_000_000L);
    assertThat(s.metricsPort()).isEqualTo(-1);
    assertThat(s.authToken()).isEmpty();
    assertThat(s.tlsCert()).isEmpty();
    assertThat(s.device()).isEqualTo("cpu");
    int cores = Runtime.getRuntime().availableProcessors();
    assertThat(s.inferenceThreads()).isEqualTo(cores >= 2 ? 2 : 1);
    assertThat(s.intraOpThreads() * s.inferenceThreads()).isLessThanOrEqualTo(Math.max(cores, s.inferenceThreads()));
    assertThat(s.mallocMmapThreshold()).isEqualTo(32 << 20);
    // every setting is in docs/settings.md, when the docs are in reach (the repository checkout)
    Path docs = Path.of(System.getProperty("cerberus.repo.root", ".."), "docs", "settings.md");
    if (Files.exists(docs)) {
      String table = Files.readString(docs);
      for (Setting setting : ServerSettings.CATALOG) {
        assertThat(table).as("docs/settings.md").contains("`" + setting.key() + "`")
            .contains("`" + setting.flag() + " ");
      }
    }
  }

  @Test
  void intraOpThreadsFollowTheInferenceThreadsUnlessGiven() throws Exception {
    int cores = Runtime.getRuntime().availableProcessors();
    assertThat(parse("serve", "--inference-threads", "1").intraOpThreads()).isEqualTo(cores);
    assertThat(parse("serve", "--inference-threads", String.valueOf(cores * 2)).intraOpThreads()).isEqualTo(1);
    assertThat(parse("serve", "--inference-threads", "1", "--intra-op-threads", "3").intraOpThreads()).isEqualTo(3);
    assertThatThrownBy(() -> parse("serve", "--intra-op-threads", "many"))
        .hasMessageContaining("cerberus.engine.intra-op-threads");
    assertThatThrownBy(() -> parse("serve", "--malloc-mmap-threshold", String.valueOf(64 << 20)))
        .hasMessageContaining("cerberus.engine.malloc-mmap-threshold");
  }

  @Test
  void flagsOverrideTheConfigFileWhichOverridesDefaults() throws Exception {
    Path config = dir.resolve("cerberus.properties");
    Files.writeString(config, String.join("\n",
        "cerberus.port=9000",
        "cerberus.batch.max-size=8",
        "cerberus.batch.max-queue-delay-ms=0.5",
        "cerberus.auth.token=from-file",
        "cerberus.engine.warm-up-batch-sizes=1,4,8",
        "cerberus.drain-timeout-seconds=7"));
    ServerSettings s = parse("serve", "--config", config.toString(), "--port", "9100",
        "--models", "/srv/models");
    assertThat(s.port()).isEqualTo(9100);
    assertThat(s.maxBatchSize()).isEqualTo(8);
    assertThat(s.maxQueueDelayNanos()).isEqualTo(500_000L);
    assertThat(s.authToken()).contains("from-file");
    assertThat(s.warmUpBatchSizes()).containsExactly(1, 4, 8);
    assertThat(s.drainTimeout()).isEqualTo(Duration.ofSeconds(7));
    assertThat(s.modelsDir()).isEqualTo(Path.of("/srv/models"));
  }

  @Test
  void badValuesNameTheSettingAndWhatIsAllowed() {
    assertThatThrownBy(() -> parse("serve", "--port", "http"))
        .hasMessageContaining("cerberus.port").hasMessageContaining("not an integer");
    assertThatThrownBy(() -> parse("serve", "--max-batch-size", "0"))
        .hasMessageContaining("cerberus.batch.max-size").hasMessageContaining("1..");
    assertThatThrownBy(() -> parse("serve", "--device", "tpu"))
        .hasMessageContaining("cpu, gpu");
    assertThatThrownBy(() -> parse("serve", "--tls-cert", "a.pem"))
        .hasMessageContaining("cerberus.tls.key");
    assertThatThrownBy(() -> parse("serve", "--queue-capacity", "10"))
        .hasMessageContaining("cerberus.max-items-per-request");
    assertThatThrownBy(() -> ServerSettings.from(Map.of("cerberus.batch.maxsize", "3")))
        .hasMessageContaining("unknown setting 'cerberus.batch.maxsize'")
        .hasMessageContaining("cerberus.batch.max-size");
    assertThatThrownBy(() -> parse("serve", "--no-such-flag"))
        .hasMessageContaining("--no-such-flag");
  }

  @Test
  void serveWithNoModelsRefusesToStartAndNamesTheFolder() throws Exception {
    Path empty = Files.createDirectories(dir.resolve("elsewhere/models"));
    Files.createDirectories(empty.resolve("fashion/1")); // a version folder without bundle.json
    for (Path models : new Path[] {empty, dir.resolve("missing")}) {
      StringWriter err = new StringWriter();
      int code = ServerMain.run(new String[] {"serve", "--port", "0", "--models",
          models.toString()}, new PrintWriter(new StringWriter()), new PrintWriter(err, true));
      assertThat(code).as(err.toString()).isEqualTo(1);
      assertThat(err.toString().lines()).singleElement().asString()
          .startsWith("cannot start: no models to serve in " + models.toAbsolutePath())
          .contains("--allow-empty-models");
    }
    assertThat(parse("serve").allowEmptyModels()).isFalse();
    assertThat(parse("serve", "--allow-empty-models", "true").allowEmptyModels()).isTrue();
    assertThatThrownBy(() -> parse("serve", "--allow-empty-models", "yes"))
        .hasMessageContaining("cerberus.models.allow-empty");
  }

  @Test
  void helpListsEveryFlagAndExitsZero() {
    StringWriter out = new StringWriter();
    int code = ServerMain.run(new String[] {"serve", "--help"}, new PrintWriter(out, true),
        new PrintWriter(new StringWriter()));
    assertThat(code).isZero();
    for (Setting setting : ServerSettings.CATALOG) {
      assertThat(out.toString()).contains(setting.flag());
    }
    StringWriter err = new StringWriter();
    assertThat(ServerMain.run(new String[] {"serve", "--port", "x"},
        new PrintWriter(new StringWriter()), new PrintWriter(err, true))).isEqualTo(2);
    assertThat(err.toString()).contains("cerberus.port");
  }

  /** On this CPU-only build, --device gpu refuses to start with one line (issue 15, defect 9). */
  @Test
  void deviceGpuOnACpuOnlyBuildRefusesToStartInOneLine(@TempDir Path models) {
    StringWriter err = new StringWriter();
    int code = ServerMain.run(new String[] {"serve", "--device", "gpu", "--port", "0",
        "--models", models.toString(), "--allow-empty-models", "true"},
        new PrintWriter(new StringWriter()), new PrintWriter(err, true));
    assertThat(code).isEqualTo(2);
    assertThat(err.toString().strip().lines()).singleElement().asString()
        .startsWith("cannot start: --device gpu (cerberus.engine.device)")
        .contains("--device cpu");
  }
}
