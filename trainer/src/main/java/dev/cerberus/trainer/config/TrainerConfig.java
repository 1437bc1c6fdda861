package dev.cerberus.trainer.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One training run, as read from YAML or JSON (snake_case keys; an unknown key is an error).
 * Every limit has a default here so a minimal config stays short; trainer/README.md documents
 * every field with a full example.
 */
public record TrainerConfig(
    String name,
    String version,
    String description,
    Long seed,
    String output,
    String cacheDir,
    BackboneSpec backbone,
    InputSpec input,
    DataSpec data,
    List<HeadSpec> heads,
    GateSpec gate,
    List<SourceSpec> outliers,
    List<SourceSpec> oodSets,
    OodSpec ood,
    TrainingSpec training,
    WeakSupervisionSpec weakSupervision,
    Boolean flipFeatures,
    Boolean flipTta,
    DecisionSpec decision) {

  public TrainerConfig {
    version = version == null ? "1" : version;
    description = description == null ? "" : description;
    seed = seed == null ? 42L : seed;
    cacheDir = cacheDir == null ? "build/feature-cache" : cacheDir;
    heads = heads == null ? List.of() : List.copyOf(heads);
    outliers = outliers == null ? List.of() : List.copyOf(outliers);
    oodSets = oodSets == null ? List.of() : List.copyOf(oodSets);
    ood = ood == null ? OodSpec.defaults() : ood;
    training = training == null ? TrainingSpec.defaults() : training;
    data = data == null ? new DataSpec(null, null, null, null, null, null, null) : data;
    flipFeatures = flipFeatures != null && flipFeatures;
    flipTta = flipTta != null && flipTta;
    decision = decision == null ? new DecisionSpec(null, null) : decision;
  }

  /**
   * The bundle's {@code flip_features} / {@code flip_tta} (docs/bundle.md): heads read
   * {@code [f(x), f(x) - f(mirror x)]} or {@code (f(x) + f(mirror x)) / 2}; image inputs and a
   * whole backbone file only ({@code FlipCheck}).
   */
  @com.fasterxml.jackson.annotation.JsonIgnore
  public dev.cerberus.model.bundle.FlipMode flip() {
    return dev.cerberus.model.bundle.FlipMode.of(flipFeatures, flipTta);
  }

  /** Without a decision order (the shape of the config before {@code decision}). */
  public TrainerConfig(String name, String version, String description, Long seed, String output,
      String cacheDir, BackboneSpec backbone, InputSpec input, DataSpec data,
      List<HeadSpec> heads, GateSpec gate, List<SourceSpec> outliers, List<SourceSpec> oodSets,
      OodSpec ood, TrainingSpec training, WeakSupervisionSpec weakSupervision,
      Boolean flipFeatures, Boolean flipTta) {
    this(name, version, description, seed, output, cacheDir, backbone, input, data, heads, gate,
        outliers, oodSets, ood, training, weakSupervision, flipFeatures, flipTta, null);
  }

  /** Without flip settings and decision order. */
  public TrainerConfig(String name, String version, String description, Long seed, String output,
      String cacheDir, BackboneSpec backbone, InputSpec input, DataSpec data,
      List<HeadSpec> heads, GateSpec gate, List<SourceSpec> outliers, List<SourceSpec> oodSets,
      OodSpec ood, TrainingSpec training, WeakSupervisionSpec weakSupervision) {
    this(name, version, description, seed, output, cacheDir, backbone, input, data, heads, gate,
        outliers, oodSets, ood, training, weakSupervision, null, null, null);
  }

  /** Without weak supervision (the shape of the config before {@code weak_supervision}). */
  public TrainerConfig(String name, String version, String description, Long seed, String output,
      String cacheDir, BackboneSpec backbone, InputSpec input, DataSpec data,
      List<HeadSpec> heads, GateSpec gate, List<SourceSpec> outliers, List<SourceSpec> oodSets,
      OodSpec ood, TrainingSpec training) {
    this(name, version, description, seed, output, cacheDir, backbone, input, data, heads, gate,
        outliers, oodSets, ood, training, null, null, null, null);
  }

  /**
   * The backbone: one TorchScript file, or a split pair whose top can be fine-tuned.
   * {@code feature_size} is checked against one real forward pass before training starts.
   *
   * @param file TorchScript file (exactly one of file / split)
   * @param split {@code trunk} + {@code top} files with {@code top(trunk(x)) == backbone(x)}
   *     (image: top(map [B,C,h,w]) -> [B,F]; text: top(hidden [B,T,F], mask) -> [B,T,F]); the
   *     trunk's outputs are cached, the top runs on them
   * @param fineTune optional: fine-tune the split's top on the decision head's task with
   *     outlier exposure before the heads are fitted; null = the top stays frozen
   * @param output pooled ([B,F]) or tokens ([B,T,F], mean-pooled over the attention mask)
   * @param featureSize F
   * @param batchSize inputs per forward during feature extraction
   * @param threads intra-op threads for the engine (the machine is shared)
   * @param device DJL device name, cpu or gpu
   * @param cacheMaxBytes text split only: the most bytes the cached trunk token states of all
   *     sets may take in memory ({@code [T,F]} per item at its bucket length); a run that would
   *     need more stops before the trunk runs (default 2 GiB)
   * @param cachePrecision text split only: fp16 (half the bytes; pooled features then match the
   *     served ones to about 1e-3 relative) or fp32 (served == trained to float rounding)
   */
  public record BackboneSpec(
      String file, SplitSpec split, FineTuneSpec fineTune, String output, Integer featureSize,
      Integer batchSize, Integer threads, String device, Long cacheMaxBytes,
      CachePrecision cachePrecision) {
    public BackboneSpec {
      output = output == null ? "pooled" : output;
      batchSize = batchSize == null ? 32 : batchSize;
      threads = threads == null ? 2 : threads;
      device = device == null ? "cpu" : device;
      cacheMaxBytes = cacheMaxBytes == null ? DEFAULT_CACHE_MAX_BYTES : cacheMaxBytes;
      cachePrecision = cachePrecision == null ? CachePrecision.FP16 : cachePrecision;
    }
  }

  /** Default {@code backbone.cache_max_bytes}: 2 GiB, about 43,000 items at T=64, F=384, fp16. */
  public static final long DEFAULT_CACHE_MAX_BYTES = 2L << 30;

  /** How cached text trunk token states are stored ({@code backbone.cache_precision}). */
  public enum CachePrecision {
    @JsonProperty("fp16") FP16(2),
    @JsonProperty("fp32") FP32(4);

    private final int bytes;

    CachePrecision(int bytes) {
      this.bytes = bytes;
    }

    /** Bytes per stored value. */
    public int bytes() {
      return bytes;
    }
  }

  /**
   * Which top a head reads its features from ({@code heads[].top}): the backbone's top, frozen
   * or fine-tuned once for all such heads ({@code shared}), or its own copy fine-tuned on its
   * own task ({@code own}; needs {@code backbone.split}).
   */
  public enum TopMode {
    @JsonProperty("shared") SHARED,
    @JsonProperty("own") OWN
  }

  /** A split backbone: {@code trunk} (input -> feature map) and {@code top} (map -> pooled). */
  public record SplitSpec(String trunk, String top) {}

  /**
   * Fine-tuning of a split backbone's top (trainer.finetune.TopTraining; image multiclass
   * single-task: TopFineTuner): one zero-initialised linear layer per trained head on the top's
   * pooled output, trained with the top on each head's own labelled training rows (masked loss,
   * summed over heads) plus {@code oe_lambda} x the Outlier Exposure loss of every head with
   * outlier exposure on the training outliers; AdamW, a fixed number of epochs. The linear
   * layers are discarded afterwards (the heads are fitted on the fine-tuned features as usual).
   *
   * @param headLearningRate learning rate of the linear layers (zero-initialised)
   * @param batchSize labelled rows per step (plus as many outlier rows)
   * @param objective {@code backbone.fine_tune} only: which heads' losses train the shared top
   *     (null = {@link FineTuneObjective#ALL_HEADS}; see {@link #jointObjective()})
   * @param schedule learning-rate schedule of both optimisers (default constant)
   */
  public record FineTuneSpec(Integer epochs, Double learningRate, Double headLearningRate,
      Double weightDecay, Integer batchSize, Double oeLambda, FineTuneObjective objective,
      FineTuneSchedule schedule) {
    public FineTuneSpec {
      epochs = epochs == null ? 8 : epochs;
      learningRate = learningRate == null ? 1e-4 : learningRate;
      headLearningRate = headLearningRate == null ? 1e-3 : headLearningRate;
      weightDecay = weightDecay == null ? 1e-4 : weightDecay;
      batchSize = batchSize == null ? 64 : batchSize;
      oeLambda = oeLambda == null ? 0.5 : oeLambda;
      schedule = schedule == null ? FineTuneSchedule.CONSTANT : schedule;
      // objective stays null when not given, so that the loader can refuse it on a head's own
      // fine_tune (an own top has one task: there is nothing to choose)
    }

    /** The settings of earlier configs: every objective/schedule at its default. */
    public FineTuneSpec(Integer epochs, Double learningRate, Double headLearningRate,
        Double weightDecay, Integer batchSize, Double oeLambda) {
      this(epochs, learningRate, headLearningRate, weightDecay, batchSize, oeLambda, null, null);
    }

    /** {@code objective}, defaulting to {@link FineTuneObjective#ALL_HEADS}. */
    public FineTuneObjective jointObjective() {
      return objective == null ? FineTuneObjective.ALL_HEADS : objective;
    }

    /** The same settings with another schedule. */
    public FineTuneSpec withSchedule(FineTuneSchedule s) {
      return new FineTuneSpec(epochs, learningRate, headLearningRate, weightDecay, batchSize,
          oeLambda, objective, s);
    }
  }

  /**
   * Which heads' losses train the shared top ({@code backbone.fine_tune.objective}). The
   * default is {@code all_heads}: every head that reads the shared top (no {@code top: own})
   * depends on it, so tuning it for one of them only (the decision head) biases the features
   * the others are fitted on; with one such head the two are the same loss.
   */
  public enum FineTuneObjective {
    @JsonProperty("all_heads") ALL_HEADS,
    @JsonProperty("decision_head") DECISION_HEAD
  }

  /**
   * Learning-rate schedule of top fine-tuning ({@code fine_tune.schedule}): {@code constant},
   * or {@code warmup_linear} (linear warm-up over the first 10 % of the optimiser steps, then
   * linear decay towards 0 at the last step, the usual BERT fine-tuning schedule).
   */
  public enum FineTuneSchedule {
    @JsonProperty("constant") CONSTANT,
    @JsonProperty("warmup_linear") WARMUP_LINEAR
  }

  /** The bundle's input section (docs/bundle.md): exactly one of image / text. */
  public record InputSpec(String kind, ImageSpec image, TextSpec text) {}

  public record ImageSpec(
      Integer width, Integer height, String resize, String channels, Double scale,
      List<Double> mean, List<Double> std) {
    public ImageSpec {
      resize = resize == null ? "bilinear" : resize;
      channels = channels == null ? "rgb" : channels;
      scale = scale == null ? 255.0 : scale;
      int c = "gray".equals(channels) ? 1 : 3;
      mean = mean == null ? java.util.Collections.nCopies(c, 0.0) : List.copyOf(mean);
      std = std == null ? java.util.Collections.nCopies(c, 1.0) : List.copyOf(std);
    }
  }

  public record TextSpec(String tokenizer, Integer maxTokens, String pooling, List<Integer> buckets) {
    public TextSpec {
      maxTokens = maxTokens == null ? 128 : maxTokens;
      pooling = pooling == null ? "mean" : pooling;
    }
  }

  /**
   * Where the labelled data comes from. Missing {@code val}/{@code test} are carved out of
   * {@code train} by a seeded split of the given fractions.
   *
   * @param onCorrupt what to do with an image that cannot be decoded during extraction:
   *     {@code skip} (counted in the report) or {@code fail}
   * @param onEmptyLine what to do with a blank line in a JSONL or text file: {@code skip} or
   *     {@code fail}
   */
  public record DataSpec(
      List<SourceSpec> train,
      List<SourceSpec> val,
      List<SourceSpec> test,
      Double valFraction,
      Double testFraction,
      String onCorrupt,
      String onEmptyLine) {
    public DataSpec {
      train = train == null ? List.of() : List.copyOf(train);
      val = val == null ? List.of() : List.copyOf(val);
      test = test == null ? List.of() : List.copyOf(test);
      valFraction = valFraction == null ? 0.1 : valFraction;
      testFraction = testFraction == null ? 0.1 : testFraction;
      onCorrupt = onCorrupt == null ? "skip" : onCorrupt;
      onEmptyLine = onEmptyLine == null ? "skip" : onEmptyLine;
    }
  }

  /**
   * One data source; exactly one of {@code images}, {@code jsonl}, {@code text} is set.
   *
   * @param name how reports call it (OOD sets: required)
   * @param images a folder: labelled {@code ROOT/LABEL/*.png|jpg} (the folder name is the
   *     label for {@code task}), or, for outlier and OOD sets, any images below it
   * @param jsonl a manifest: one JSON object per line with {@code image} (relative to the
   *     manifest) or {@code text}, and {@code labels}: {task: label} for any subset of tasks
   * @param text a plain text file, one item per line (outlier and OOD sets)
   * @param task the task that folder names label ({@code images} only)
   * @param limit keep at most this many items (seeded sample), 0 = all
   */
  public record SourceSpec(String name, String images, String jsonl, String text, String task,
      Integer limit) {
    public SourceSpec {
      limit = limit == null ? 0 : limit;
    }
  }

  /**
   * One head.
   *
   * @param task the task name in the data (default: the head name)
   * @param labels class names; binary heads: [base, positive]
   * @param baseLabel binary only: must equal labels[0] when given
   * @param hidden hidden layer sizes; empty = linear
   * @param outlierExposure push this (multiclass) head to uniform on outliers
   * @param top {@code shared} (default) or {@code own}: its own fine-tuned copy of the top
   * @param fineTune settings for an own top; default: {@code backbone.fine_tune}, else the
   *     {@link FineTuneSpec} defaults ({@link #fineTuneOr})
   * @param unknownMethod with {@code ood.per_head}: this head's own policy method instead of
   *     {@code ood.serve}; null = {@code ood.serve}
   */
  public record HeadSpec(
      String name, String kind, String task, List<String> labels, String baseLabel,
      List<Integer> hidden, Boolean outlierExposure, TopMode top, FineTuneSpec fineTune,
      String unknownMethod) {
    public HeadSpec {
      top = top == null ? TopMode.SHARED : top;
      task = task == null ? name : task;
      labels = labels == null ? List.of() : List.copyOf(labels);
      hidden = hidden == null ? List.of() : List.copyOf(hidden);
      outlierExposure = outlierExposure == null ? Boolean.TRUE : outlierExposure;
    }

    /** This head's fine-tuning settings: its own, else the backbone's, else the defaults. */
    public FineTuneSpec fineTuneOr(FineTuneSpec backbone) {
      if (fineTune != null) return fineTune;
      return backbone != null ? backbone : new FineTuneSpec(null, null, null, null, null, null);
    }

    /** The method of this head's own policy under {@code ood.per_head}. */
    public String unknownMethodOr(String serve) {
      return unknownMethod != null ? unknownMethod : serve;
    }
  }

  /**
   * Optional gate head: binary in-distribution (base) vs outlier (positive).
   *
   * @param mixup optional outliers synthesised in feature space for the gate only; null = none
   */
  public record GateSpec(String name, List<Integer> hidden, MixupSpec mixup) {
    public GateSpec {
      name = name == null ? "gate" : name;
      hidden = hidden == null ? List.of() : List.copyOf(hidden);
    }
  }

  /**
   * Mixup outliers (trainer.ood.MixupOutliers): {@code a x_i + (1 - a) x_j} of two ID training
   * rows of different decision-head classes, {@code a} uniform in [min, max]. They train the gate
   * as "out" and never the outlier-exposure term of the other heads.
   *
   * @param count rows made for training (validation gets the same share of its own rows)
   */
  public record MixupSpec(Integer count, Double min, Double max) {
    public MixupSpec {
      count = count == null ? 4000 : count;
      min = min == null ? 0.3 : min;
      max = max == null ? 0.7 : max;
    }
  }

  /**
   * Unknown detection.
   *
   * @param methods scores to fit and evaluate: max_softmax, energy, mahalanobis, knn, gate,
   *     fusion
   * @param serve the method written into the bundle, or {@code auto}: chosen by the rule of
   *     trainer.ood.ServedChoice on known validation items vs the held-out training outliers
   * @param head decision head (default: first multiclass head)
   * @param targetTpr fraction of in-distribution validation items accepted
   * @param knnK neighbours for knn
   * @param knnBankSize at most this many training rows in the knn bank (seeded sample)
   * @param mahalanobisShrinkage covariance shrinkage toward a scaled identity, in [0,1]
   * @param fusion component methods of fusion (z-scored on ID validation, equal weights)
   * @param temperature energy temperature
   * @param perHead every config head (not the gate) also gets its own policy
   *     ({@code heads[].unknown}), fitted and calibrated on that head's own labelled rows
   * @param topLevel with {@code perHead}: keep the top-level policy ({@code served}, default)
   *     or write {@code none} so that "none of these" alone decides
   * @param holdoutFraction share of the training outliers held out (seeded) from every gradient
   *     step: they give the validation loss and are what {@code serve: auto} chooses on;
   *     default {@link #DEFAULT_HOLDOUT_FRACTION}
   * @param autoMixup with {@code serve: auto}: this many rows mixed between known validation
   *     rows of two classes (feature space, trainer.ood.MixupOutliers, weights in [0.3, 0.7])
   *     join the held-out outliers as what the rule chooses on; 0 (default) = outliers only
   * @param autoTies with {@code serve: auto}: among candidates equal in FPR and AUROC, the
   *     simpler ({@code simpler}, default) or the larger fusion ({@code ensemble})
   * @param selection with {@code serve: auto}: what the rule chooses on, {@code holdout}
   *     (trainer.ood.ServedChoice) or {@code loco} (trainer.ood.LocoChoice); default holdout
   * @param loco settings of {@code selection: loco} ({@link LocoSpec})
   */
  public record OodSpec(
      List<String> methods, String serve, String head, Double targetTpr, Integer knnK,
      Integer knnBankSize, Double mahalanobisShrinkage, List<String> fusion, Double temperature,
      Boolean perHead, TopLevel topLevel, Double holdoutFraction, Integer autoMixup,
      dev.cerberus.trainer.ood.ServedChoice.Ties autoTies,
      dev.cerberus.trainer.ood.Selection selection, LocoSpec loco) {
    /** Default {@code ood.holdout_fraction}: the share held out before the setting existed. */
    public static final double DEFAULT_HOLDOUT_FRACTION = 0.1;

    public OodSpec {
      holdoutFraction = holdoutFraction == null ? DEFAULT_HOLDOUT_FRACTION : holdoutFraction;
      autoMixup = autoMixup == null ? 0 : autoMixup;
      autoTies = autoTies == null ? dev.cerberus.trainer.ood.ServedChoice.Ties.SIMPLER : autoTies;
      selection = selection == null ? dev.cerberus.trainer.ood.Selection.HOLDOUT : selection;
      loco = loco == null ? LocoSpec.defaults() : loco;
      perHead = perHead != null && perHead;
      topLevel = topLevel == null ? TopLevel.SERVED : topLevel;
      methods = methods == null ? List.of("max_softmax", "energy", "mahalanobis", "knn")
          : List.copyOf(methods);
      serve = serve == null ? "max_softmax" : serve;
      targetTpr = targetTpr == null ? 0.95 : targetTpr;
      knnK = knnK == null ? 10 : knnK;
      knnBankSize = knnBankSize == null ? 5000 : knnBankSize;
      mahalanobisShrinkage = mahalanobisShrinkage == null ? 0.01 : mahalanobisShrinkage;
      fusion = fusion == null ? List.of("mahalanobis", "knn") : List.copyOf(fusion);
      temperature = temperature == null ? 1.0 : temperature;
    }

    static OodSpec defaults() {
      return new OodSpec(null, null, null, null, null, null, null, null, null, null, null, null,
          null, null, null, null);
    }
  }

  /** What bundle.json's top-level {@code unknown} holds when heads have their own policies. */
  public enum TopLevel {
    /** The {@code ood.serve} policy, as without per-head policies. */
    @JsonProperty("served") SERVED,
    /** {@code {"method": "none"}}: the overall decision is "none of these" alone. */
    @JsonProperty("none") NONE
  }

  /**
   * Head training hyperparameters (AdamW on cached features).
   *
   * @param classWeighting {@code balanced} (weight n/(K n_k) per task) or {@code none}
   * @param patience epochs without validation-loss improvement before stopping
   * @param oeLambda weight of the outlier-exposure loss
   */
  public record TrainingSpec(
      Integer epochs, Double learningRate, Double weightDecay, Integer batchSize, Double oeLambda,
      String classWeighting, Integer patience) {
    public TrainingSpec {
      epochs = epochs == null ? 60 : epochs;
      learningRate = learningRate == null ? 1e-3 : learningRate;
      weightDecay = weightDecay == null ? 1e-4 : weightDecay;
      batchSize = batchSize == null ? 128 : batchSize;
      oeLambda = oeLambda == null ? 0.5 : oeLambda;
      classWeighting = classWeighting == null ? "balanced" : classWeighting;
      patience = patience == null ? 8 : patience;
    }

    static TrainingSpec defaults() {
      return new TrainingSpec(null, null, null, null, null, null, null);
    }
  }

  /**
   * Optional weak supervision (trainer.weak): after the masked-only training, each source head
   * labels the in-distribution training rows it has no label for, and the heads are trained
   * again on the union. Null = off.
   *
   * @param mode {@code hard} (the most probable class where confidence >= threshold) or
   *     {@code soft} (the probabilities as targets)
   * @param threshold hard mode only, in (0.5, 1]; null = 0.9 (set with soft: an error)
   * @param confidenceWeighting weigh each pseudo-label by {@code 4 (p - 0.5)^2} (multiclass:
   *     {@code ((K max p - 1)/(K - 1))^2}); default true
   * @param sources heads whose predictions become their own pseudo-labels; null = all heads
   */
  public record WeakSupervisionSpec(String mode, Double threshold, Boolean confidenceWeighting,
      List<String> sources) {
    public WeakSupervisionSpec {
      mode = mode == null ? "hard" : mode;
      confidenceWeighting = confidenceWeighting == null ? Boolean.TRUE : confidenceWeighting;
      sources = sources == null ? null : List.copyOf(sources);
    }
  }

  /**
   * The bundle's decision order (bundle.json {@code decision}, docs/bundle.md): the steps
   * {@code gate}, {@code unknown}, {@code class} in the order they decide.
   *
   * @param order step names; default {@code [unknown, class]} (bundles as before this key; a
   *     {@code gate:} section alone does not put the gate in the order)
   * @param gateTpr the gate step's threshold passes this fraction of the ID validation items
   *     (their gate "out" probability), default 0.99: a rule on validation data only
   */
  public record DecisionSpec(List<String> order, Double gateTpr) {
    public static final double DEFAULT_GATE_TPR = 0.99;

    public DecisionSpec {
      order = order == null ? null : List.copyOf(order);
      gateTpr = gateTpr == null ? DEFAULT_GATE_TPR : gateTpr;
    }

    /** The declared order, or {@code [unknown, class]}. */
    public List<String> orderOrDefault() {
      return order != null ? order : List.of("unknown", "class");
    }
  }
}
