package dev.cerberus.trainer.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * What the throw-away linear layer on a top's pooled features is trained for while the top is
 * fine-tuned: the loss of one head kind on its labelled rows plus the Outlier Exposure term on
 * outlier rows, weighted by {@code oe_lambda}.
 */
public sealed interface HeadObjective {

  /** Outputs of the linear layer. */
  int outputs();

  /** Mean loss over {@code labels.length} labelled rows of {@code logits}. */
  NDArray labelledLoss(NDManager m, NDArray logits, int[] labels);

  /** Mean Outlier Exposure loss over outlier rows of {@code logits}. */
  NDArray outlierLoss(NDArray logits);

  /** Whether the prediction of one row of {@code logits} equals {@code label}. */
  boolean correct(float[] logits, int label);

  /**
   * Multiclass: cross-entropy on labelled rows; on outliers cross-entropy to the uniform
   * distribution ({@code -mean_k log p_k}), as in Hendrycks et al.'s Outlier Exposure.
   */
  record Multiclass(int classes) implements HeadObjective {
    public Multiclass {
      if (classes < 2) throw new IllegalArgumentException("a multiclass head has >= 2 classes");
    }

    @Override
    public int outputs() {
      return classes;
    }

    @Override
    public NDArray labelledLoss(NDManager m, NDArray logits, int[] labels) {
      NDArray oneHot = m.create(toLong(labels)).oneHot(classes);
      return logits.logSoftmax(1).mul(oneHot).sum(new int[] {1}).mean().neg();
    }

    @Override
    public NDArray outlierLoss(NDArray logits) {
      return logits.logSoftmax(1).mean(new int[] {1}).mean().neg();
    }

    @Override
    public boolean correct(float[] logits, int label) {
      int arg = 0;
      for (int k = 1; k < logits.length; k++) if (logits[k] > logits[arg]) arg = k;
      return arg == label;
    }
  }

  /**
   * Binary (base = 0, positive = 1), one logit x: binary cross-entropy on labelled rows; on
   * outliers binary cross-entropy to target 0.5, minimal at x = 0, i.e. p = 0.5 for base and
   * for positive alike: a bundle of "base vs X" heads can then say "none of these".
   * {@code BCE(x, y) = max(x, 0) - x y + log(1 + exp(-|x|))} (stable for any x).
   */
  record Binary() implements HeadObjective {
    @Override
    public int outputs() {
      return 1;
    }

    @Override
    public NDArray labelledLoss(NDManager m, NDArray logits, int[] labels) {
      float[] y = new float[labels.length];
      for (int i = 0; i < y.length; i++) y[i] = labels[i];
      return bce(logits.reshape(-1), m.create(y));
    }

    @Override
    public NDArray outlierLoss(NDArray logits) {
      NDArray x = logits.reshape(-1);
      return bce(x, x.zerosLike().add(0.5f));
    }

    @Override
    public boolean correct(float[] logits, int label) {
      return (logits[0] > 0) == (label == 1);
    }

    private static NDArray bce(NDArray x, NDArray y) {
      NDArray softplus = x.abs().neg().exp().add(1f).log();
      return x.maximum(0f).sub(x.mul(y)).add(softplus).mean();
    }
  }

  private static long[] toLong(int[] a) {
    long[] l = new long[a.length];
    for (int i = 0; i < a.length; i++) l[i] = a[i];
    return l;
  }
}
