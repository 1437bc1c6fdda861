package dev.cerberus.model;

import dev.cerberus.model.bundle.BundleException;
import dev.cerberus.model.bundle.BundleManifest;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.InputRejectedException;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.model.input.PreparedInput;
import java.nio.file.Path;
import java.util.List;

/**
 * One loaded, validated bundle: the facade the server and the trainer use.
 *
 * <p>{@link #prepare} is thread-safe and touches no native memory (the server runs it on a
 * worker pool). {@link #forward} runs the backbone once for the whole batch and every head in
 * the same pass; it is thread-safe too (the server may run several inference threads per model
 * version, each on whole batches).
 */
public interface ServableModel extends AutoCloseable {

  /** Loads and validates a bundle folder; a bundle that fails validation is never returned. */
  static ServableModel load(Path bundleDir, GraphOptions options) throws BundleException {
    return dev.cerberus.model.graph.MultiHeadGraph.load(bundleDir, options);
  }

  BundleManifest manifest();

  /** Width of the feature vector the heads read (2F with flip features). */
  int featureSize();

  /** Decodes and validates one input against the bundle's input spec and the limits. */
  PreparedInput prepare(ModelInput input, InputLimits limits) throws InputRejectedException;

  /**
   * One forward pass over a batch of prepared inputs: one result per input, in order. All
   * native memory of the pass is released before this returns.
   */
  List<ItemPrediction> forward(List<PreparedInput> batch);

  /** Releases the engine's model(s). */
  @Override
  void close();
}
