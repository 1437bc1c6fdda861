package dev.cerberus.model.bundle;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;
import java.util.Map;

/**
 * The manifest {@code bundle.json} (docs/bundle.md), as read from disk. Field names are the
 * snake_case names of the spec (mapping in {@link BundleJson}); unknown fields are ignored.
 * Defaults of the spec are filled in the compact constructors, so readers never see a
 * missing optional value. Structural validation (files exist, shapes chain) is done by
 * {@link BundleReader}, not here.
 */
public record BundleManifest(
    Integer schemaVersion,
    String name,
    String version,
    String description,
    InputSpec input,
    BackboneSpec backbone,
    Boolean flipFeatures,
    Boolean flipTta,
    List<HeadSpec> heads,
    UnknownPolicy unknown,
    Map<String, Object> provenance,
    Map<String, Object> metrics,
    DecisionSpec decision) {

  /** The only schema version this reader understands. */
  public static final int SUPPORTED_SCHEMA_VERSION = 1;

  public BundleManifest {
    flipFeatures = flipFeatures != null && flipFeatures;
    // absent unless true, so bundles without TTA keep their bundle.json byte for byte
    flipTta = flipTta != null && flipTta ? Boolean.TRUE : null;
    heads = heads == null ? List.of() : List.copyOf(heads);
    unknown = unknown == null ? UnknownPolicy.none() : unknown;
    provenance = provenance == null ? Map.of() : provenance;
    metrics = metrics == null ? Map.of() : metrics;
    decision = decision == null ? DecisionSpec.DEFAULT : decision;
  }

  /** A manifest without a {@code decision} section (the default order, as before it existed). */
  public BundleManifest(
      Integer schemaVersion, String name, String version, String description, InputSpec input,
      BackboneSpec backbone, Boolean flipFeatures, Boolean flipTta, List<HeadSpec> heads,
      UnknownPolicy unknown, Map<String, Object> provenance, Map<String, Object> metrics) {
    this(schemaVersion, name, version, description, input, backbone, flipFeatures, flipTta, heads,
        unknown, provenance, metrics, null);
  }

  /** A manifest without {@code flip_tta} and {@code decision} (their defaults). */
  public BundleManifest(
      Integer schemaVersion, String name, String version, String description, InputSpec input,
      BackboneSpec backbone, Boolean flipFeatures, List<HeadSpec> heads, UnknownPolicy unknown,
      Map<String, Object> provenance, Map<String, Object> metrics) {
    this(schemaVersion, name, version, description, input, backbone, flipFeatures, null, heads,
        unknown, provenance, metrics, null);
  }

  /** This manifest with {@code decision} as its decision section. */
  public BundleManifest withDecision(DecisionSpec decision) {
    return new BundleManifest(schemaVersion, name, version, description, input, backbone,
        flipFeatures, flipTta, heads, unknown, provenance, metrics, decision);
  }

  /** How the features use the mirror image ({@code flip_features} / {@code flip_tta}). */
  @JsonIgnore
  public FlipMode flip() {
    return FlipMode.of(flipFeatures, flipTta != null);
  }

  /** {@code metrics} entries whose value is a number (the spec asks for a flat numeric map). */
  @JsonIgnore
  public Map<String, Double> numericMetrics() {
    var out = new java.util.LinkedHashMap<String, Double>();
    metrics.forEach(
        (k, v) -> {
          if (v instanceof Number n) out.put(k, n.doubleValue());
        });
    return out;
  }

  /** Index of the head with this name, or -1. */
  public int headIndex(String headName) {
    for (int i = 0; i < heads.size(); i++) {
      if (heads.get(i).name().equals(headName)) return i;
    }
    return -1;
  }

  /** {@code input}: exactly one of the three objects, the one named by {@code kind}. */
  public record InputSpec(String kind, ImageSpec image, TextSpec text, TensorSpec tensor) {
    public static final String IMAGE = "image";
    public static final String TEXT = "text";
    public static final String TENSOR = "tensor";
  }

  /** {@code input.image}; see docs/bundle.md for the exact pixel pipeline. */
  public record ImageSpec(
      Integer width,
      Integer height,
      String resize,
      String channels,
      Float scale,
      float[] mean,
      float[] std) {
    public static final String BILINEAR = "bilinear";
    public static final String NEAREST = "nearest";
    public static final String RGB = "rgb";
    public static final String GRAY = "gray";

    public ImageSpec {
      resize = resize == null ? BILINEAR : resize;
      channels = channels == null ? RGB : channels;
      scale = scale == null ? 255f : scale;
      int c = GRAY.equals(channels) ? 1 : 3;
      mean = mean == null ? new float[c] : mean.clone();
      if (std == null) {
        std = new float[c];
        java.util.Arrays.fill(std, 1f);
      } else {
        std = std.clone();
      }
    }

    /** 1 for gray, 3 for rgb. */
    @JsonIgnore
    public int channelCount() {
      return GRAY.equals(channels) ? 1 : 3;
    }
  }

  /** {@code input.text}. */
  public record TextSpec(String tokenizer, Integer maxTokens, String pooling, int[] buckets) {
    public static final String MEAN = "mean";
    public static final String CLS = "cls";

    public TextSpec {
      tokenizer = tokenizer == null ? "tokenizer.json" : tokenizer;
      maxTokens = maxTokens == null ? 128 : maxTokens;
      pooling = pooling == null ? MEAN : pooling;
      buckets = buckets == null ? new int[] {maxTokens} : buckets.clone();
    }
  }

  /** {@code input.tensor}: the item shape without the batch dimension. */
  public record TensorSpec(long[] shape) {
    /** Number of values of one item. */
    @JsonIgnore
    public long valueCount() {
      long n = 1;
      for (long d : shape) n *= d;
      return n;
    }
  }

  /** {@code backbone}: exactly one of {@code file} and {@code split}. */
  public record BackboneSpec(
      String file, SplitSpec split, String output, Integer featureSize, String sha256) {
    public static final String POOLED = "pooled";
    public static final String TOKENS = "tokens";

    public BackboneSpec {
      output = output == null ? POOLED : output;
    }
  }

  /** {@code backbone.split}: {@code top(trunk(x)) == backbone(x)}. */
  public record SplitSpec(String trunk, String top) {}

  /**
   * One head: dense layers from the features to its logits; {@code unknown} (optional, null when
   * absent) is the head's own unknown policy, scored on this head's features and logits.
   */
  public record HeadSpec(
      String name,
      String kind,
      List<String> labels,
      List<LayerSpec> layers,
      String top,
      UnknownPolicy unknown) {
    public static final String MULTICLASS = "multiclass";
    public static final String BINARY = "binary";

    public HeadSpec {
      labels = labels == null ? List.of() : List.copyOf(labels);
      layers = layers == null ? List.of() : List.copyOf(layers);
    }

    /** A head without its own unknown policy (the form every writer used before heads[].unknown). */
    public HeadSpec(String name, String kind, List<String> labels, List<LayerSpec> layers, String top) {
      this(name, kind, labels, layers, top, null);
    }

    /** This head with {@code policy} as its own unknown policy (null: none). */
    public HeadSpec withUnknown(UnknownPolicy policy) {
      return new HeadSpec(name, kind, labels, layers, top, policy);
    }

    /** True when the head carries its own unknown policy. */
    @JsonIgnore
    public boolean hasOwnPolicy() {
      return unknown != null;
    }

    /** Width of the head's last layer: K for multiclass, 1 for binary. */
    @JsonIgnore
    public int outputCount() {
      return BINARY.equals(kind) ? 1 : labels.size();
    }
  }

  /** One dense layer {@code y = act(x W^T + b)}, {@code weight} [out,in], {@code bias} [out]. */
  public record LayerSpec(String weight, String bias, String activation) {
    public static final String NONE = "none";

    public LayerSpec {
      activation = activation == null ? NONE : activation;
    }
  }

  /**
   * {@code unknown}: the item-level decision. One record serves every method (and each entry
   * of {@code fusion.scores}); fields a method does not use stay null. {@code features} (a
   * head's own feature policy only; null = {@link PolicyFeatures.Own}) says which features it
   * scores.
   */
  public record UnknownPolicy(
      String method,
      String head,
      Double threshold,
      Double calibratedTpr,
      Double temperature,
      String gateHead,
      String means,
      String precision,
      String bank,
      Integer k,
      List<UnknownPolicy> scores,
      Double weight,
      Double mean,
      Double std,
      PolicyFeatures features) {
    public static final String NONE = "none";
    public static final String MAX_SOFTMAX = "max_softmax";
    public static final String ENERGY = "energy";
    public static final String GATE = "gate";
    public static final String MAHALANOBIS = "mahalanobis";
    public static final String KNN = "knn";
    public static final String FUSION = "fusion";
    public static final List<String> METHODS =
        List.of(NONE, MAX_SOFTMAX, ENERGY, GATE, MAHALANOBIS, KNN, FUSION);

    public UnknownPolicy {
      method = method == null ? NONE : method;
      scores = scores == null ? null : List.copyOf(scores);
    }

    /** A policy without {@code features} (the form every writer used before it existed). */
    public UnknownPolicy(String method, String head, Double threshold, Double calibratedTpr,
        Double temperature, String gateHead, String means, String precision, String bank,
        Integer k, List<UnknownPolicy> scores, Double weight, Double mean, Double std) {
      this(method, head, threshold, calibratedTpr, temperature, gateHead, means, precision, bank,
          k, scores, weight, mean, std, null);
    }

    /** This policy scoring {@code f} (null: the default, the head's own features). */
    public UnknownPolicy withFeatures(PolicyFeatures f) {
      return new UnknownPolicy(method, head, threshold, calibratedTpr, temperature, gateHead,
          means, precision, bank, k, scores, weight, mean, std, f);
    }

    /** {@code features}, default {@link PolicyFeatures.Own}. */
    @JsonIgnore
    public PolicyFeatures featuresOrDefault() {
      return features == null ? PolicyFeatures.OWN : features;
    }

    /** True when the method reads feature vectors: mahalanobis, knn, or a fusion with one. */
    @JsonIgnore
    public boolean readsFeatures() {
      String m = method.toLowerCase(java.util.Locale.ROOT);
      if (m.equals(MAHALANOBIS) || m.equals(KNN)) return true;
      return m.equals(FUSION) && scores != null
          && scores.stream().anyMatch(UnknownPolicy::readsFeatures);
    }

    public static UnknownPolicy none() {
      return new UnknownPolicy(
          NONE, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** {@code temperature}, default 1. */
    @JsonIgnore
    public double temperatureOrDefault() {
      return temperature == null ? 1.0 : temperature;
    }

    /** {@code k}, default 10. */
    @JsonIgnore
    public int kOrDefault() {
      return k == null ? 10 : k;
    }

    /**
     * The names of a fusion's members as results report them: each member's method, with
     * {@code _2}, {@code _3} ... appended to a method's later repeats; empty for other methods.
     */
    @JsonIgnore
    public List<String> memberNames() {
      List<String> out = new java.util.ArrayList<>();
      if (scores == null) return out;
      Map<String, Integer> seen = new java.util.HashMap<>();
      for (UnknownPolicy s : scores) {
        String m = s.method().toLowerCase(java.util.Locale.ROOT);
        int n = seen.merge(m, 1, Integer::sum);
        out.add(n == 1 ? m : m + "_" + n);
      }
      return out;
    }

    /** Every statistics file this policy names (fusion parts included), in field order. */
    @JsonIgnore
    public List<String> files() {
      List<String> out = new java.util.ArrayList<>();
      for (String f : java.util.Arrays.asList(means, precision, bank)) if (f != null) out.add(f);
      if (scores != null) scores.forEach(s -> out.addAll(s.files()));
      return out;
    }

    /**
     * This policy as a head's own policy: {@code head} dropped (it is the owning head) and every
     * statistics path mapped by {@code rename} (the merger moves files under the head's folder).
     */
    public UnknownPolicy asHeadPolicy(java.util.function.UnaryOperator<String> rename) {
      List<UnknownPolicy> parts =
          scores == null ? null : scores.stream().map(s -> s.asHeadPolicy(rename)).toList();
      return new UnknownPolicy(method, null, threshold, calibratedTpr, temperature, gateHead,
          means == null ? null : rename.apply(means),
          precision == null ? null : rename.apply(precision),
          bank == null ? null : rename.apply(bank), k, parts, weight, mean, std, features);
    }
  }

  /**
   * {@code decision}: the order in which the steps decide an item (docs/bundle.md "decision").
   * {@code order} lists step names ({@link DecisionStep}); null means the default:
   * {@code [gate, unknown, class]} with a gate, else {@code [unknown, class]} (the behaviour of
   * bundles written before this section existed). {@code gate} is the gate step, null for none.
   */
  public record DecisionSpec(List<String> order, GateSpec gate) {
    /** No section: the unknown policy, then the class heads. */
    public static final DecisionSpec DEFAULT = new DecisionSpec(null, null);

    public DecisionSpec {
      order = order == null ? null : List.copyOf(order);
    }

    /** The declared order, or the default for this section. */
    @JsonIgnore
    public List<String> orderOrDefault() {
      if (order != null) return order;
      return gate == null
          ? List.of(DecisionStep.UNKNOWN.wireName(), DecisionStep.CLASS.wireName())
          : List.of(DecisionStep.GATE.wireName(), DecisionStep.UNKNOWN.wireName(),
              DecisionStep.CLASS.wireName());
    }
  }

  /**
   * {@code decision.gate}: a binary head whose positive label means "none of my tasks"; it
   * rejects an item when its positive probability is above {@code threshold} (default 0.5, the
   * head's own label).
   */
  public record GateSpec(String head, Double threshold, Double calibratedTpr) {
    public static final double DEFAULT_THRESHOLD = 0.5;

    /** {@code threshold}, default {@link #DEFAULT_THRESHOLD}. */
    @JsonIgnore
    public double thresholdOrDefault() {
      return threshold == null ? DEFAULT_THRESHOLD : threshold;
    }
  }
}
