package dev.cerberus.trainer.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import dev.cerberus.model.bundle.FlipMode;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.bundle.BundleManifest;
import dev.cerberus.model.graph.FeatureExtractor;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.trainer.config.TrainerConfig.CachePrecision;
import dev.cerberus.trainer.config.TrainerConfig.FineTuneSpec;
import dev.cerberus.trainer.features.Backbone;
import dev.cerberus.trainer.features.TextTrunkCache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real MiniLM split of ../shared/models: token states cached, an own top tuned for one
 * epoch, written, loaded by the model module's split backbone and compared with the trainer's
 * features. Run with {@code ./mvnw -o -pl trainer test -Pshared-models -Dtest=MiniLmOwnTopSharedTest}.
 */
@Tag("shared-models")
class MiniLmOwnTopSharedTest {

  static final Path MINILM = Path.of(System.getProperty("cerberus.repo.root", "."))
      .resolve("../shared/models/minilm").normalize();

  @TempDir Path dir;

  double run(CachePrecision precision) throws Exception {
    assumeTrue(Files.isReadable(MINILM.resolve("top.pt")), "no MiniLM at " + MINILM);
    Backbone.configureEngine(2);
    for (String f : new String[] {"trunk.pt", "top.pt", "tokenizer.json"}) {
      Files.createSymbolicLink(dir.resolve(precision + f), MINILM.resolve(f));
    }
    var text = new BundleManifest.TextSpec(precision + "tokenizer.json", 32, "mean", new int[] {16, 32});
    var sets = TextSplitFixture.sets(24, 9, 8);
    TopInputs in;
    long t0 = System.nanoTime();
    try (TextTrunkCache c = TextTrunkCache.open(dir.resolve(precision + "trunk.pt"), dir, text, "cpu", 16)) {
      var r = c.extract(sets.texts(), 1L << 30, precision, System.out);
      in = TopInputs.text(r.sets());
    }
    HeadTopSpec h = new HeadTopSpec("topic", new HeadObjective.Multiclass(3), sets.trainTopic(),
        sets.valTopic(), true, new FineTuneSpec(1, 1e-4, 1e-3, 1e-4, 8, 0.5));
    TunedTop t = PerHeadTops.tune(dir.resolve(precision + "top.pt"), in, h,
        new TopSettings("cpu", 16, 1, dir, System.out), 1);
    System.out.printf("MiniLM %s: cache + 1 epoch + features in %.1fs%n", precision,
        (System.nanoTime() - t0) / 1e9);
    var input = new BundleManifest.InputSpec("text", null, text, null);
    var bb = new BundleManifest.BackboneSpec(null, new BundleManifest.SplitSpec(precision + "trunk.pt",
        t.topFile().getFileName().toString()), "tokens", 384, null);
    try (FeatureExtractor fx = FeatureExtractor.open(dir, input, bb, FlipMode.NONE,
        new GraphOptions("cpu", new int[0]), 8)) {
      float[][] served = fx.extractInputs(sets.texts().get("val").stream()
          .map(s -> (ModelInput) new ModelInput.Text(s)).toList(), InputLimits.defaults());
      return PerHeadTopsTextTest.maxAbsDiff(served, t.features().get("val"));
    }
  }

  @Test
  void servedEqualsTrainedOnMiniLm() throws Exception {
    double fp32 = run(CachePrecision.FP32);
    double fp16 = run(CachePrecision.FP16);
    System.out.println("MiniLM max |served - trained|: fp32 " + fp32 + ", fp16 " + fp16);
    assertThat(fp32).isLessThan(1e-5);
    assertThat(fp16).isLessThan(5e-3);
  }
}
