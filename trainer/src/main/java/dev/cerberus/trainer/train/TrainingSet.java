package dev.cerberus.trainer.train;

import java.util.List;

/**
 * Rows of features, standardised per head ({@code x.get(head)[row]}: each head uses the mean and
 * deviation of the rows it trains on, so a head trained jointly sees exactly what it would see
 * alone), with, per head, a label index or {@link MaskedLoss#NO_LABEL}, and which rows are
 * outliers.
 */
public record TrainingSet(List<double[][]> x, boolean[] outlier, List<int[]> labels) {
  public int size() {
    return outlier.length;
  }
}
