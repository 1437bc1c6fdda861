package dev.cerberus.trainer.finetune;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import dev.cerberus.trainer.config.TrainerConfig.FineTuneSpec;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Fine-tunes one {@link TrainableTop} in place for one head: a zero-initialised linear layer on
 * the pooled features, loss = the head's loss on a batch of its labelled rows + {@code oe_lambda}
 * x the Outlier Exposure loss on as many randomly drawn outlier rows; AdamW on the top
 * ({@code learning_rate}) and on the linear layer ({@code head_learning_rate}), a fixed number
 * of epochs. The trunk is frozen by construction: only its cached outputs are seen. The linear
 * layer is discarded afterwards (heads are fitted on the tuned features as usual).
 */
final class TopTraining {

  private final TrainableTop top;
  private final HeadObjective objective;
  private final FineTuneSpec spec;
  private final Random rnd;
  private final NDArray w;
  private final NDArray b;

  TopTraining(TrainableTop top, HeadObjective objective, FineTuneSpec spec, long seed) {
    this.top = top;
    this.objective = objective;
    this.spec = spec;
    this.rnd = new Random(seed);
    this.w = top.manager().zeros(new Shape(objective.outputs(), top.featureSize()));
    this.b = top.manager().zeros(new Shape(objective.outputs()));
    w.setRequiresGradient(true);
    b.setRequiresGradient(true);
  }

  /**
   * @param rows labelled rows of {@code train} with labels {@code y} (same order)
   * @param outliers outlier set or null (no OE term)
   * @param val, valRows, valY, valOutliers the same for validation (reported only; may be null)
   */
  List<TunedTop.Epoch> run(TrunkOutputs train, int[] rows, int[] y, TrunkOutputs outliers,
      TrunkOutputs val, int[] valRows, int[] valY, TrunkOutputs valOutliers, String head,
      PrintStream log) {
    int[] labelOf = new int[train.size()];
    for (int i = 0; i < rows.length; i++) labelOf[rows[i]] = y[i];
    boolean oe = outliers != null && outliers.size() > 0 && spec.oeLambda() > 0;
    Optimizer topOpt = adamW(spec.learningRate());
    Optimizer headOpt = adamW(spec.headLearningRate());
    List<Pair<String, Parameter>> params = top.parameters();
    List<TunedTop.Epoch> history = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int epoch = 1; epoch <= spec.epochs(); epoch++) {
      double sum = 0;
      for (int[] batch : train.batches(rows, spec.batchSize(), rnd)) {
        int[] by = new int[batch.length];
        for (int i = 0; i < batch.length; i++) by[i] = labelOf[batch[i]];
        try (NDManager m = top.manager().newSubManager()) {
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.zeroGradients();
            NDArray loss = objective.labelledLoss(m, logits(m, train, batch, true), by);
            if (oe) {
              NDArray out = outlierLogits(m, outliers, draw(outliers.size(), batch.length), true);
              loss = loss.add(objective.outlierLoss(out).mul(spec.oeLambda().floatValue()));
            }
            gc.backward(loss);
            sum += loss.getFloat() * batch.length;
          }
          // the updates run outside the collector: no graph is recorded for them
          for (Pair<String, Parameter> p : params) step(topOpt, p.getKey(), p.getValue().getArray());
          step(headOpt, "linear.weight", w);
          step(headOpt, "linear.bias", b);
        }
      }
      double[] v = validate(val, valRows, valY, oe ? valOutliers : null);
      history.add(new TunedTop.Epoch(epoch, sum / Math.max(1, rows.length), v[0], v[1]));
      log.printf("top of '%s': epoch %d/%d: train loss %.4f, val loss %.4f, val accuracy %.4f "
          + "(%.0fs)%n", head, epoch, spec.epochs(), sum / Math.max(1, rows.length), v[0], v[1],
          (System.nanoTime() - t0) / 1e9);
    }
    return history;
  }

  private NDArray logits(NDManager m, TrunkOutputs set, int[] rows, boolean training) {
    return top.pooled(m, set, rows, training).matMul(w.transpose()).add(b);
  }

  /** Outlier rows may span buckets: one forward per bucket, logits concatenated (order is free). */
  private NDArray outlierLogits(NDManager m, TrunkOutputs set, int[] rows, boolean training) {
    NDArray all = null;
    for (int[] g : set.batches(rows, rows.length, null)) {
      NDArray l = logits(m, set, g, training);
      all = all == null ? l : all.concat(l, 0);
    }
    return all;
  }

  private int[] draw(int n, int count) {
    int[] r = new int[count];
    for (int i = 0; i < count; i++) r[i] = rnd.nextInt(n);
    return r;
  }

  /** Validation loss (head loss + lambda x OE) and accuracy on the labelled val rows. */
  private double[] validate(TrunkOutputs val, int[] rows, int[] y, TrunkOutputs outliers) {
    if (val == null || rows.length == 0) return new double[] {Double.NaN, Double.NaN};
    int[] labelOf = new int[val.size()];
    for (int i = 0; i < rows.length; i++) labelOf[rows[i]] = y[i];
    double loss = 0;
    int right = 0;
    int bs = 4 * spec.batchSize();
    for (int[] batch : val.batches(rows, bs, null)) {
      try (NDManager m = top.manager().newSubManager()) {
        int[] by = new int[batch.length];
        for (int i = 0; i < batch.length; i++) by[i] = labelOf[batch[i]];
        NDArray l = logits(m, val, batch, false);
        loss += objective.labelledLoss(m, l, by).getFloat() * batch.length;
        float[] flat = l.toFloatArray();
        int k = objective.outputs();
        for (int i = 0; i < batch.length; i++) {
          if (objective.correct(java.util.Arrays.copyOfRange(flat, i * k, (i + 1) * k), by[i])) right++;
        }
      }
    }
    loss /= rows.length;
    if (outliers != null && outliers.size() > 0) {
      double oe = 0;
      for (int[] batch : outliers.batches(TrunkOutputs.all(outliers.size()), bs, null)) {
        try (NDManager m = top.manager().newSubManager()) {
          oe += objective.outlierLoss(logits(m, outliers, batch, false)).getFloat() * batch.length;
        }
      }
      loss += spec.oeLambda() * oe / outliers.size();
    }
    return new double[] {loss, (double) right / rows.length};
  }

  private Optimizer adamW(double lr) {
    return Optimizer.adamW().optLearningRateTracker(Tracker.fixed((float) lr))
        .optWeightDecays(spec.weightDecay().floatValue()).build();
  }

  private static void step(Optimizer opt, String id, NDArray weight) {
    try (NDArray g = weight.getGradient()) {
      opt.update(id, weight, g);
    }
  }

  /** The linear layer as trained so far. */
  TunedTop.Linear linear() {
    return new TunedTop.Linear(w.toFloatArray(), b.toFloatArray());
  }

  /** Frees the linear layer. */
  void close() {
    w.close();
    b.close();
  }
}
