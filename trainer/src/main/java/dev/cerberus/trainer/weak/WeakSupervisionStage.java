package dev.cerberus.trainer.weak;

import dev.cerberus.model.heads.DenseLayer;
import dev.cerberus.trainer.train.HeadTask;
import dev.cerberus.trainer.train.MaskedLoss;
import dev.cerberus.trainer.train.SoftTargets;
import dev.cerberus.trainer.train.TrainingSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The weak-supervision stage between two joint trainings: the heads of the first (masked-only)
 * training label the in-distribution training rows they have no label for, and the result is
 * the training set of the second training, on the union.
 *
 * <p>Pipeline: {@code JointTrainer.train(tasks, train, val)} -> served layers per head ->
 * {@code run(new Input(tasks, layers, rawTrainRows, train))} -> {@code JointTrainer.train(tasks,
 * output.train(), val)} -> export with the same per-head means and deviations as before (the
 * rows and their standardisation are unchanged; only labels, targets and weights differ). The
 * validation set keeps its real labels, so early stopping still reads real labels only.
 *
 * <p>Probabilities come from the served layers through the model module's head math on raw
 * features, so a pseudo-label is what the served head would answer for that row.
 */
public final class WeakSupervisionStage {

  private final WeakSupervisionSettings settings;

  public WeakSupervisionStage(WeakSupervisionSettings settings) {
    this.settings = settings;
  }

  /**
   * @param tasks the heads, in the order of {@code train}'s labels (the gate may be one: it has
   *     a label on every row, so it is left as it is)
   * @param sourceHeads per task its served dense layers (standardisation folded in), e.g. the
   *     first training's heads; only the entries of tasks named in the sources are read
   * @param features per task, the raw features of every row of {@code train} in its row order
   *     (heads with their own fine-tuned top read their own features)
   * @param train the first training's set: per-head standardised rows and real labels
   */
  public record Input(List<HeadTask> tasks, List<List<DenseLayer>> sourceHeads,
      List<float[][]> features, TrainingSet train) {
    public Input {
      tasks = List.copyOf(tasks);
      sourceHeads = List.copyOf(sourceHeads);
      features = List.copyOf(features);
      if (sourceHeads.size() != tasks.size() || train.labels().size() != tasks.size()
          || features.size() != tasks.size()) {
        throw new IllegalArgumentException("tasks, sourceHeads, features and train.labels: one "
            + "per head, got " + tasks.size() + ", " + sourceHeads.size() + ", "
            + features.size() + ", " + train.labels().size());
      }
      for (float[][] f : features) {
        if (f.length != train.size()) {
          throw new IllegalArgumentException("features: one row per training row ("
              + train.size() + "), got " + f.length);
        }
      }
    }

    /** Every head reads the same raw features. */
    public Input(List<HeadTask> tasks, List<List<DenseLayer>> sourceHeads, float[][] features,
        TrainingSet train) {
      this(tasks, sourceHeads, java.util.Collections.nCopies(tasks.size(), features), train);
    }
  }

  /** What the stage did to one head (for the log and metrics.json). */
  public record HeadReport(String head, boolean source, int real, int pseudo, int masked,
      double meanPseudoWeight) {}

  /** The union training set, and per head (task order) what it holds. */
  public record Output(TrainingSet train, List<HeadReport> heads) {
    public Output {
      heads = List.copyOf(heads);
    }
  }

  public Output run(Input in) {
    Set<String> names = new HashSet<>();
    in.tasks().forEach(t -> names.add(t.name()));
    for (String s : settings.sources()) {
      if (!names.contains(s)) {
        throw new IllegalArgumentException("weak_supervision.sources: no head named " + s
            + "; heads are " + names);
      }
    }
    TrainingSet train = in.train();
    boolean[] eligible = new boolean[train.size()];
    for (int i = 0; i < eligible.length; i++) {
      eligible[i] = !train.outlier()[i];
    }
    List<int[]> labels = new ArrayList<>();
    List<SoftTargets> targets = new ArrayList<>();
    List<HeadReport> reports = new ArrayList<>();
    for (int t = 0; t < in.tasks().size(); t++) {
      HeadTask task = in.tasks().get(t);
      int[] real = train.labels().get(t);
      boolean source = settings.sources().contains(task.name());
      CrossLabeller.PseudoLabels pl;
      if (source) {
        boolean[] needed = new boolean[real.length];
        for (int i = 0; i < needed.length; i++) {
          needed[i] = eligible[i] && real[i] == MaskedLoss.NO_LABEL;
        }
        double[][] p = ServedHeads.probabilities(in.sourceHeads().get(t), task.binary(),
            in.features().get(t), needed);
        pl = CrossLabeller.label(new CrossLabeller.HeadScores(task.binary(), p, real), eligible,
            settings);
      } else {
        pl = CrossLabeller.realOnly(real, eligible);
      }
      labels.add(pl.labels());
      targets.add(pl.targets());
      reports.add(new HeadReport(task.name(), source, pl.real(), pl.pseudo(), pl.masked(),
          pl.meanPseudoWeight()));
    }
    return new Output(train.withSupervision(labels, targets), reports);
  }
}
