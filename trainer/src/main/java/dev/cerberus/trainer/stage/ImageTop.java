package dev.cerberus.trainer.stage;

import dev.cerberus.trainer.TrainerException;
import dev.cerberus.trainer.config.TrainerConfig;
import dev.cerberus.trainer.config.TrainerConfig.HeadSpec;
import dev.cerberus.trainer.finetune.TopFineTuner;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The shared top of an image split backbone through {@link TopFineTuner}, the path that made
 * the published fashion numbers: kept so that those bundles (and their byte-for-byte
 * determinism tests) stay exactly as they are. It covers the frozen shared top and a shared top
 * fine-tuned on a multiclass decision head alone (one head reads the shared top, or {@code
 * objective: decision_head}); a binary decision head's shared top, and a joint fine-tune for
 * several heads, go through {@link dev.cerberus.trainer.finetune.PerHeadTops} like every own
 * top.
 */
final class ImageTop {

  private ImageTop() {}

  /** Whether the shared top takes this (legacy image) path. */
  static boolean keepsImagePath(RunPlan plan) {
    return "image".equals(plan.input().kind())
        && (plan.config().backbone().fineTune() == null
            || "multiclass".equals(plan.decisionHead().kind())
                && TopStage.sharedTopHeads(plan).equals(List.of(plan.decisionHead())));
  }

  /** {C, h, w} of the image trunk's output, from one forward of a blank input. */
  static long[] mapShape(RunPlan plan) throws IOException {
    var im = plan.input().image();
    long[] inShape = {"gray".equals(im.channels()) ? 1 : 3, im.height(), im.width()};
    return TopFineTuner.trunkMapShape(plan.backboneFile(), inShape,
        plan.config().backbone().device());
  }

  static TopStage.Shared shared(RunPlan plan, FeatureSets sets, long[] mapShape, Path work,
      PrintStream log) throws IOException {
    TrainerConfig c = plan.config();
    try (TopFineTuner top = TopFineTuner.load(plan.topFile(), mapShape, c.backbone().device())) {
      if (top.featureSize() != c.backbone().featureSize()) {
        throw new TrainerException("backbone.feature_size: config says "
            + c.backbone().featureSize() + " but " + plan.topFile() + " outputs "
            + top.featureSize() + " features; heads are built for feature_size");
      }
      FineTuneReport report = c.backbone().fineTune() == null ? null
          : fineTune(plan, top, sets, log);
      FeatureSets topSets = sets.map(rows -> top.features(rows, c.backbone().batchSize()));
      Path file = work.resolve("top.pt");
      top.write(file);
      return new TopStage.Shared(topSets, file, report);
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
    return FineTuneReport.ofImage(history, (System.nanoTime() - f0) / 1e9);
  }

  private static List<Integer> labelled(int[] y) {
    List<Integer> keep = new ArrayList<>();
    for (int i = 0; i < y.length; i++) {
      if (y[i] >= 0) keep.add(i);
    }
    return keep;
  }

  private static float[][] rows(float[][] all, List<Integer> keep) {
    float[][] r = new float[keep.size()][];
    for (int i = 0; i < r.length; i++) r[i] = all[keep.get(i)];
    return r;
  }

  private static int[] pick(int[] all, List<Integer> keep) {
    int[] r = new int[keep.size()];
    for (int i = 0; i < r.length; i++) r[i] = all[keep.get(i)];
    return r;
  }
}
