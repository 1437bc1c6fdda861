package dev.cerberus.trainer.weak;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cerberus.model.heads.DenseLayer;
import dev.cerberus.trainer.train.HeadTask;
import dev.cerberus.trainer.train.JointTrainer;
import dev.cerberus.trainer.train.MaskedLoss;
import dev.cerberus.trainer.train.TrainingSet;
import dev.cerberus.trainer.train.TrainingSettings;
import java.io.PrintStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Four "base vs X" binary tasks on disjoint datasets, synthetic features: dims 0-3 carry the
 * class signal (X_t sits at +SIGNAL on dim t), dims 4-7 the dataset's domain (task t's rows,
 * base and X alike, sit at +DOMAIN on dim 4+t), as when each task's data come from another
 * source. A head never sees the other datasets' domains while training masked-only, so its
 * answers there depend on its initial weights; a single-task model's answers too, differently.
 * Cross-labelling the other tasks' rows with the single models' heads (distillation) must make
 * the joint model agree with the single models there, without costing own-task accuracy.
 */
class WeakSupervisionDemoTest {

  static final int TASKS = 4;
  static final int F = 8;
  static final int PER_CLASS = 60;
  static final double SIGNAL = 2.5;
  static final double DOMAIN = 3.0;
  static final double DOMAIN_NOISE = 0.1;
  static final int N = MaskedLoss.NO_LABEL;
  static final long[] SEEDS = {1, 2, 3, 4, 5};
  static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  /** Raw rows of all tasks (task-major), with per head the real labels. */
  record Data(float[][] raw, List<int[]> labels, int[] task) {}

  static Data data(Random r) {
    int n = TASKS * 2 * PER_CLASS;
    float[][] raw = new float[n][F];
    int[] task = new int[n];
    List<int[]> labels = new ArrayList<>();
    for (int t = 0; t < TASKS; t++) {
      int[] y = new int[n];
      java.util.Arrays.fill(y, N);
      labels.add(y);
    }
    int i = 0;
    for (int t = 0; t < TASKS; t++) {
      for (int c = 0; c < 2; c++) {
        for (int k = 0; k < PER_CLASS; k++, i++) {
          for (int j = 0; j < TASKS; j++) {
            raw[i][j] = (float) (r.nextGaussian() + (c == 1 && j == t ? SIGNAL : 0));
            raw[i][TASKS + j] = (float) (r.nextGaussian() * DOMAIN_NOISE + (j == t ? DOMAIN : 0));
          }
          task[i] = t;
          labels.get(t)[i] = c;
        }
      }
    }
    return new Data(raw, labels, task);
  }

  /** Per head: mean and deviation over the rows it has labels for (as TrainingRun does). */
  record Standardisation(List<double[]> mean, List<double[]> std) {
    static Standardisation of(Data d) {
      List<double[]> means = new ArrayList<>();
      List<double[]> stds = new ArrayList<>();
      for (int[] y : d.labels()) {
        double[] m = new double[F];
        double[] s = new double[F];
        int n = 0;
        for (int i = 0; i < y.length; i++) {
          if (y[i] != N) {
            n++;
            for (int j = 0; j < F; j++) {
              m[j] += d.raw()[i][j];
            }
          }
        }
        for (int j = 0; j < F; j++) {
          m[j] /= n;
        }
        for (int i = 0; i < y.length; i++) {
          if (y[i] != N) {
            for (int j = 0; j < F; j++) {
              s[j] += (d.raw()[i][j] - m[j]) * (d.raw()[i][j] - m[j]);
            }
          }
        }
        for (int j = 0; j < F; j++) {
          s[j] = Math.sqrt(s[j] / n) + 1e-6;
        }
        means.add(m);
        stds.add(s);
      }
      return new Standardisation(means, stds);
    }

    TrainingSet apply(Data d) {
      List<double[][]> x = new ArrayList<>();
      for (int t = 0; t < mean.size(); t++) {
        double[][] z = new double[d.raw().length][F];
        for (int i = 0; i < z.length; i++) {
          for (int j = 0; j < F; j++) {
            z[i][j] = (d.raw()[i][j] - mean.get(t)[j]) / std.get(t)[j];
          }
        }
        x.add(z);
      }
      return new TrainingSet(x, new boolean[d.raw().length], new boolean[d.raw().length],
          d.labels());
    }
  }

  static List<HeadTask> heads(int count) {
    List<HeadTask> tasks = new ArrayList<>();
    for (int t = 0; t < count; t++) {
      tasks.add(new HeadTask("x" + t, true, new int[] {F, 1}, false));
    }
    return tasks;
  }

  static List<List<DenseLayer>> served(JointTrainer.Trained tr, Standardisation s, int first) {
    List<List<DenseLayer>> out = new ArrayList<>();
    for (int t = 0; t < tr.nets().size(); t++) {
      out.add(ServedHeads.export(tr.nets().get(t), s.mean().get(first + t),
          s.std().get(first + t)));
    }
    return out;
  }

  /** Data restricted to task t's rows and head t. */
  static Data only(Data d, int t) {
    List<Integer> rows = new ArrayList<>();
    for (int i = 0; i < d.task().length; i++) {
      if (d.task()[i] == t) {
        rows.add(i);
      }
    }
    float[][] raw = new float[rows.size()][];
    int[] y = new int[rows.size()];
    int[] task = new int[rows.size()];
    for (int k = 0; k < rows.size(); k++) {
      raw[k] = d.raw()[rows.get(k)];
      y[k] = d.labels().get(t)[rows.get(k)];
      task[k] = t;
    }
    return new Data(raw, List.of(y), task);
  }

  /** Mean over heads; {@code selfAgreement}: the union trained on the masked model's labels. */
  record Result(double maskedAgreement, double weakAgreement, double maskedAccuracy,
      double weakAccuracy, double selfAgreement) {}

  static Result run(long seed, PseudoLabelMode mode) {
    Random r = new Random(seed);
    Data train = data(r);
    Data val = data(r);
    Data test = data(r);
    TrainingSettings ts = new TrainingSettings(40, 0.01, 1e-4, 32, 0.5, true, 8, seed);
    Standardisation st = Standardisation.of(train);
    TrainingSet trainSet = st.apply(train);
    // masked-only joint model
    var masked = new JointTrainer(ts, QUIET).train(heads(TASKS), trainSet, st.apply(val));
    List<List<DenseLayer>> maskedHeads = served(masked, st, 0);
    // four single-task models, each on its own dataset only
    List<List<DenseLayer>> singles = new ArrayList<>();
    for (int t = 0; t < TASKS; t++) {
      Standardisation s1 = Standardisation.of(only(train, t));
      var single = new JointTrainer(ts, QUIET).train(heads(1), s1.apply(only(train, t)),
          s1.apply(only(val, t)));
      singles.add(served(single, s1, 0).get(0));
    }
    // cross-labelling with the single models' heads, then the joint model on the union
    var settings = new WeakSupervisionSettings(mode, 0.9, true, List.of("x0", "x1", "x2", "x3"));
    List<List<DenseLayer>> weakHeads = union(settings, singles, train, trainSet, st, val, ts);
    // the same with the masked model's own heads as the labellers (not asserted: it copies
    // the masked model, so it cannot be expected to move toward the singles)
    List<List<DenseLayer>> selfHeads = union(settings, maskedHeads, train, trainSet, st, val, ts);
    double[] m = measure(maskedHeads, singles, test);
    double[] w = measure(weakHeads, singles, test);
    return new Result(m[0], w[0], m[1], w[1], measure(selfHeads, singles, test)[0]);
  }

  static List<List<DenseLayer>> union(WeakSupervisionSettings settings,
      List<List<DenseLayer>> labellers, Data train, TrainingSet trainSet, Standardisation st,
      Data val, TrainingSettings ts) {
    var out = new WeakSupervisionStage(settings).run(
        new WeakSupervisionStage.Input(heads(TASKS), labellers, train.raw(), trainSet));
    var weak = new JointTrainer(ts, QUIET).train(heads(TASKS), out.train(), st.apply(val));
    return served(weak, st, 0);
  }

  /** Mean over heads of [agreement with the singles on other tasks' rows, own accuracy]. */
  static double[] measure(List<List<DenseLayer>> model, List<List<DenseLayer>> singles,
      Data test) {
    List<int[]> pred = new ArrayList<>();
    List<int[]> ref = new ArrayList<>();
    List<String> names = new ArrayList<>();
    double acc = 0;
    for (int t = 0; t < TASKS; t++) {
      pred.add(ServedHeads.predictions(model.get(t), true, test.raw()));
      ref.add(ServedHeads.predictions(singles.get(t), true, test.raw()));
      names.add("x" + t);
      boolean[] own = new boolean[test.raw().length];
      for (int i = 0; i < own.length; i++) {
        own[i] = test.labels().get(t)[i] != N;
      }
      acc += Agreement.on("x" + t, pred.get(t), test.labels().get(t), own).rate();
    }
    double agree = 0;
    for (var a : Agreement.onOtherTasksRows(names, pred, ref, test.labels())) {
      agree += a.rate();
    }
    return new double[] {agree / TASKS, acc / TASKS};
  }

  @Test
  void crossLabellingRaisesAgreementWithTheSingleModelsOnOtherTasksRows() {
    for (PseudoLabelMode mode : PseudoLabelMode.values()) {
      double gain = 0;
      for (long seed : SEEDS) {
        Result res = run(seed, mode);
        System.err.printf("weak-supervision demo %s seed %d: agreement with singles: masked "
            + "%.3f, cross-labelled by singles %.3f, by the masked heads %.3f; own accuracy "
            + "masked %.3f, cross-labelled by singles %.3f%n", mode.configName(), seed,
            res.maskedAgreement(), res.weakAgreement(), res.selfAgreement(),
            res.maskedAccuracy(), res.weakAccuracy());
        assertThat(res.weakAgreement()).isGreaterThan(res.maskedAgreement() - 0.005);
        assertThat(res.weakAccuracy()).isGreaterThan(res.maskedAccuracy() - 0.02);
        gain += (res.weakAgreement() - res.maskedAgreement()) / SEEDS.length;
      }
      // measured: +0.102 (hard), +0.111 (soft) over seeds 1-5
      assertThat(gain).isGreaterThan(0.07);
    }
  }
}
