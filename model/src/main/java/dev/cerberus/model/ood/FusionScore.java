package dev.cerberus.model.ood;

/**
 * {@code sum_i w_i * (s_i - mean_i) / std_i} over member scores. Besides {@link #score}, it
 * gives the members' scores and terms, so a result can say which member drove it; the fused
 * value is the same sum in the same order either way (the server's and the trainer's scores
 * stay bit-identical).
 */
public final class FusionScore implements OodScorer {

  private final OodScorer[] parts;
  private final double[] w;
  private final double[] mean;
  private final double[] std;

  FusionScore(OodScorer[] parts, double[] w, double[] mean, double[] std) {
    this.parts = parts.clone();
    this.w = w.clone();
    this.mean = mean.clone();
    this.std = std.clone();
  }

  /** Number of members. */
  public int size() {
    return parts.length;
  }

  /** Every member's raw score for one item, in policy order. */
  public double[] memberScores(float[] features, float[][] headLogits) {
    double[] s = new double[parts.length];
    for (int i = 0; i < s.length; i++) s[i] = parts[i].score(features, headLogits);
    return s;
  }

  /** Member {@code i}'s term of the fused score. */
  public double term(int i, double memberScore) {
    return w[i] * (memberScore - mean[i]) / std[i];
  }

  /** The fused score of member scores from {@link #memberScores}. */
  public double fuse(double[] memberScores) {
    double s = 0;
    for (int i = 0; i < memberScores.length; i++) s += term(i, memberScores[i]);
    return s;
  }

  @Override
  public double score(float[] features, float[][] headLogits) {
    return fuse(memberScores(features, headLogits));
  }
}
