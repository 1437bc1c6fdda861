package dev.cerberus.trainer.finetune;

import dev.cerberus.trainer.config.TrainerConfig.FineTuneSpec;
import dev.cerberus.trainer.config.TrainerConfig.HeadSpec;
import dev.cerberus.trainer.data.Sample;
import java.util.List;

/**
 * One head whose own copy of the top is fine-tuned: its loss, its labels for every row of the
 * {@code train} and {@code val} sets of {@link TopInputs} ({@link #NO_LABEL} where the row has
 * no label for this head: such rows are not used, the loss is masked), whether outliers push
 * it toward "none of these", and its settings.
 */
public record HeadTopSpec(String head, HeadObjective objective, int[] trainLabels,
    int[] valLabels, boolean outlierExposure, FineTuneSpec fineTune) {

  /** A row without a label for this head. */
  public static final int NO_LABEL = -1;

  public HeadTopSpec {
    if (head == null || objective == null || trainLabels == null || valLabels == null
        || fineTune == null) {
      throw new IllegalArgumentException("HeadTopSpec: every field is required");
    }
    for (int y : trainLabels) checkLabel(head, y, objective);
    for (int y : valLabels) checkLabel(head, y, objective);
  }

  private static void checkLabel(String head, int y, HeadObjective o) {
    int classes = o instanceof HeadObjective.Binary ? 2 : o.outputs();
    if (y < NO_LABEL || y >= classes) {
      throw new IllegalArgumentException(head + ": label index " + y + " outside [-1, " + classes + ")");
    }
  }

  /**
   * From a config head: labels by {@code task} (binary: labels[0] = base = 0, labels[1] = 1),
   * settings {@code heads[].fine_tune}, else {@code backbone.fine_tune}, else the defaults. OE
   * applies when the head asks for it ({@code outlier_exposure}, default true) and the run has
   * outliers.
   */
  public static HeadTopSpec of(HeadSpec h, FineTuneSpec backboneFineTune, List<Sample> train,
      List<Sample> val, boolean haveOutliers) {
    HeadObjective o = "binary".equals(h.kind()) ? new HeadObjective.Binary()
        : new HeadObjective.Multiclass(h.labels().size());
    return new HeadTopSpec(h.name(), o, labels(train, h), labels(val, h),
        haveOutliers && h.outlierExposure(), h.fineTuneOr(backboneFineTune));
  }

  static int[] labels(List<Sample> samples, HeadSpec h) {
    int[] y = new int[samples.size()];
    for (int i = 0; i < y.length; i++) {
      String l = samples.get(i).labels().get(h.task());
      y[i] = l == null ? NO_LABEL : h.labels().indexOf(l); // an unknown label is -1: unused too
    }
    return y;
  }

  /** Rows with a label. */
  static int[] labelled(int[] labels) {
    return java.util.stream.IntStream.range(0, labels.length).filter(i -> labels[i] >= 0).toArray();
  }
}
