package dev.cerberus.trainer.stage;

import dev.cerberus.model.heads.DenseLayer;
import dev.cerberus.trainer.config.TrainerConfig;
import dev.cerberus.trainer.config.TrainerConfig.HeadSpec;
import dev.cerberus.trainer.data.DataException;
import dev.cerberus.trainer.data.Sample;
import dev.cerberus.trainer.ood.MixupOutliers;
import dev.cerberus.trainer.train.HeadNet;
import dev.cerberus.trainer.train.HeadTask;
import dev.cerberus.trainer.train.JointTrainer;
import dev.cerberus.trainer.train.MaskedLoss;
import dev.cerberus.trainer.train.TrainingSet;
import dev.cerberus.trainer.train.TrainingSettings;
import dev.cerberus.trainer.weak.ServedHeads;
import dev.cerberus.trainer.weak.WeakSupervisionSettings;
import dev.cerberus.trainer.weak.WeakSupervisionStage;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stage 5, {@link HeadFeatures} -> {@link TrainedHeads}: all heads (and the gate) trained
 * together by {@link JointTrainer} on standardised rows. Training rows are the ID rows, then
 * the real outliers, then the gate's mixup outliers; each head reads them from its own
 * feature source and standardises over the rows it trains on.
 */
public final class HeadStage {

  private HeadStage() {}

  public static TrainedHeads train(RunPlan plan, HeadFeatures features, PrintStream log) {
    TrainerConfig c = plan.config();
    List<HeadTask> tasks = tasks(plan, features);
    // mixup rows are made per feature source (the same pairs for every source: they depend
    // on labels and seed only); heads sharing a source share the rows
    Map<FeatureSets, float[][][]> mixups = new IdentityHashMap<>();
    List<float[][][]> synth = new ArrayList<>();
    for (int t = 0; t < tasks.size(); t++) {
      synth.add(mixups.computeIfAbsent(features.of(t), fs -> mixups(plan, fs)));
    }
    int nSynthTrain = synth.get(0)[0].length;
    int nSynthVal = synth.get(0)[1].length;
    int idRows = features.samples(SetRole.TRAIN).size();
    List<int[]> trainLabels = taskLabels(plan, features.samples(SetRole.TRAIN),
        features.samples(SetRole.OUTLIERS_TRAIN).size(), nSynthTrain);
    List<int[]> valLabels = taskLabels(plan, features.samples(SetRole.VAL),
        features.samples(SetRole.OUTLIERS_VAL).size(), nSynthVal);
    List<float[][]> rawTrain = new ArrayList<>();
    List<double[][]> xTrain = new ArrayList<>();
    List<double[][]> xVal = new ArrayList<>();
    List<Standardisation> norms = new ArrayList<>();
    for (int t = 0; t < tasks.size(); t++) {
      FeatureSets fs = features.of(t);
      float[][] rows = rows(fs.get(SetRole.TRAIN), fs.get(SetRole.OUTLIERS_TRAIN), synth.get(t)[0]);
      // the rows this head trains on: its labelled rows, plus the outliers it is pushed on
      // (the gate also trains on the synthetic rows; OE heads only on the real outliers)
      boolean isGate = t == plan.gateIndex();
      boolean usesOutliers = tasks.get(t).outlierExposure() || isGate;
      int outEnd = isGate ? rows.length : rows.length - nSynthTrain;
      boolean[] used = new boolean[rows.length];
      for (int i = 0; i < used.length; i++) {
        used[i] = trainLabels.get(t)[i] != MaskedLoss.NO_LABEL
            || (usesOutliers && i >= idRows && i < outEnd);
      }
      Standardisation norm = Standardisation.fit(rows, used, tasks.get(t).sizes()[0]);
      norms.add(norm);
      rawTrain.add(rows);
      xTrain.add(norm.apply(rows));
      xVal.add(norm.apply(rows(fs.get(SetRole.VAL), fs.get(SetRole.OUTLIERS_VAL), synth.get(t)[1])));
    }
    int nTrain = xTrain.get(0).length;
    int nVal = xVal.get(0).length;
    TrainingSet train = new TrainingSet(xTrain, outlierFlags(idRows, nTrain),
        syntheticFlags(nTrain, nSynthTrain), trainLabels);
    TrainingSet val = new TrainingSet(xVal,
        outlierFlags(features.samples(SetRole.VAL).size(), nVal),
        syntheticFlags(nVal, nSynthVal), valLabels);
    var ts = c.training();
    TrainingSettings settings = new TrainingSettings(ts.epochs(), ts.learningRate(),
        ts.weightDecay(), ts.batchSize(), ts.oeLambda(), "balanced".equals(ts.classWeighting()),
        ts.patience(), c.seed());
    log.printf("training %d head(s) on %d rows (%d outliers, %d mixup outliers for the gate), "
        + "%d validation rows%n", tasks.size(), train.size(),
        features.samples(SetRole.OUTLIERS_TRAIN).size(), nSynthTrain, val.size());
    JointTrainer.Trained trained = new JointTrainer(settings, log).train(tasks, train, val);
    List<List<DenseLayer>> layers = export(trained, norms);
    if (c.weakSupervision() == null) {
      return new TrainedHeads(tasks, layers, trained.history(), List.of());
    }
    // weak supervision: the masked-only heads label the rows they have no label for (as
    // served: raw features through the exported layers), then a second joint training on the
    // union; rows and standardisation are unchanged, only labels, targets and weights differ
    List<String> names = c.heads().stream().map(HeadSpec::name).toList();
    WeakSupervisionStage.Output weak = new WeakSupervisionStage(
        WeakSupervisionSettings.from(c.weakSupervision(), names))
        .run(new WeakSupervisionStage.Input(tasks, layers, rawTrain, train));
    for (WeakSupervisionStage.HeadReport r : weak.heads()) {
      log.printf("weak supervision %-12s real %d, pseudo %d (mean weight %.3f), masked %d%n",
          r.head(), r.real(), r.pseudo(), r.meanPseudoWeight(), r.masked());
    }
    JointTrainer.Trained second = new JointTrainer(settings, log).train(tasks, weak.train(), val);
    return new TrainedHeads(tasks, export(second, norms), second.history(), weak.heads());
  }

  private static List<List<DenseLayer>> export(JointTrainer.Trained trained,
      List<Standardisation> norms) {
    List<List<DenseLayer>> layers = new ArrayList<>();
    for (int t = 0; t < trained.nets().size(); t++) {
      layers.add(denseLayers(trained.nets().get(t), norms.get(t)));
    }
    return layers;
  }

  /** The config's heads, then the gate; each head's input width is its own rows' width. */
  static List<HeadTask> tasks(RunPlan plan, HeadFeatures features) {
    TrainerConfig c = plan.config();
    List<HeadTask> tasks = new ArrayList<>();
    for (int t = 0; t < c.heads().size(); t++) {
      HeadSpec h = c.heads().get(t);
      boolean binary = "binary".equals(h.kind());
      tasks.add(new HeadTask(h.name(), binary,
          sizes(width(features, t), h.hidden(), binary ? 1 : h.labels().size()),
          h.outlierExposure() && !c.outliers().isEmpty()));
    }
    if (plan.hasGate()) {
      tasks.add(new HeadTask(c.gate().name(), true,
          sizes(width(features, plan.gateIndex()), c.gate().hidden(), 1), false));
    }
    return tasks;
  }

  private static int width(HeadFeatures features, int head) {
    return features.of(head).get(SetRole.TRAIN).features()[0].length;
  }

  static int[] sizes(int in, List<Integer> hidden, int out) {
    int[] s = new int[hidden.size() + 2];
    s[0] = in;
    for (int i = 0; i < hidden.size(); i++) {
      s[i + 1] = hidden.get(i);
    }
    s[s.length - 1] = out;
    return s;
  }

  /** {training, validation} mixup outliers of one feature source (none without gate.mixup). */
  private static float[][][] mixups(RunPlan plan, FeatureSets fs) {
    FeatureSet train = fs.get(SetRole.TRAIN);
    FeatureSet val = fs.get(SetRole.VAL);
    return new float[][][] {
        mixup(plan, train, plan.seed() + 2, 1.0),
        mixup(plan, val, plan.seed() + 3, (double) val.size() / train.size())};
  }

  /**
   * The gate's mixup outliers made from one set's rows; the count is {@code gate.mixup.count}
   * scaled by {@code share} (validation gets its share).
   */
  static float[][] mixup(RunPlan plan, FeatureSet set, long seed, double share) {
    TrainerConfig c = plan.config();
    if (c.gate() == null || c.gate().mixup() == null) {
      return new float[0][];
    }
    var mx = c.gate().mixup();
    int count = (int) Math.max(1, Math.round(mx.count() * share));
    HeadSpec decision = plan.decisionHead();
    try {
      return MixupOutliers.between(set.features(), Labels.of(set.samples(), decision), count,
          mx.min(), mx.max(), seed);
    } catch (IllegalArgumentException e) {
      throw new DataException("gate.mixup: data." + set.id().name() + " of head '"
          + decision.name() + "': " + e.getMessage());
    }
  }

  /** ID rows, then real outliers, then synthetic outliers. */
  static float[][] rows(FeatureSet id, FeatureSet outliers, float[][] synthetic) {
    float[][] r = new float[id.size() + outliers.size() + synthetic.length][];
    System.arraycopy(id.features(), 0, r, 0, id.size());
    System.arraycopy(outliers.features(), 0, r, id.size(), outliers.size());
    System.arraycopy(synthetic, 0, r, id.size() + outliers.size(), synthetic.length);
    return r;
  }

  private static boolean[] outlierFlags(int idRows, int rows) {
    boolean[] out = new boolean[rows];
    Arrays.fill(out, idRows, rows, true);
    return out;
  }

  private static boolean[] syntheticFlags(int rows, int synthetic) {
    boolean[] out = new boolean[rows];
    Arrays.fill(out, rows - synthetic, rows, true);
    return out;
  }

  /**
   * Per task, over ID rows + outliers + synthetic rows: the ID rows' labels, outliers
   * unlabelled; the gate's labels are in (0) for ID rows, out (1) for every outlier.
   */
  static List<int[]> taskLabels(RunPlan plan, List<Sample> id, int outliers, int synthetic) {
    int n = id.size() + outliers + synthetic;
    List<int[]> labels = new ArrayList<>();
    for (HeadSpec h : plan.config().heads()) {
      int[] y = new int[n];
      Arrays.fill(y, MaskedLoss.NO_LABEL);
      int[] idy = Labels.of(id, h);
      System.arraycopy(idy, 0, y, 0, idy.length);
      labels.add(y);
    }
    if (plan.hasGate()) {
      int[] y = new int[n];
      Arrays.fill(y, id.size(), n, 1);
      labels.add(y);
    }
    return labels;
  }

  /** The served layers: the same export the weak-supervision labellers use. */
  private static List<DenseLayer> denseLayers(HeadNet net, Standardisation norm) {
    return ServedHeads.export(net, norm.mean(), norm.std());
  }
}
