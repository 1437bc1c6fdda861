package dev.cerberus.model.graph;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.HeadPrediction;
import dev.cerberus.model.ItemPrediction;
import dev.cerberus.model.ServableModel;
import dev.cerberus.model.bundle.Bundle;
import dev.cerberus.model.bundle.BundleException;
import dev.cerberus.model.bundle.BundleManifest;
import dev.cerberus.model.bundle.BundleManifest.HeadSpec;
import dev.cerberus.model.bundle.BundleManifest.InputSpec;
import dev.cerberus.model.bundle.BundleReader;
import dev.cerberus.model.heads.DenseLayer;
import dev.cerberus.model.heads.HeadMath;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.InputPreprocessor;
import dev.cerberus.model.input.InputRejectedException;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.model.input.PreparedInput;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A loaded bundle: preprocessing, the backbone (run once per batch), all heads (first layers
 * fused per feature source) and the unknown decision.
 *
 * <p>Threads: {@link #prepare} and {@link #forward} are thread-safe. Concurrent forward calls
 * share the loaded modules and fused head weights (read only); each thread runs its own DJL
 * predictor and its own per-batch native arrays, so the server may run several inference
 * threads per model version (cerberus.batch.inference-threads) without a lock.
 *
 * <p>Memory: each {@link #forward} creates its native arrays in a sub-manager that is closed
 * before it returns; only the fused head weights live as long as the model.
 */
public final class MultiHeadGraph implements ServableModel {

  private final Bundle bundle;
  private final NDManager manager;
  private final InputPreprocessor preprocessor;
  private final BatchTensors tensors;
  private final Backbone backbone;
  private final List<FusedHeads> sources; // index = feature source (FeatureSources), null when no head reads it
  private final UnknownPolicies policies;
  private final boolean[] copyFeatures; // per feature source: scored by an unknown policy
  private final int decisionHead;
  private volatile NDManager lastBatchManager; // for tests: must be closed after forward()

  private MultiHeadGraph(
      Bundle bundle,
      NDManager manager,
      InputPreprocessor preprocessor,
      Backbone backbone,
      List<FusedHeads> sources,
      FeatureSources plan) {
    this.bundle = bundle;
    this.manager = manager;
    this.preprocessor = preprocessor;
    this.tensors = new BatchTensors(bundle.manifest().input(), bundle.manifest().flip());
    this.backbone = backbone;
    this.sources = sources;
    this.policies = new UnknownPolicies(bundle, plan.policySource());
    this.copyFeatures = new boolean[sources.size()];
    for (int s = 0; s < copyFeatures.length; s++) copyFeatures[s] = policies.needsFeatures(s);
    this.decisionHead = bundle.decisionHeadIndex();
  }

  /** Reads, validates, loads and warms up a bundle. */
  public static MultiHeadGraph load(Path bundleDir, GraphOptions options) throws BundleException {
    Bundle bundle = BundleReader.read(bundleDir);
    BundleManifest m = bundle.manifest();
    Device device = device(options.device());
    // each distinct top file is one feature source, run once per batch (FeatureSources)
    FeatureSources plan = FeatureSources.plan(bundle);
    int[] sourceOf = plan.headSource();
    InputPreprocessor pre = InputPreprocessor.forSpec(m.input(), bundle.dir());
    Backbone backbone = null;
    NDManager manager = NDManager.newBaseManager(device, "PyTorch");
    try {
      backbone = Backbone.load(bundle.dir(), m.input(), m.backbone(), m.flip(), plan.ownTops(), device);
      List<FusedHeads> sources = new ArrayList<>();
      for (int s = 0; s < plan.count(); s++) {
        List<Integer> idx = new ArrayList<>();
        List<List<DenseLayer>> layers = new ArrayList<>();
        for (int h = 0; h < sourceOf.length; h++) {
          if (sourceOf[h] == s) {
            idx.add(h);
            layers.add(bundle.headLayers().get(h));
          }
        }
        sources.add(
            idx.isEmpty()
                ? null
                : new FusedHeads(manager, idx.stream().mapToInt(i -> i).toArray(), layers));
      }
      MultiHeadGraph graph = new MultiHeadGraph(bundle, manager, pre, backbone, sources, plan);
      graph.checkFeatureSizeAndWarmUp(options.warmUpBatchSizes());
      return graph;
    } catch (BundleException | RuntimeException e) {
      if (backbone != null) backbone.close();
      manager.close();
      pre.close();
      throw e instanceof BundleException be
          ? be
          : new BundleException(bundleDir + ": cannot load: " + e.getMessage(), e);
    }
  }

  /** "cpu", "gpu" or "gpu:N" ({@link GraphOptions#device()}); anything else is a load error. */
  static Device device(String name) throws BundleException {
    if (name == null || !name.matches("cpu|gpu(:\\d+)?")) {
      throw new BundleException("device '" + name + "' is unknown (allowed: cpu, gpu, gpu:N)");
    }
    return name.startsWith("gpu:") ? Device.gpu(Integer.parseInt(name.substring(4))) : Device.fromName(name);
  }

  /** One dummy forward checks the backbone's width; then every warm-up shape runs once. */
  private void checkFeatureSizeAndWarmUp(int[] warmUpBatchSizes) throws BundleException {
    int expected = bundle.headInputSize();
    try (NDManager m = manager.newSubManager()) {
      NDList in = tensors.create(m, dummyBatch(1, 1));
      NDArray[] feats = backbone.run(in, true);
      for (int s = 0; s < feats.length; s++) {
        long width = feats[s].getShape().get(1);
        if (width != expected) {
          throw new BundleException(
              bundle.dir().resolve(BundleReader.MANIFEST)
                  + ": backbone.feature_size: the backbone"
                  + (s == 0 ? "" : " (own top of a head)") + " outputs " + width
                  + " features per item" + (bundle.manifest().flipFeatures() ? " (flip: 2F)" : "")
                  + ", the manifest says " + expected + "; heads need the true width");
        }
      }
    } catch (RuntimeException e) {
      throw new BundleException(
          bundle.dir() + ": backbone: a dummy forward pass failed: " + e.getMessage(), e);
    }
    int[] lengths =
        InputSpec.TEXT.equals(bundle.manifest().input().kind())
            ? bundle.manifest().input().text().buckets()
            : new int[] {1};
    // twice per shape: TorchScript's profiling executor records a shape on the first run and
    // optimises for it on the next, so one run alone leaves the slow call to a client
    for (int b : warmUpBatchSizes == null ? new int[0] : warmUpBatchSizes) {
      if (b <= 0) continue;
      for (int t : lengths) {
        forward(dummyBatch(b, t));
        forward(dummyBatch(b, t));
      }
    }
  }

  private List<PreparedInput> dummyBatch(int batch, int tokens) {
    InputSpec in = bundle.manifest().input();
    PreparedInput item =
        switch (in.kind()) {
          case InputSpec.IMAGE ->
              new PreparedInput.Pixels(
                  new float[in.image().channelCount() * in.image().height() * in.image().width()]);
          case InputSpec.TEXT -> {
            long[] ids = new long[Math.max(2, tokens)];
            yield new PreparedInput.Tokens(ids);
          }
          default -> new PreparedInput.Values(new float[(int) in.tensor().valueCount()]);
        };
    return java.util.Collections.nCopies(batch, item);
  }

  @Override
  public BundleManifest manifest() {
    return bundle.manifest();
  }

  /** The validated bundle (head weights, OOD statistics) this graph serves. */
  public Bundle bundle() {
    return bundle;
  }

  @Override
  public int featureSize() {
    return bundle.headInputSize();
  }

  @Override
  public PreparedInput prepare(ModelInput input, InputLimits limits)
      throws InputRejectedException {
    return preprocessor.prepare(input, limits);
  }

  @Override
  public List<ItemPrediction> forward(List<PreparedInput> batch) {
    if (batch.isEmpty()) return List.of();
    int b = batch.size();
    float[][] logits = new float[bundle.manifest().heads().size()][];
    float[][] features = new float[sources.size()][]; // per source, [B * F], where scored
    try (NDManager m = manager.newSubManager()) {
      lastBatchManager = m;
      NDList in = tensors.create(m, batch);
      NDArray[] feats = backbone.run(in, sources.get(0) != null || copyFeatures[0]);
      for (int s = 0; s < sources.size(); s++) {
        if (sources.get(s) != null) sources.get(s).logits(feats[s], b, logits);
        if (copyFeatures[s]) features[s] = feats[s].toFloatArray();
      }
    }
    return predictions(b, logits, features);
  }

  /**
   * Features (the heads' input, shared source) for a batch: what mahalanobis/knn read and
   * what the trainer fits heads on. Thread-safe like {@link #forward}.
   */
  public float[][] features(List<PreparedInput> batch) {
    if (batch.isEmpty()) return new float[0][];
    try (NDManager m = manager.newSubManager()) {
      NDArray f = backbone.run(tensors.create(m, batch), true)[0];
      return rows(f.toFloatArray(), batch.size());
    }
  }

  static float[][] rows(float[] flat, int batch) {
    int w = flat.length / batch;
    float[][] out = new float[batch][];
    for (int i = 0; i < batch; i++) out[i] = Arrays.copyOfRange(flat, i * w, (i + 1) * w);
    return out;
  }

  private List<ItemPrediction> predictions(int batch, float[][] logits, float[][] features) {
    List<HeadSpec> heads = bundle.manifest().heads();
    int f = featureSize();
    List<ItemPrediction> out = new ArrayList<>(batch);
    float[][] itemLogits = new float[heads.size()][];
    float[][] itemFeatures = new float[features.length][];
    for (int i = 0; i < batch; i++) {
      for (int h = 0; h < heads.size(); h++) {
        int k = heads.get(h).outputCount();
        itemLogits[h] = Arrays.copyOfRange(logits[h], i * k, (i + 1) * k);
      }
      for (int s = 0; s < features.length; s++) {
        itemFeatures[s] =
            features[s] == null ? null : Arrays.copyOfRange(features[s], i * f, (i + 1) * f);
      }
      UnknownPolicies.Verdict v = policies.decide(itemFeatures, itemLogits);
      List<HeadPrediction> hp = new ArrayList<>(heads.size());
      for (int h = 0; h < heads.size(); h++) {
        HeadSpec head = heads.get(h);
        float[] p = HeadMath.probabilities(
            HeadSpec.BINARY.equals(head.kind()), itemLogits[h], 0, head.outputCount());
        hp.add(new HeadPrediction(head.name(), head.labels().get(HeadMath.argmax(p)),
            head.labels(), p, v.heads()[h], v.headReasons()[h]));
      }
      String decision = v.unknown() ? ItemPrediction.UNKNOWN : hp.get(decisionHead).label();
      out.add(new ItemPrediction(decision, v.unknown(), v.top().oodScore(), v.top().oodMethod(),
          v.top().threshold(), List.copyOf(hp), v.reason(), v.gate(), v.top().components()));
    }
    return out;
  }

  /** Test hook: native arrays DJL tracks in the graph's and the models' managers. */
  int liveNativeArrays() {
    return countArrays(manager) + backbone.liveNativeArrays();
  }

  /** Test hook: the graph's own manager (batch scopes are its sub-managers). */
  NDManager manager() {
    return manager;
  }

  /** Test hook: 1 when the last batch's manager is still open (a leak), else 0. */
  int openBatchManagers() {
    NDManager m = lastBatchManager;
    return m != null && m.isOpen() ? 1 : 0;
  }

  static int countArrays(NDManager m) {
    return m instanceof ai.djl.ndarray.BaseNDManager b ? b.getManagedArrays().size() : 0;
  }

  @Override
  public void close() {
    sources.forEach(s -> {
      if (s != null) s.close();
    });
    backbone.close();
    manager.close();
    preprocessor.close();
  }
}
