package dev.cerberus.trainer.weak;

import dev.cerberus.trainer.train.MaskedLoss;
import java.util.ArrayList;
import java.util.List;

/**
 * The benchmark's second measure of weak supervision: on the rows of the other tasks (rows with
 * no label for this head but a label for another head), how often a model's head predicts what a
 * reference model's head (the single-task model) predicts. Accuracy cannot be measured there (no
 * label), agreement can; it says whether the joint model behaves like the separate models on
 * data each head never had labels for.
 */
public final class Agreement {

  private Agreement() {}

  /**
   * @param rows rows that were compared
   * @param agreed rows where both predicted the same label
   */
  public record HeadAgreement(String head, int rows, int agreed) {
    /** agreed / rows; NaN when there are no rows. */
    public double rate() {
      return rows == 0 ? Double.NaN : (double) agreed / rows;
    }
  }

  /**
   * Which rows belong to the other tasks for head {@code head}: no real label for it, a real
   * label for at least one other head.
   *
   * @param realLabels per decision head the real labels (leave the gate out: it labels every
   *     row)
   */
  public static boolean[] otherTasksRows(List<int[]> realLabels, int head) {
    int n = realLabels.get(head).length;
    boolean[] rows = new boolean[n];
    for (int i = 0; i < n; i++) {
      if (realLabels.get(head)[i] != MaskedLoss.NO_LABEL) {
        continue;
      }
      for (int g = 0; g < realLabels.size() && !rows[i]; g++) {
        rows[i] = g != head && realLabels.get(g)[i] != MaskedLoss.NO_LABEL;
      }
    }
    return rows;
  }

  /** Agreement of {@code predicted} with {@code reference} on the selected rows. */
  public static HeadAgreement on(String head, int[] predicted, int[] reference, boolean[] rows) {
    if (predicted.length != reference.length || predicted.length != rows.length) {
      throw new IllegalArgumentException("predicted, reference, rows: one per row");
    }
    int n = 0;
    int same = 0;
    for (int i = 0; i < rows.length; i++) {
      if (rows[i]) {
        n++;
        same += predicted[i] == reference[i] ? 1 : 0;
      }
    }
    return new HeadAgreement(head, n, same);
  }

  /**
   * Per head, agreement on the other tasks' rows.
   *
   * @param predicted per head the model's predictions on every row
   * @param reference per head the reference model's predictions on the same rows
   * @param realLabels per head the real labels of those rows
   */
  public static List<HeadAgreement> onOtherTasksRows(List<String> heads, List<int[]> predicted,
      List<int[]> reference, List<int[]> realLabels) {
    List<HeadAgreement> out = new ArrayList<>();
    for (int h = 0; h < heads.size(); h++) {
      out.add(on(heads.get(h), predicted.get(h), reference.get(h),
          otherTasksRows(realLabels, h)));
    }
    return out;
  }
}
