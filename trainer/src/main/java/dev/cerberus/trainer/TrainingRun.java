package dev.cerberus.trainer;

import dev.cerberus.model.bundle.BundleManifest;
import dev.cerberus.model.bundle.BundleManifest.UnknownPolicy;
import dev.cerberus.model.heads.Activation;
import dev.cerberus.model.heads.DenseLayer;
import dev.cerberus.model.heads.HeadMath;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.trainer.config.LoadedConfig;
import dev.cerberus.trainer.config.TrainerConfig;
import dev.cerberus.trainer.config.TrainerConfig.HeadSpec;
import dev.cerberus.trainer.config.TrainerConfig.SourceSpec;
import dev.cerberus.trainer.data.DataException;
import dev.cerberus.trainer.data.Item;
import dev.cerberus.trainer.data.Sample;
import dev.cerberus.trainer.data.SourceReader;
import dev.cerberus.trainer.data.Splits;
import dev.cerberus.trainer.eval.Metrics;
import dev.cerberus.trainer.features.Backbone;
import dev.cerberus.trainer.features.FeatureCache;
import dev.cerberus.trainer.features.FeatureSource;
import dev.cerberus.trainer.features.ExtractorFeatureSource;
import dev.cerberus.trainer.finetune.TopFineTuner;
import dev.cerberus.trainer.ood.FittedScore;
import dev.cerberus.trainer.ood.MixupOutliers;
import dev.cerberus.trainer.ood.OodFitter;
import dev.cerberus.trainer.report.BundleOutput;
import dev.cerberus.trainer.report.ReportData;
import dev.cerberus.trainer.report.ReportData.OodResult;
import dev.cerberus.trainer.train.HeadNet;
import dev.cerberus.trainer.train.HeadTask;
import dev.cerberus.trainer.train.JointTrainer;
import dev.cerberus.trainer.train.MaskedLoss;
import dev.cerberus.trainer.train.TrainingSet;
import dev.cerberus.trainer.train.TrainingSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * The trainer's flow: data -> feature cache -> joint head training (masked loss + outlier
 * exposure [+ gate]) -> OOD fitting -> calibration -> evaluation -> bundle + report.
 * Everything that can be checked without the backbone is checked first.
 */
public final class TrainingRun {

  /** Fraction of the outlier set held out for validation (early stopping, fusion statistics). */
  public static final double OUTLIER_VAL_FRACTION = 0.1;

  private final LoadedConfig loaded;
  private final TrainerConfig c;
  private final PrintStream log;

  public TrainingRun(LoadedConfig loaded, PrintStream log) {
    this.loaded = loaded;
    this.c = loaded.config();
    this.log = log;
  }

  /** Runs everything and returns the bundle folder. */
  public Path run() throws IOException {
    long t0 = System.nanoTime();
    // 1. data, checked before the backbone is touched
    Map<String, List<String>> labelsByTask = new LinkedHashMap<>();
    for (HeadSpec h : c.heads()) {
      List<String> prev = labelsByTask.putIfAbsent(h.task(), h.labels());
      if (prev != null && !prev.equals(h.labels())) {
        throw new TrainerException("heads: two heads read task '" + h.task()
            + "' with different labels " + prev + " and " + h.labels());
      }
    }
    SourceReader reader = new SourceReader(loaded.base(), labelsByTask,
        "fail".equals(c.data().onEmptyLine()), c.seed());
    Splits splits = Splits.of(reader.readLabelled(c.data().train()),
        reader.readLabelled(c.data().val()), reader.readLabelled(c.data().test()),
        c.data().valFraction(), c.data().testFraction(), c.seed());
    for (HeadSpec h : c.heads()) {
      if (splits.train().stream().noneMatch(s -> s.labels().containsKey(h.task()))) {
        throw new DataException("head '" + h.name() + "': no labelled samples for task '"
            + h.task() + "' in data.train");
      }
    }
    List<Item> outliers = new ArrayList<>();
    for (SourceSpec s : c.outliers()) {
      outliers.addAll(reader.readUnlabelled(s));
    }
    Map<String, List<Item>> oodSets = new LinkedHashMap<>();
    for (SourceSpec s : c.oodSets()) {
      oodSets.put(s.name(), reader.readUnlabelled(s));
    }
    log.printf("data: train %d, val %d, test %d, outliers %d, OOD sets %s (empty lines skipped: %d)%n",
        splits.train().size(), splits.val().size(), splits.test().size(), outliers.size(),
        sizes(oodSets), reader.skippedEmptyLines());

    // 2. backbone + feature cache (a split backbone: the trunk's outputs are cached)
    boolean split = c.backbone().split() != null;
    Path backboneFile = loaded.resolve(split ? c.backbone().split().trunk() : c.backbone().file());
    String decisionHead = c.ood().head() != null ? c.ood().head() : defaultDecisionHead();
    HeadSpec decision = c.heads().stream().filter(h -> h.name().equals(decisionHead))
        .findFirst().orElseThrow();
    if (c.backbone().fineTune() != null && !"multiclass".equals(decision.kind())) {
      throw new TrainerException("backbone.fine_tune: the decision head '" + decisionHead
          + "' must be multiclass (the top is fine-tuned on its labels)");
    }
    String backboneSha = FeatureCache.sha256(backboneFile);
    Backbone.configureEngine(c.backbone().threads());
    BundleManifest.InputSpec inputSpec = BundleOutput.inputSpec(c);
    Map<String, Object> extraction = new LinkedHashMap<>();
    Map<String, FeatureSet> sets = new LinkedHashMap<>();
    try (FeatureSource source = openSource(backboneFile, inputSpec, split)) {
      if (!split && source.featureSize() != c.backbone().featureSize()) {
        throw new TrainerException("backbone.feature_size: config says "
            + c.backbone().featureSize() + " but " + backboneFile + " outputs "
            + source.featureSize() + " features; heads are built for feature_size");
      }
      FeatureCache cache = new FeatureCache(loaded.resolve(c.cacheDir()), backboneSha,
          source.specKey(), c.backbone().batchSize(), System.err);
      List<Item> outTrain = new ArrayList<>(outliers);
      Collections.shuffle(outTrain, new Random(c.seed() + 1));
      int nOutVal = (int) Math.round(outTrain.size() * OUTLIER_VAL_FRACTION);
      List<Item> outVal = new ArrayList<>(outTrain.subList(0, nOutVal));
      outTrain = new ArrayList<>(outTrain.subList(nOutVal, outTrain.size()));
      long totalExtracted = 0;
      double totalSeconds = 0;
      int totalHits = 0;
      int totalCorrupt = 0;
      List<String> corruptFiles = new ArrayList<>();
      List<Object[]> todo = new ArrayList<>();
      todo.add(new Object[] {"train", "train", samples(splits.train())});
      todo.add(new Object[] {"val", "val", samples(splits.val())});
      todo.add(new Object[] {"test", "test", samples(splits.test())});
      todo.add(new Object[] {"outliers-train", "outliers-train", unlabelled(outTrain)});
      todo.add(new Object[] {"outliers-val", "outliers-val", unlabelled(outVal)});
      for (var e : oodSets.entrySet()) {
        todo.add(new Object[] {e.getKey(), "ood-eval", unlabelled(e.getValue())});
      }
      for (Object[] t : todo) {
        @SuppressWarnings("unchecked")
        List<Sample> list = (List<Sample>) t[2];
        List<Item> items = list.stream().map(Sample::item).toList();
        FeatureCache.Result r = cache.features((String) t[0], items, source);
        if (r.corrupt() > 0 && "fail".equals(c.data().onCorrupt())) {
          throw new DataException(r.corruptOrigins().get(0) + ": not a decodable image "
              + "(data.on_corrupt is fail; set skip to count and skip corrupt files)");
        }
        List<Sample> kept = new ArrayList<>();
        List<float[]> rows = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
          if (r.rows()[i] != null) {
            kept.add(list.get(i));
            rows.add(r.rows()[i]);
          }
        }
        sets.put((String) t[0], new FeatureSet((String) t[0], (String) t[1], kept,
            rows.toArray(new float[0][]), r.corrupt()));
        totalExtracted += r.extracted();
        totalSeconds += r.extractSeconds();
        totalHits += r.cacheHits();
        totalCorrupt += r.corrupt();
        corruptFiles.addAll(r.corruptOrigins());
      }
      extraction.put("backbone_sha256", backboneSha);
      extraction.put("cache_dir", cache.dir().toString());
      extraction.put("cache_hits", totalHits);
      extraction.put("extracted", totalExtracted);
      extraction.put("extract_seconds", totalSeconds);
      extraction.put("items_per_second", totalSeconds > 0 ? totalExtracted / totalSeconds : null);
      extraction.put("batch_size", c.backbone().batchSize());
      extraction.put("corrupt_skipped", totalCorrupt);
      extraction.put("corrupt_files", corruptFiles.subList(0, Math.min(50, corruptFiles.size())));
      log.printf("features: %d from cache, %d extracted in %.1fs (%.1f items/s), %d corrupt skipped%n",
          totalHits, totalExtracted, totalSeconds,
          totalSeconds > 0 ? totalExtracted / totalSeconds : 0.0, totalCorrupt);
    }
    if (sets.get("train").size() == 0) {
      throw new DataException("data.train: no usable items after extraction");
    }
    if (!c.outliers().isEmpty() && sets.get("outliers-train").size() == 0) {
      throw new DataException("outliers: no usable items after extraction");
    }
    Path topFile = null;
    if (split) {
      topFile = runTop(backboneFile, inputSpec, sets, decision, extraction);
    }

    // 3. heads
    List<HeadTask> tasks = new ArrayList<>();
    int f = c.backbone().featureSize();
    for (HeadSpec h : c.heads()) {
      tasks.add(new HeadTask(h.name(), "binary".equals(h.kind()),
          sizes(f, h.hidden(), "binary".equals(h.kind()) ? 1 : h.labels().size()),
          "multiclass".equals(h.kind()) && h.outlierExposure() && !c.outliers().isEmpty()));
    }
    boolean gate = c.gate() != null;
    if (gate) {
      tasks.add(new HeadTask(c.gate().name(), true, sizes(f, c.gate().hidden(), 1), false));
    }
    float[][] synthTrain = mixup(sets.get("train"), decision, c.seed() + 2, 1.0);
    float[][] synthVal = mixup(sets.get("val"), decision, c.seed() + 3,
        (double) sets.get("val").size() / sets.get("train").size());
    List<int[]> trainLabels = taskLabels(sets.get("train"), sets.get("outliers-train"),
        synthTrain.length, gate);
    List<double[]> means = new ArrayList<>();
    List<double[]> stds = new ArrayList<>();
    float[][] trainRows = rows(sets.get("train"), sets.get("outliers-train"), synthTrain);
    int idRows = sets.get("train").size();
    for (int t = 0; t < tasks.size(); t++) {
      // the rows this head trains on: its labelled rows, plus the outliers it is pushed on
      // (the gate also trains on the synthetic rows; OE heads only on the real outliers)
      boolean isGate = gate && t == tasks.size() - 1;
      boolean usesOutliers = tasks.get(t).outlierExposure() || isGate;
      int outEnd = isGate ? trainRows.length : trainRows.length - synthTrain.length;
      boolean[] used = new boolean[trainRows.length];
      for (int i = 0; i < used.length; i++) {
        used[i] = trainLabels.get(t)[i] != MaskedLoss.NO_LABEL
            || (usesOutliers && i >= idRows && i < outEnd);
      }
      double[] mean = new double[f];
      double[] std = new double[f];
      standardisation(trainRows, used, mean, std);
      means.add(mean);
      stds.add(std);
    }
    TrainingSet train = new TrainingSet(standardise(trainRows, means, stds),
        outlierFlags(sets.get("train").size(), trainRows.length),
        syntheticFlags(trainRows.length, synthTrain.length), trainLabels);
    float[][] valRows = rows(sets.get("val"), sets.get("outliers-val"), synthVal);
    TrainingSet val = new TrainingSet(standardise(valRows, means, stds),
        outlierFlags(sets.get("val").size(), valRows.length),
        syntheticFlags(valRows.length, synthVal.length),
        taskLabels(sets.get("val"), sets.get("outliers-val"), synthVal.length, gate));
    var ts = c.training();
    TrainingSettings settings = new TrainingSettings(ts.epochs(), ts.learningRate(),
        ts.weightDecay(), ts.batchSize(), ts.oeLambda(), "balanced".equals(ts.classWeighting()),
        ts.patience(), c.seed());
    log.printf("training %d head(s) on %d rows (%d outliers, %d mixup outliers for the gate), "
        + "%d validation rows%n", tasks.size(), train.size(), sets.get("outliers-train").size(),
        synthTrain.length, val.size());
    JointTrainer.Trained trained = new JointTrainer(settings, log).train(tasks, train, val);
    List<List<DenseLayer>> layers = new ArrayList<>();
    for (int t = 0; t < tasks.size(); t++) {
      layers.add(denseLayers(trained.nets().get(t), means.get(t), stds.get(t)));
    }
    List<String> headNames = tasks.stream().map(HeadTask::name).toList();

    // 4. logits with the served head math, for every set
    Map<String, float[][][]> logits = new LinkedHashMap<>();
    for (FeatureSet s : sets.values()) {
      logits.put(s.name(), logits(layers, s.features()));
    }

    // 5. OOD methods fitted on in-distribution training features
    int decisionIdx = headNames.indexOf(decisionHead);
    int[] decisionTrainLabels = labels(sets.get("train").samples(), decision);
    OodFitter.Inputs fitIn = new OodFitter.Inputs(decisionHead, decisionIdx,
        decision.kind().equals("binary") ? 2 : decision.labels().size(),
        gate ? c.gate().name() : null, gate ? headNames.indexOf(c.gate().name()) : -1,
        sets.get("train").features(), decisionTrainLabels, c.ood().temperature(), c.ood().knnK(),
        c.ood().knnBankSize(), c.ood().mahalanobisShrinkage(), c.seed());
    // training rows are never scored: calibration and evaluation read only held-out sets
    Map<String, FeatureSet> scored = new LinkedHashMap<>(sets);
    scored.remove("train");
    scored.remove("outliers-train");
    Map<String, FittedScore> fitted = new LinkedHashMap<>();
    Map<String, Map<String, double[]>> scores = new LinkedHashMap<>();
    for (String m : c.ood().methods()) {
      if (m.equals("fusion")) {
        continue;
      }
      long s0 = System.nanoTime();
      FittedScore fs = OodFitter.fit(m, fitIn);
      fitted.put(m, fs);
      scores.put(m, scoreAll(fs, scored, logits));
      log.printf("ood %-12s fitted and scored in %.1fs%n", m, (System.nanoTime() - s0) / 1e9);
    }
    if (c.ood().methods().contains("fusion")) {
      List<FittedScore> parts = new ArrayList<>();
      List<double[]> valScores = new ArrayList<>();
      List<Map<String, double[]>> partScores = new ArrayList<>();
      for (String m : c.ood().fusion()) {
        FittedScore fs = fitted.containsKey(m) ? fitted.get(m) : OodFitter.fit(m, fitIn);
        Map<String, double[]> ps = scores.containsKey(m) ? scores.get(m) : scoreAll(fs, scored, logits);
        parts.add(fs);
        partScores.add(ps);
        valScores.add(ps.get("val"));
      }
      FittedScore fusion = OodFitter.fuse(parts, valScores, decisionHead);
      fitted.put("fusion", fusion);
      // the served fusion formula (OodScorers.fusion: sum_i w_i (s_i - mean_i) / std_i) applied
      // to the component scores already computed, instead of running every component again
      scores.put("fusion", OodFitter.fusedScores(fusion, partScores));
    }

    // 6. calibration on in-distribution validation, 7. evaluation on held-out sets
    double tpr = c.ood().targetTpr();
    int[] decisionTestLabels = labels(sets.get("test").samples(), decision);
    int[] decisionTestPred = predictions(logits.get("test"), decisionIdx);
    List<OodResult> oodResults = new ArrayList<>();
    Map<String, Double> thresholds = new LinkedHashMap<>();
    for (var e : scores.entrySet()) {
      String m = e.getKey();
      double[] idVal = e.getValue().get("val");
      double thr = Metrics.thresholdAtTpr(idVal, tpr);
      thresholds.put(m, thr);
      double[] idTest = e.getValue().get("test");
      for (String name : oodSets.keySet()) {
        double[] ood = e.getValue().get(name);
        double auroc = Metrics.auroc(idTest, ood);
        double fpr95 = Metrics.fprAtTpr(idTest, ood, 0.95);
        double decisionAcc = decisionAccuracy(idTest, decisionTestLabels, decisionTestPred, ood, thr);
        oodResults.add(new OodResult(m, name, auroc, fpr95, decisionAcc,
            Metrics.acceptedFraction(idTest, thr), Metrics.acceptedFraction(ood, thr)));
      }
    }
    for (OodResult r : oodResults) {
      log.printf("ood %-12s vs %-12s AUROC %.3f  FPR95 %.3f  decision acc %.3f%n", r.method(),
          r.oodSet(), r.auroc(), r.fpr95(), r.decisionAccuracy());
    }
    List<ReportData.HeadResult> headResults = new ArrayList<>();
    for (int t = 0; t < tasks.size(); t++) {
      headResults.add(evaluateHead(tasks.get(t), t, sets, logits, gate && t == tasks.size() - 1));
    }
    for (var h : headResults) {
      log.printf("head %-12s test accuracy %.4f  macro-F1 %.4f%s (n=%d)%n", h.head(), h.accuracy(),
          h.macroF1(), h.auroc() == null ? "" : String.format("  AUROC %.4f", h.auroc()), h.n());
    }

    // 8. bundle + report
    String serve = c.ood().serve();
    FittedScore served = fitted.get(serve);
    UnknownPolicy policy = OodFitter.calibrated(served.policy(), thresholds.get(serve), tpr);
    ReportData report = new ReportData(c, loaded.file().toString(), headNames, headResults,
        oodResults, thresholds, serve, tpr,
        Metrics.acceptedFraction(scores.get(serve).get("val"), thresholds.get(serve)),
        trained.history(), extraction, scores, oodSets.keySet().stream().toList(),
        c.outliers().stream().map(s -> s.name() != null ? s.name()
            : s.images() != null ? s.images() : s.text() != null ? s.text() : s.jsonl()).toList(),
        Map.of("train", sets.get("train").size(), "val", sets.get("val").size(), "test",
            sets.get("test").size(), "outliers-train", sets.get("outliers-train").size(),
            "outliers-val", sets.get("outliers-val").size()),
        (System.nanoTime() - t0) / 1e9);
    Path out = loaded.resolve(c.output());
    new BundleOutput(c, loaded).write(out, backboneFile, topFile, backboneSha, inputSpec, tasks, layers,
        policy, served.files(), report, c.heads(), gate ? c.gate().name() : null);
    log.printf("bundle written to %s (served unknown: %s, threshold %.5g at TPR %.2f) in %.1fs%n",
        out, serve, thresholds.get(serve), tpr, (System.nanoTime() - t0) / 1e9);
    if (topFile != null) {
      java.nio.file.Files.deleteIfExists(topFile);
    }
    return out;
  }

  /**
   * A split backbone: loads the top, fine-tunes it on the decision head's task with outlier
   * exposure (when {@code backbone.fine_tune} is set), replaces every set's trunk rows by the
   * top's pooled features, and writes the top the bundle will serve to a temporary file.
   */
  private Path runTop(Path trunkFile, BundleManifest.InputSpec inputSpec,
      Map<String, FeatureSet> sets, HeadSpec decision, Map<String, Object> extraction)
      throws IOException {
    var im = inputSpec.image();
    long[] inShape = {"gray".equals(im.channels()) ? 1 : 3, im.height(), im.width()};
    long[] mapShape = TopFineTuner.trunkMapShape(trunkFile, inShape, c.backbone().device());
    Path topSource = loaded.resolve(c.backbone().split().top());
    try (TopFineTuner top = TopFineTuner.load(topSource, mapShape, c.backbone().device())) {
      if (top.featureSize() != c.backbone().featureSize()) {
        throw new TrainerException("backbone.feature_size: config says "
            + c.backbone().featureSize() + " but " + topSource + " outputs " + top.featureSize()
            + " features; heads are built for feature_size");
      }
      var ft = c.backbone().fineTune();
      if (ft != null) {
        FeatureSet tr = sets.get("train");
        FeatureSet va = sets.get("val");
        int[] y = labels(tr.samples(), decision);
        int[] yv = labels(va.samples(), decision);
        List<Integer> keep = new ArrayList<>();
        List<Integer> keepV = new ArrayList<>();
        for (int i = 0; i < y.length; i++) if (y[i] >= 0) keep.add(i);
        for (int i = 0; i < yv.length; i++) if (yv[i] >= 0) keepV.add(i);
        float[][] out = sets.get("outliers-train").features();
        boolean oe = decision.outlierExposure();
        log.printf("fine-tuning the top (%s) on %d labelled rows of '%s' and %d outliers "
            + "(lambda %.2f), %d epochs%n", c.backbone().split().top(), keep.size(),
            decision.task(), oe ? out.length : 0, ft.oeLambda(), ft.epochs());
        long f0 = System.nanoTime();
        List<TopFineTuner.Epoch> history = top.fineTune(rows(tr.features(), keep),
            pick(y, keep), decision.labels().size(), oe ? out : new float[0][],
            rows(va.features(), keepV), pick(yv, keepV),
            oe ? sets.get("outliers-val").features() : new float[0][], ft, c.seed() + 5, log);
        Map<String, Object> fine = new LinkedHashMap<>();
        fine.put("epochs", history);
        fine.put("seconds", (System.nanoTime() - f0) / 1e9);
        extraction.put("fine_tune", fine);
      }
      for (var e : new ArrayList<>(sets.entrySet())) {
        FeatureSet s = e.getValue();
        e.setValue(new FeatureSet(s.name(), s.role(), s.samples(),
            top.features(s.features(), c.backbone().batchSize()), s.corrupt()));
      }
      Path tmp = java.nio.file.Files.createTempFile("cerberus-top", ".pt");
      top.write(tmp);
      return tmp;
    }
  }

  private static float[][] rows(float[][] all, List<Integer> keep) {
    float[][] r = new float[keep.size()][];
    for (int i = 0; i < r.length; i++) r[i] = all[keep.get(i)];
    return r;
  }

  private static int[] pick(int[] all, List<Integer> keep) {
    int[] r = new int[keep.size()];
    for (int i = 0; i < r.length; i++) r[i] = all[keep.get(i)];
    return r;
  }

  private FeatureSource openSource(Path backboneFile, BundleManifest.InputSpec in, boolean trunk)
      throws IOException {
    Path dir = backboneFile.getParent();
    if ("text".equals(in.kind())) {
      // the extractor resolves the tokenizer against the backbone's folder, as a bundle does
      String rel = dir.relativize(loaded.resolve(c.input().text().tokenizer())).toString();
      var t = in.text();
      in = new BundleManifest.InputSpec("text", null,
          new BundleManifest.TextSpec(rel, t.maxTokens(), t.pooling(), t.buckets()), null);
    }
    return new ExtractorFeatureSource(dir, in, backboneFile.getFileName().toString(),
        c.backbone().output(), c.backbone().device(), c.backbone().batchSize(),
        InputLimits.defaults(), trunk);
  }

  private String defaultDecisionHead() {
    return c.heads().stream().filter(h -> "multiclass".equals(h.kind())).findFirst()
        .orElse(c.heads().get(0)).name();
  }

  private static Map<String, Integer> sizes(Map<String, List<Item>> sets) {
    Map<String, Integer> m = new LinkedHashMap<>();
    sets.forEach((k, v) -> m.put(k, v.size()));
    return m;
  }

  private static List<Sample> samples(List<Sample> s) {
    return s;
  }

  private static List<Sample> unlabelled(List<Item> items) {
    return items.stream().map(i -> new Sample(i, Map.of())).toList();
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

  /** Per-feature mean and standard deviation over the used rows (folded into layer 0). */
  private static void standardisation(float[][] rows, boolean[] used, double[] mean, double[] std) {
    int n = 0;
    for (int i = 0; i < rows.length; i++) {
      if (!used[i]) {
        continue;
      }
      n++;
      for (int j = 0; j < mean.length; j++) {
        mean[j] += rows[i][j];
      }
    }
    for (int j = 0; j < mean.length; j++) {
      mean[j] /= Math.max(n, 1);
    }
    for (int i = 0; i < rows.length; i++) {
      if (!used[i]) {
        continue;
      }
      for (int j = 0; j < std.length; j++) {
        std[j] += (rows[i][j] - mean[j]) * (rows[i][j] - mean[j]);
      }
    }
    for (int j = 0; j < std.length; j++) {
      // a floor keeps always-zero ReLU features from blowing up their weights
      std[j] = Math.max(Math.sqrt(std[j] / Math.max(n, 1)), 1e-2);
    }
  }

  /**
   * The gate's mixup outliers made from one set's rows (none without {@code gate.mixup}); the
   * count is {@code gate.mixup.count} scaled by {@code share} (validation gets its share).
   */
  private float[][] mixup(FeatureSet set, HeadSpec decision, long seed, double share) {
    if (c.gate() == null || c.gate().mixup() == null) {
      return new float[0][];
    }
    var mx = c.gate().mixup();
    int count = (int) Math.max(1, Math.round(mx.count() * share));
    try {
      return MixupOutliers.between(set.features(), labels(set.samples(), decision), count,
          mx.min(), mx.max(), seed);
    } catch (IllegalArgumentException e) {
      throw new DataException("gate.mixup: data." + set.name() + " of head '" + decision.name()
          + "': " + e.getMessage());
    }
  }

  /** ID rows, then real outliers, then synthetic outliers. */
  private static float[][] rows(FeatureSet id, FeatureSet outliers, float[][] synthetic) {
    float[][] r = new float[id.size() + outliers.size() + synthetic.length][];
    System.arraycopy(id.features(), 0, r, 0, id.size());
    System.arraycopy(outliers.features(), 0, r, id.size(), outliers.size());
    System.arraycopy(synthetic, 0, r, id.size() + outliers.size(), synthetic.length);
    return r;
  }

  private static boolean[] outlierFlags(int idRows, int rows) {
    boolean[] out = new boolean[rows];
    java.util.Arrays.fill(out, idRows, rows, true);
    return out;
  }

  private static boolean[] syntheticFlags(int rows, int synthetic) {
    boolean[] out = new boolean[rows];
    java.util.Arrays.fill(out, rows - synthetic, rows, true);
    return out;
  }

  private static List<double[][]> standardise(float[][] rows, List<double[]> means,
      List<double[]> stds) {
    List<double[][]> out = new ArrayList<>();
    for (int t = 0; t < means.size(); t++) {
      double[] mean = means.get(t);
      double[] std = stds.get(t);
      double[][] x = new double[rows.length][];
      for (int i = 0; i < rows.length; i++) {
        double[] z = new double[mean.length];
        for (int j = 0; j < z.length; j++) {
          z[j] = (rows[i][j] - mean[j]) / std[j];
        }
        x[i] = z;
      }
      out.add(x);
    }
    return out;
  }

  /**
   * Per task: ID rows' labels, outliers (real and synthetic) unlabelled; the gate's labels are
   * in (0) / out (1).
   */
  private List<int[]> taskLabels(FeatureSet id, FeatureSet outliers, int synthetic,
      boolean gate) {
    int n = id.size() + outliers.size() + synthetic;
    List<int[]> labels = new ArrayList<>();
    for (HeadSpec h : c.heads()) {
      int[] y = new int[n];
      java.util.Arrays.fill(y, MaskedLoss.NO_LABEL);
      int[] idy = labels(id.samples(), h);
      System.arraycopy(idy, 0, y, 0, idy.length);
      labels.add(y);
    }
    if (gate) {
      int[] y = new int[n];
      java.util.Arrays.fill(y, id.size(), n, 1);
      labels.add(y);
    }
    return labels;
  }

  /** Label indices of one head's task, {@link MaskedLoss#NO_LABEL} where a sample has none. */
  static int[] labels(List<Sample> samples, HeadSpec h) {
    int[] y = new int[samples.size()];
    for (int i = 0; i < y.length; i++) {
      String l = samples.get(i).labels().get(h.task());
      y[i] = l == null ? MaskedLoss.NO_LABEL : h.labels().indexOf(l);
    }
    return y;
  }

  private static List<DenseLayer> denseLayers(HeadNet net, double[] mean, double[] std) {
    List<float[][]> exported = net.exportFolded(mean, std);
    List<DenseLayer> out = new ArrayList<>();
    for (int l = 0; l < exported.size(); l++) {
      float[] w = exported.get(l)[0];
      float[] b = exported.get(l)[1];
      out.add(new DenseLayer(b.length, w.length / b.length, w, b,
          l < exported.size() - 1 ? Activation.RELU : Activation.NONE));
    }
    return out;
  }

  /** [item][head][logit] through the model module's head math. */
  private static float[][][] logits(List<List<DenseLayer>> layers, float[][] x) {
    float[][][] out = new float[x.length][layers.size()][];
    for (int h = 0; h < layers.size(); h++) {
      for (int i = 0; i < x.length; i++) {
        out[i][h] = HeadMath.logits(layers.get(h), x[i]);
      }
    }
    return out;
  }

  private Map<String, double[]> scoreAll(FittedScore fs, Map<String, FeatureSet> sets,
      Map<String, float[][][]> logits) {
    Map<String, double[]> out = new LinkedHashMap<>();
    ForkJoinPool pool = new ForkJoinPool(c.backbone().threads());
    try {
      for (FeatureSet s : sets.values()) {
        float[][][] z = logits.get(s.name());
        double[] r = new double[s.size()];
        pool.submit(() -> IntStream.range(0, s.size()).parallel()
            .forEach(i -> r[i] = fs.scorer().score(s.features()[i], z[i]))).join();
        out.put(s.name(), r);
      }
    } finally {
      pool.shutdown();
    }
    return out;
  }

  private static int[] predictions(float[][][] logits, int head) {
    int[] p = new int[logits.length];
    for (int i = 0; i < p.length; i++) {
      float[] z = logits[i][head];
      p[i] = z.length == 1 ? (z[0] > 0 ? 1 : 0) : HeadMath.argmax(z);
    }
    return p;
  }

  /** Right known label (and accepted) for ID items with a label, "unknown" for OOD items. */
  static double decisionAccuracy(double[] idScores, int[] idLabels, int[] idPred, double[] ood,
      double threshold) {
    int ok = 0;
    int n = 0;
    for (int i = 0; i < idScores.length; i++) {
      if (idLabels[i] < 0) {
        continue;
      }
      n++;
      ok += idScores[i] <= threshold && idPred[i] == idLabels[i] ? 1 : 0;
    }
    for (double s : ood) {
      n++;
      ok += s > threshold ? 1 : 0;
    }
    return (double) ok / n;
  }

  private ReportData.HeadResult evaluateHead(HeadTask task, int index, Map<String, FeatureSet> sets,
      Map<String, float[][][]> logits, boolean isGate) {
    List<Integer> truth = new ArrayList<>();
    List<Integer> pred = new ArrayList<>();
    List<Double> pos = new ArrayList<>();
    List<Double> neg = new ArrayList<>();
    int classes = task.binary() ? 2 : task.sizes()[task.sizes().length - 1];
    List<String> labelNames;
    if (isGate) {
      labelNames = List.of("in", "out");
      // the gate is evaluated on ID test (in) vs every evaluation OOD set (out)
      for (FeatureSet s : sets.values()) {
        int y = s.role().equals("test") ? 0 : s.role().equals("ood-eval") ? 1 : -1;
        if (y < 0) {
          continue;
        }
        for (float[][] z : logits.get(s.name())) {
          add(truth, pred, pos, neg, y, z[index], true);
        }
      }
    } else {
      HeadSpec h = c.heads().get(index);
      labelNames = h.labels();
      int[] y = labels(sets.get("test").samples(), h);
      float[][][] z = logits.get("test");
      for (int i = 0; i < y.length; i++) {
        if (y[i] >= 0) {
          add(truth, pred, pos, neg, y[i], z[i][index], task.binary());
        }
      }
    }
    int[] t = truth.stream().mapToInt(Integer::intValue).toArray();
    int[] p = pred.stream().mapToInt(Integer::intValue).toArray();
    Double auroc = task.binary() && !pos.isEmpty() && !neg.isEmpty()
        ? Metrics.auroc(neg.stream().mapToDouble(Double::doubleValue).toArray(),
            pos.stream().mapToDouble(Double::doubleValue).toArray()) : null;
    return new ReportData.HeadResult(task.name(), labelNames, t.length, Metrics.accuracy(t, p),
        Metrics.macroF1(t, p, classes), auroc, Metrics.confusion(t, p, classes), isGate);
  }

  private static void add(List<Integer> truth, List<Integer> pred, List<Double> pos,
      List<Double> neg, int y, float[] z, boolean binary) {
    truth.add(y);
    pred.add(binary ? (z[0] > 0 ? 1 : 0) : HeadMath.argmax(z));
    if (binary) {
      (y == 1 ? pos : neg).add((double) z[0]);
    }
  }
}
