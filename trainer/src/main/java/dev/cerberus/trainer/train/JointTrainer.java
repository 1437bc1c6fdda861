package dev.cerberus.trainer.train;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Trains all heads together on cached features: every mini-batch feeds every head, each head's
 * loss is the masked per-task loss of {@link MaskedLoss}, the total is their sum. Stops when the
 * validation loss has not improved for {@code patience} epochs and keeps the best epoch.
 * Single-threaded double arithmetic with a seeded shuffle: same inputs, same weights.
 */
public final class JointTrainer {

  private final TrainingSettings settings;
  private final PrintStream log;

  public JointTrainer(TrainingSettings settings, PrintStream log) {
    this.settings = settings;
    this.log = log;
  }

  /** Result: one trained net per task, in task order, and the curves. */
  public record Trained(List<HeadNet> nets, TrainingHistory history) {}

  public Trained train(List<HeadTask> tasks, TrainingSet train, TrainingSet val) {
    long t0 = System.nanoTime();
    Random rng = new Random(settings.seed());
    List<HeadNet> nets = new ArrayList<>();
    List<double[]> weights = new ArrayList<>();
    for (int t = 0; t < tasks.size(); t++) {
      HeadTask task = tasks.get(t);
      nets.add(new HeadNet(task.sizes(), rng));
      weights.add(classWeights(task, train.labels().get(t), train.targets().get(t)));
    }
    int n = train.size();
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    List<Double> trainCurve = new ArrayList<>();
    List<Double> valCurve = new ArrayList<>();
    // heads share no parameters, so each keeps its own best epoch; training stops when no
    // head has improved for `patience` epochs
    int heads = tasks.size();
    double[] best = new double[heads];
    int[] bestEpoch = new int[heads];
    java.util.Arrays.fill(best, Double.POSITIVE_INFINITY);
    java.util.Arrays.fill(bestEpoch, -1);
    List<double[][][]> bestW = new ArrayList<>();
    List<double[][]> bestB = new ArrayList<>();
    for (HeadNet net : nets) {
      bestW.add(net.copyWeights());
      bestB.add(net.copyBiases());
    }
    boolean early = false;
    for (int epoch = 0; epoch < settings.epochs(); epoch++) {
      shuffle(order, rng);
      double sum = 0;
      int batches = 0;
      for (int from = 0; from < n; from += settings.batchSize()) {
        int to = Math.min(from + settings.batchSize(), n);
        boolean[] out = new boolean[to - from];
        for (int j = from; j < to; j++) {
          out[j - from] = train.exposure(order[j]);
        }
        for (int t = 0; t < heads; t++) {
          sum += step(tasks.get(t), nets.get(t), weights.get(t), train, t, order, from, to, out);
        }
        batches++;
      }
      double trainLoss = sum / Math.max(batches, 1);
      double[] perHead = headLosses(tasks, nets, weights, val);
      double valLoss = java.util.Arrays.stream(perHead).sum();
      trainCurve.add(trainLoss);
      valCurve.add(valLoss);
      log.printf("epoch %3d  train loss %.4f  val loss %.4f%n", epoch + 1, trainLoss, valLoss);
      boolean anyRecent = false;
      for (int t = 0; t < heads; t++) {
        if (perHead[t] < best[t] - 1e-6) {
          best[t] = perHead[t];
          bestEpoch[t] = epoch;
          bestW.set(t, nets.get(t).copyWeights());
          bestB.set(t, nets.get(t).copyBiases());
        }
        anyRecent |= epoch - bestEpoch[t] < settings.patience();
      }
      if (!anyRecent) {
        early = true;
        break;
      }
    }
    for (int t = 0; t < nets.size(); t++) {
      nets.get(t).restore(bestW.get(t), bestB.get(t));
    }
    List<Integer> bestEpochs = new ArrayList<>();
    for (int e : bestEpoch) {
      bestEpochs.add(e + 1);
    }
    return new Trained(nets, new TrainingHistory(trainCurve, valCurve, bestEpochs, early,
        (System.nanoTime() - t0) / 1e9));
  }

  /** One AdamW step of head {@code t} on the rows {@code order[from..to)}; returns its loss. */
  private double step(HeadTask task, HeadNet net, double[] classWeights, TrainingSet train,
      int t, int[] order, int from, int to, boolean[] out) {
    double[][] x = new double[to - from][];
    for (int j = from; j < to; j++) {
      x[j - from] = train.x().get(t)[order[j]];
    }
    int[] all = train.labels().get(t);
    int[] y = new int[to - from];
    for (int j = from; j < to; j++) {
      y[j - from] = all[order[j]];
    }
    double[][][] acts = net.forward(x);
    SoftTargets st = train.targets().get(t);
    boolean[] oe = task.outlierExposure() ? out : null;
    // hard labels alone keep today's exact code path (same weights, bit for bit)
    var loss = st.none()
        ? MaskedLoss.compute(task.binary(), acts[acts.length - 1], y, classWeights, oe,
            settings.oeLambda())
        : MaskedLoss.compute(task.binary(), acts[acts.length - 1], y, st.slice(order, from, to),
            classWeights, oe, settings.oeLambda());
    net.adamW(net.backward(acts, loss.gradient()), settings.learningRate(),
        settings.weightDecay());
    return loss.loss();
  }

  /** Per head, the full-set masked loss (with the training class weights). */
  public double[] headLosses(List<HeadTask> tasks, List<HeadNet> nets, List<double[]> weights,
      TrainingSet set) {
    double[] total = new double[tasks.size()];
    for (int t = 0; t < tasks.size(); t++) {
      double[][] logits = new double[set.size()][];
      for (int i = 0; i < set.size(); i++) {
        logits[i] = nets.get(t).logits(set.x().get(t)[i]);
      }
      boolean[] exposure = new boolean[set.size()];
      for (int i = 0; i < exposure.length; i++) {
        exposure[i] = set.exposure(i);
      }
      SoftTargets st = set.targets().get(t);
      boolean[] oe = tasks.get(t).outlierExposure() ? exposure : null;
      total[t] = (st.none()
          ? MaskedLoss.compute(tasks.get(t).binary(), logits, set.labels().get(t),
              weights.get(t), oe, settings.oeLambda())
          : MaskedLoss.compute(tasks.get(t).binary(), logits, set.labels().get(t), st,
              weights.get(t), oe, settings.oeLambda())).loss();
    }
    return total;
  }

  /**
   * Balanced over the real (not pseudo-labelled) rows: {@code n / (K n_k)} where, with soft
   * targets or weights, a row adds {@code s_i q_ik} to {@code n_k} (its weight times its target
   * mass on class k); hard labels alone give the plain counts. Classes without rows get weight
   * 1. Pseudo-labelled rows take the weight of their class but do not count: the other tasks'
   * rows are mostly one class of a head (the base), and balancing over them moved each head's
   * prior, which cost own-task accuracy 2.5-5 points on the synthetic demo
   * (WeakSupervisionDemoTest) where balancing over the real labels cost none.
   */
  double[] classWeights(HeadTask task, int[] labels, SoftTargets targets) {
    if (targets.none()) {
      return classWeights(task, labels);
    }
    int k = task.binary() ? 2 : task.sizes()[task.sizes().length - 1];
    double[] w = new double[k];
    java.util.Arrays.fill(w, 1.0);
    if (!settings.balancedClassWeights()) {
      return w;
    }
    double[] mass = new double[k];
    double n = 0;
    for (int i = 0; i < labels.length; i++) {
      if (targets.pseudo(i)) {
        continue;
      }
      double s = targets.weight(i);
      double[] q = targets.target(i);
      if (q != null) {
        double[] dist = task.binary() ? new double[] {1 - q[0], q[0]} : q;
        for (int c = 0; c < k; c++) {
          mass[c] += s * dist[c];
        }
        n += s;
      } else if (labels[i] != MaskedLoss.NO_LABEL) {
        mass[labels[i]] += s;
        n += s;
      }
    }
    for (int c = 0; c < k; c++) {
      if (mass[c] > 0) {
        w[c] = n / (k * mass[c]);
      }
    }
    return w;
  }

  /** Balanced: n / (K n_k) over the task's labelled rows; classes without rows get weight 1. */
  double[] classWeights(HeadTask task, int[] labels) {
    int k = task.binary() ? 2 : task.sizes()[task.sizes().length - 1];
    double[] w = new double[k];
    java.util.Arrays.fill(w, 1.0);
    if (!settings.balancedClassWeights()) {
      return w;
    }
    int[] counts = new int[k];
    int n = 0;
    for (int y : labels) {
      if (y != MaskedLoss.NO_LABEL) {
        counts[y]++;
        n++;
      }
    }
    for (int c = 0; c < k; c++) {
      if (counts[c] > 0) {
        w[c] = (double) n / (k * counts[c]);
      }
    }
    return w;
  }

  private static void shuffle(int[] a, Random rng) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
