package dev.cerberus.trainer.train;

import java.util.List;

/**
 * Rows of (standardised) features with, per head, a label index or {@link MaskedLoss#NO_LABEL},
 * and which rows are outliers.
 */
public record TrainingSet(double[][] x, boolean[] outlier, List<int[]> labels) {
  public int size() {
    return x.length;
  }
}
