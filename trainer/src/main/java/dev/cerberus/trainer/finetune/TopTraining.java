package dev.cerberus.trainer.finetune;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.util.Pair;
import dev.cerberus.trainer.config.TrainerConfig.FineTuneSpec;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Fine-tunes one {@link TrainableTop} in place for one or more heads: one zero-initialised
 * linear layer per head on the pooled features; loss = the sum over heads of that head's loss
 * on the batch rows labelled for it (a masked per-task loss: rows without its label are not
 * selected at all, so they add nothing and get no gradient through that head), + {@code
 * oe_lambda} x the sum over heads with outlier exposure of their Outlier Exposure loss on as many
 * randomly drawn outlier rows (binary heads: target 0.5). Batches are drawn from the rows
 * labelled for any head. With one head this is exactly the single-task loss of before (same
 * batches, same draws, same arithmetic). AdamW on the top ({@code learning_rate}) and on the
 * linear layers ({@code head_learning_rate}), a fixed number of epochs, {@code schedule}. The
 * trunk is frozen by construction: only its cached outputs are seen. The linear layers are
 * discarded afterwards (heads are fitted on the tuned features as usual).
 */
final class TopTraining {

  private final TrainableTop top;
  private final List<HeadTopSpec> heads;
  private final FineTuneSpec spec;
  private final Random rnd;
  private final NDArray[] w;
  private final NDArray[] b;

  TopTraining(TrainableTop top, List<HeadTopSpec> heads, FineTuneSpec spec, long seed) {
    if (heads.isEmpty()) throw new IllegalArgumentException("TopTraining: no head");
    this.top = top;
    this.heads = List.copyOf(heads);
    this.spec = spec;
    this.rnd = new Random(seed);
    this.w = new NDArray[heads.size()];
    this.b = new NDArray[heads.size()];
    for (int h = 0; h < w.length; h++) {
      int k = heads.get(h).objective().outputs();
      w[h] = top.manager().zeros(new Shape(k, top.featureSize()));
      b[h] = top.manager().zeros(new Shape(k));
      w[h].setRequiresGradient(true);
      b[h].setRequiresGradient(true);
    }
  }

  /** Rows of {@code labels[h]} labelled for any head, ascending. */
  static int[] union(List<int[]> labels) {
    int n = labels.get(0).length;
    return java.util.stream.IntStream.range(0, n)
        .filter(i -> labels.stream().anyMatch(y -> y[i] >= 0)).toArray();
  }

  /**
   * @param outliers outlier set or null (no OE term)
   * @param val, valOutliers the same for validation (reported only; may be null)
   * @param name what the log lines call this top
   */
  List<TunedTop.Epoch> run(TrunkOutputs train, TrunkOutputs outliers, TrunkOutputs val,
      TrunkOutputs valOutliers, String name, PrintStream log) {
    List<int[]> labels = heads.stream().map(HeadTopSpec::trainLabels).toList();
    int[] rows = union(labels);
    boolean oe = outliers != null && outliers.size() > 0 && spec.oeLambda() > 0
        && heads.stream().anyMatch(HeadTopSpec::outlierExposure);
    int steps = spec.epochs() * train.batches(rows, spec.batchSize(), null).size();
    Optimizer topOpt = LrSchedule.adamW(spec.schedule(), spec.learningRate(), steps,
        spec.weightDecay());
    Optimizer headOpt = LrSchedule.adamW(spec.schedule(), spec.headLearningRate(), steps,
        spec.weightDecay());
    List<Pair<String, Parameter>> params = top.parameters();
    List<TunedTop.Epoch> history = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int epoch = 1; epoch <= spec.epochs(); epoch++) {
      double sum = 0;
      for (int[] batch : train.batches(rows, spec.batchSize(), rnd)) {
        try (NDManager m = top.manager().newSubManager()) {
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.zeroGradients();
            NDArray loss = labelledLoss(m, top.pooled(m, train, batch, true), batch, labels);
            if (oe) {
              NDArray out = outlierPooled(m, outliers, draw(outliers.size(), batch.length), true);
              loss = loss.add(outlierLoss(out).mul(spec.oeLambda().floatValue()));
            }
            gc.backward(loss);
            sum += loss.getFloat() * batch.length;
          }
          // the updates run outside the collector: no graph is recorded for them
          for (Pair<String, Parameter> p : params) step(topOpt, p.getKey(), p.getValue().getArray());
          for (int h = 0; h < w.length; h++) {
            step(headOpt, linearId(h, "weight"), w[h]);
            step(headOpt, linearId(h, "bias"), b[h]);
          }
        }
      }
      double[] v = validate(val, oe ? valOutliers : null);
      history.add(new TunedTop.Epoch(epoch, sum / Math.max(1, rows.length), v[0], v[1]));
      log.printf("top of '%s': epoch %d/%d: train loss %.4f, val loss %.4f, val accuracy %.4f "
          + "(%.0fs)%n", name, epoch, spec.epochs(), sum / Math.max(1, rows.length), v[0], v[1],
          (System.nanoTime() - t0) / 1e9);
    }
    return history;
  }

  /** Optimiser ids: head 0 keeps the single-task names, so one head updates as before. */
  private static String linearId(int h, String what) {
    return h == 0 ? "linear." + what : "linear." + h + "." + what;
  }

  /** Sum over heads of each head's mean loss over the batch rows labelled for it. */
  private NDArray labelledLoss(NDManager m, NDArray pooled, int[] batch, List<int[]> labels) {
    NDArray total = null;
    for (int h = 0; h < w.length; h++) {
      Selection s = Selection.of(batch, labels.get(h));
      if (s.rows().length == 0) continue;
      NDArray l = heads.get(h).objective().labelledLoss(m, logits(m, pooled, s, h), s.labels());
      total = total == null ? l : total.add(l);
    }
    return total; // every batch row is labelled for some head, so some head contributed
  }

  private NDArray outlierLoss(NDArray pooled) {
    NDArray total = null;
    for (int h = 0; h < w.length; h++) {
      if (!heads.get(h).outlierExposure()) continue;
      NDArray l = heads.get(h).objective().outlierLoss(linear(pooled, h));
      total = total == null ? l : total.add(l);
    }
    return total;
  }

  private NDArray linear(NDArray pooled, int h) {
    return pooled.matMul(w[h].transpose()).add(b[h]);
  }

  /** The head's logits on its selected rows; all rows: no selection (the single-task path). */
  private NDArray logits(NDManager m, NDArray pooled, Selection s, int h) {
    if (s.all()) return linear(pooled, h);
    // a 0/1 selection matrix picks the rows exactly (x*1 + 0*others) and passes gradients back
    // to exactly those rows
    return linear(m.create(s.matrix(), new Shape(s.rows().length, s.of())).matMul(pooled), h);
  }

  /** The batch positions labelled for one head, their labels, and whether that is every row. */
  record Selection(int[] rows, int[] labels, int of) {
    static Selection of(int[] batch, int[] labelOf) {
      int[] pos = java.util.stream.IntStream.range(0, batch.length)
          .filter(i -> labelOf[batch[i]] >= 0).toArray();
      int[] y = new int[pos.length];
      for (int i = 0; i < pos.length; i++) y[i] = labelOf[batch[pos[i]]];
      return new Selection(pos, y, batch.length);
    }

    boolean all() {
      return rows.length == of;
    }

    float[] matrix() {
      float[] s = new float[rows.length * of];
      for (int i = 0; i < rows.length; i++) s[i * of + rows[i]] = 1f;
      return s;
    }
  }

  /** Outlier rows may span buckets: one forward per bucket, concatenated (order is free). */
  private NDArray outlierPooled(NDManager m, TrunkOutputs set, int[] rows, boolean training) {
    NDArray all = null;
    for (int[] g : set.batches(rows, rows.length, null)) {
      NDArray p = top.pooled(m, set, g, training);
      all = all == null ? p : all.concat(p, 0);
    }
    return all;
  }

  private int[] draw(int n, int count) {
    int[] r = new int[count];
    for (int i = 0; i < count; i++) r[i] = rnd.nextInt(n);
    return r;
  }

  /**
   * Validation loss (sum over heads of the mean loss over its labelled val rows, + lambda x
   * the OE terms) and accuracy over every (head, labelled val row) pair.
   */
  private double[] validate(TrunkOutputs val, TrunkOutputs outliers) {
    List<int[]> labels = heads.stream().map(HeadTopSpec::valLabels).toList();
    int[] rows = val == null ? new int[0] : union(labels);
    if (rows.length == 0) return new double[] {Double.NaN, Double.NaN};
    double[] loss = new double[w.length];
    int[] count = new int[w.length];
    int right = 0;
    int bs = 4 * spec.batchSize();
    for (int[] batch : val.batches(rows, bs, null)) {
      try (NDManager m = top.manager().newSubManager()) {
        NDArray pooled = top.pooled(m, val, batch, false);
        for (int h = 0; h < w.length; h++) {
          Selection s = Selection.of(batch, labels.get(h));
          if (s.rows().length == 0) continue;
          HeadObjective o = heads.get(h).objective();
          NDArray l = logits(m, pooled, s, h);
          loss[h] += o.labelledLoss(m, l, s.labels()).getFloat() * s.rows().length;
          count[h] += s.rows().length;
          right += correct(o, l.toFloatArray(), s.labels());
        }
      }
    }
    double total = 0;
    int pairs = 0;
    for (int h = 0; h < w.length; h++) {
      if (count[h] > 0) total += loss[h] / count[h];
      pairs += count[h];
    }
    if (outliers != null && outliers.size() > 0) total += spec.oeLambda() * validOutliers(outliers);
    return new double[] {total, (double) right / pairs};
  }

  private static int correct(HeadObjective o, float[] flat, int[] y) {
    int k = o.outputs();
    int right = 0;
    for (int i = 0; i < y.length; i++) {
      if (o.correct(java.util.Arrays.copyOfRange(flat, i * k, (i + 1) * k), y[i])) right++;
    }
    return right;
  }

  /** Sum over heads with OE of their mean OE loss on the validation outliers. */
  private double validOutliers(TrunkOutputs outliers) {
    double oe = 0;
    int bs = 4 * spec.batchSize();
    for (int[] batch : outliers.batches(TrunkOutputs.all(outliers.size()), bs, null)) {
      try (NDManager m = top.manager().newSubManager()) {
        NDArray l = outlierLoss(top.pooled(m, outliers, batch, false));
        if (l != null) oe += l.getFloat() * batch.length;
      }
    }
    return oe / outliers.size();
  }

  private static void step(Optimizer opt, String id, NDArray weight) {
    try (NDArray g = weight.getGradient()) {
      opt.update(id, weight, g);
    }
  }

  /** Head {@code h}'s linear layer as trained so far. */
  TunedTop.Linear linear(int h) {
    return new TunedTop.Linear(w[h].toFloatArray(), b[h].toFloatArray());
  }

  /** Frees the linear layers. */
  void close() {
    for (int h = 0; h < w.length; h++) {
      w[h].close();
      b[h].close();
    }
  }
}
