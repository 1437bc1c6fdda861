package dev.cerberus.trainer.stage;

import dev.cerberus.trainer.TrainerException;
import dev.cerberus.trainer.config.TrainerConfig;
import dev.cerberus.trainer.config.TrainerConfig.HeadSpec;
import dev.cerberus.trainer.finetune.TopFineTuner;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Stage 4, {@link Features} -> {@link Tops}: for a split backbone, loads the shared top,
 * fine-tunes it on the decision head's task with outlier exposure (when
 * {@code backbone.fine_tune} is set), replaces every set's trunk rows by the top's pooled
 * features and writes the top the bundle will serve. A whole backbone passes its rows through.
 * Either way every head reads the same rows ({@link HeadFeatures#shared}); a head's own top is
 * a later stage that swaps that head's rows with {@link HeadFeatures#withHead}.
 */
public final class TopStage {

  private TopStage() {}

  public static Tops run(RunPlan plan, Features in, PrintStream log) throws IOException {
    if (!plan.split()) {
      return new Tops(HeadFeatures.shared(plan.headNames(), in.sets()), null, null);
    }
    TrainerConfig c = plan.config();
    var im = plan.input().image();
    long[] inShape = {"gray".equals(im.channels()) ? 1 : 3, im.height(), im.width()};
    long[] mapShape = TopFineTuner.trunkMapShape(plan.backboneFile(), inShape, c.backbone().device());
    try (TopFineTuner top = TopFineTuner.load(plan.topFile(), mapShape, c.backbone().device())) {
      if (top.featureSize() != c.backbone().featureSize()) {
        throw new TrainerException("backbone.feature_size: config says "
            + c.backbone().featureSize() + " but " + plan.topFile() + " outputs "
            + top.featureSize() + " features; heads are built for feature_size");
      }
      FineTuneReport report = c.backbone().fineTune() == null ? null
          : fineTune(plan, top, in.sets(), log);
      FeatureSets topSets = in.sets().map(rows -> top.features(rows, c.backbone().batchSize()));
      Path tmp = Files.createTempFile("cerberus-top", ".pt");
      top.write(tmp);
      return new Tops(HeadFeatures.shared(plan.headNames(), topSets), tmp, report);
    }
  }

  /** Fine-tunes {@code top} in place on the decision head's labelled rows (+ OE outliers). */
  static FineTuneReport fineTune(RunPlan plan, TopFineTuner top, FeatureSets sets,
      PrintStream log) {
    TrainerConfig c = plan.config();
    var ft = c.backbone().fineTune();
    HeadSpec decision = plan.decisionHead();
    FeatureSet tr = sets.get(SetRole.TRAIN);
    FeatureSet va = sets.get(SetRole.VAL);
    int[] y = Labels.of(tr.samples(), decision);
    int[] yv = Labels.of(va.samples(), decision);
    List<Integer> keep = labelled(y);
    List<Integer> keepV = labelled(yv);
    float[][] out = sets.get(SetRole.OUTLIERS_TRAIN).features();
    boolean oe = decision.outlierExposure();
    log.printf("fine-tuning the top (%s) on %d labelled rows of '%s' and %d outliers "
        + "(lambda %.2f), %d epochs%n", c.backbone().split().top(), keep.size(),
        decision.task(), oe ? out.length : 0, ft.oeLambda(), ft.epochs());
    long f0 = System.nanoTime();
    List<TopFineTuner.Epoch> history = top.fineTune(rows(tr.features(), keep),
        pick(y, keep), decision.labels().size(), oe ? out : new float[0][],
        rows(va.features(), keepV), pick(yv, keepV),
        oe ? sets.get(SetRole.OUTLIERS_VAL).features() : new float[0][], ft, c.seed() + 5, log);
    return new FineTuneReport(history, (System.nanoTime() - f0) / 1e9);
  }

  private static List<Integer> labelled(int[] y) {
    List<Integer> keep = new ArrayList<>();
    for (int i = 0; i < y.length; i++) {
      if (y[i] >= 0) {
        keep.add(i);
      }
    }
    return keep;
  }

  private static float[][] rows(float[][] all, List<Integer> keep) {
    float[][] r = new float[keep.size()][];
    for (int i = 0; i < r.length; i++) {
      r[i] = all[keep.get(i)];
    }
    return r;
  }

  private static int[] pick(int[] all, List<Integer> keep) {
    int[] r = new int[keep.size()];
    for (int i = 0; i < r.length; i++) {
      r[i] = all[keep.get(i)];
    }
    return r;
  }
}
