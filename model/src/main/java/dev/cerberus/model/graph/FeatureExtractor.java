package dev.cerberus.model.graph;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.bundle.BundleException;
import dev.cerberus.model.bundle.BundleManifest.BackboneSpec;
import dev.cerberus.model.bundle.BundleManifest.InputSpec;
import dev.cerberus.model.bundle.FlipMode;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.InputPreprocessor;
import dev.cerberus.model.input.InputRejectedException;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.model.input.PreparedInput;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Features of a backbone for the trainer, computed by the same preprocessing, batching,
 * pooling and flip code the server runs, so heads are fitted on exactly what they will read.
 *
 * <p>Two forms: {@link #open} gives the heads' input of a bundle-to-be (pooled, flip mode
 * applied, {@code F} or {@code 2F} wide); {@link #forFile} runs one TorchScript file (a whole backbone
 * or a trunk) and flattens whatever it returns per item (a trunk's [C,h,w] map becomes C*h*w
 * values), for caching trunk outputs before fine-tuning a top.
 *
 * <p>Not thread-safe for {@link #extract} (one predictor); {@link #prepare} is thread-safe.
 */
public final class FeatureExtractor implements AutoCloseable {

  private final InputPreprocessor preprocessor;
  private final BatchTensors tensors;
  private final Backbone backbone;
  private final NDManager manager;
  private final int batchSize;

  private FeatureExtractor(
      InputPreprocessor preprocessor, BatchTensors tensors, Backbone backbone, NDManager manager, int batchSize) {
    this.preprocessor = preprocessor;
    this.tensors = tensors;
    this.backbone = backbone;
    this.manager = manager;
    this.batchSize = batchSize;
  }

  /**
   * @param dir the folder the spec's paths (backbone files, tokenizer) are relative to
   * @param batchSize items per forward pass (>= 1)
   */
  public static FeatureExtractor open(
      Path dir, InputSpec input, BackboneSpec backbone, FlipMode flip, GraphOptions options, int batchSize)
      throws BundleException {
    return create(dir, input, backbone, flip, options, batchSize, false);
  }

  /**
   * One TorchScript file; {@code output} is {@code pooled} (any rank, flattened per item) or
   * {@code tokens} (text: [B,T,F] pooled as {@code input.text.pooling} says).
   */
  public static FeatureExtractor forFile(
      Path ptFile, InputSpec input, String output, GraphOptions options, int batchSize)
      throws BundleException {
    Path dir = ptFile.toAbsolutePath().getParent();
    BackboneSpec spec = new BackboneSpec(ptFile.getFileName().toString(), null, output, null, null);
    return create(dir, input, spec, FlipMode.NONE, options, batchSize, true);
  }

  private static FeatureExtractor create(
      Path dir, InputSpec input, BackboneSpec spec, FlipMode flip, GraphOptions options, int batchSize, boolean flatten)
      throws BundleException {
    if (batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    Device device = MultiHeadGraph.device(options.device());
    InputPreprocessor pre = InputPreprocessor.forSpec(input, dir);
    NDManager manager = NDManager.newBaseManager(device, "PyTorch");
    try {
      Backbone b = Backbone.load(dir, input, spec, flip, List.of(), device, flatten);
      return new FeatureExtractor(pre, new BatchTensors(input, flip), b, manager, batchSize);
    } catch (BundleException | RuntimeException e) {
      manager.close();
      pre.close();
      throw e;
    }
  }

  public int batchSize() {
    return batchSize;
  }

  /** Same as the server's prepare (thread-safe). */
  public PreparedInput prepare(ModelInput input, InputLimits limits) throws InputRejectedException {
    return preprocessor.prepare(input, limits);
  }

  /** One feature row per item, in order; runs ceil(n / batchSize) forward passes. */
  public float[][] extract(List<PreparedInput> items) {
    float[][] out = new float[items.size()][];
    for (int from = 0; from < items.size(); from += batchSize) {
      List<PreparedInput> batch = items.subList(from, Math.min(items.size(), from + batchSize));
      try (NDManager m = manager.newSubManager()) {
        float[][] rows =
            MultiHeadGraph.rows(backbone.run(tensors.create(m, batch), true)[0].toFloatArray(), batch.size());
        System.arraycopy(rows, 0, out, from, rows.length);
      }
    }
    return out;
  }

  /** Prepares and extracts; the first rejected input aborts with its reason. */
  public float[][] extractInputs(List<ModelInput> inputs, InputLimits limits) throws InputRejectedException {
    List<PreparedInput> prepared = new ArrayList<>(inputs.size());
    for (ModelInput in : inputs) prepared.add(prepare(in, limits));
    return extract(prepared);
  }

  @Override
  public void close() {
    backbone.close();
    manager.close();
    preprocessor.close();
  }
}
