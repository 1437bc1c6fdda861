package dev.cerberus.model.graph;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.cerberus.model.bundle.BundleException;
import dev.cerberus.model.bundle.BundleManifest.BackboneSpec;
import dev.cerberus.model.bundle.BundleManifest.InputSpec;
import dev.cerberus.model.bundle.BundleManifest.TextSpec;
import dev.cerberus.model.bundle.FlipMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The backbone of a bundle, whole or split, with optional head-specific tops. One call runs
 * the trunk once for the batch, the shared top once (when any consumer needs it) and each
 * own top once, then pools (text tokens) and applies the flip mode (features or TTA).
 */
final class Backbone implements AutoCloseable {

  private final TorchScriptModule whole;
  private final TorchScriptModule trunk;
  private final TorchScriptModule sharedTop;
  private final List<TorchScriptModule> ownTops; // per source 1..n
  private final boolean text;
  private final boolean tokens;
  private final boolean meanPooling;
  private final FlipMode flip;
  private final boolean flatten;

  private Backbone(
      TorchScriptModule whole,
      TorchScriptModule trunk,
      TorchScriptModule sharedTop,
      List<TorchScriptModule> ownTops,
      InputSpec input,
      BackboneSpec spec,
      FlipMode flip,
      boolean flatten) {
    this.whole = whole;
    this.trunk = trunk;
    this.sharedTop = sharedTop;
    this.ownTops = ownTops;
    this.text = InputSpec.TEXT.equals(input.kind());
    this.tokens = BackboneSpec.TOKENS.equals(spec.output());
    this.meanPooling = text && TextSpec.MEAN.equals(input.text().pooling());
    this.flip = flip;
    this.flatten = flatten;
  }

  /**
   * Loads the backbone files named by {@code spec}, plus one own top per entry of
   * {@code ownTopFiles} (relative to {@code dir}).
   */
  static Backbone load(
      Path dir,
      InputSpec input,
      BackboneSpec spec,
      FlipMode flip,
      List<String> ownTopFiles,
      Device device)
      throws BundleException {
    return load(dir, input, spec, flip, ownTopFiles, device, false);
  }

  /**
   * As above; with {@code flatten} an output of rank > 2 (a trunk's feature map) is flattened
   * to [B, -1] instead of being an error (feature extraction for caching trunk outputs).
   */
  static Backbone load(
      Path dir,
      InputSpec input,
      BackboneSpec spec,
      FlipMode flip,
      List<String> ownTopFiles,
      Device device,
      boolean flatten)
      throws BundleException {
    List<TorchScriptModule> opened = new ArrayList<>();
    try {
      if (spec.file() != null) {
        TorchScriptModule whole =
            open(dir.resolve(spec.file()).normalize(), device, "backbone.file", opened);
        return new Backbone(whole, null, null, List.of(), input, spec, flip, flatten);
      }
      TorchScriptModule trunk =
          open(dir.resolve(spec.split().trunk()).normalize(), device, "backbone.split.trunk", opened);
      TorchScriptModule top =
          open(dir.resolve(spec.split().top()).normalize(), device, "backbone.split.top", opened);
      List<TorchScriptModule> own = new ArrayList<>();
      for (String f : ownTopFiles) own.add(open(dir.resolve(f).normalize(), device, "heads[].top", opened));
      return new Backbone(null, trunk, top, List.copyOf(own), input, spec, flip, flatten);
    } catch (BundleException | RuntimeException e) {
      opened.forEach(TorchScriptModule::close);
      throw e;
    }
  }

  private static TorchScriptModule open(
      Path file, Device device, String field, List<TorchScriptModule> opened)
      throws BundleException {
    TorchScriptModule m = TorchScriptModule.load(file, device, field);
    opened.add(m);
    return m;
  }

  /** Number of feature sources: 1 (shared) + one per own top. */
  int sourceCount() {
    return 1 + ownTops.size();
  }

  /**
   * Features for each source: index 0 the shared features (null when {@code needShared} is
   * false and the backbone is split), 1.. the own tops' features. Each is [B, F] (2F with
   * flip features), in the inputs' manager.
   */
  NDArray[] run(NDList inputs, boolean needShared) {
    NDArray mask = text ? inputs.get(1) : null;
    NDArray[] out = new NDArray[sourceCount()];
    if (whole != null) {
      out[0] = finish(whole.forward(inputs).head(), mask);
      return out;
    }
    NDList hidden = trunk.forward(inputs);
    NDList topInput = text ? new NDList(hidden.head(), mask) : new NDList(hidden.head());
    if (needShared) out[0] = finish(sharedTop.forward(topInput).head(), mask);
    for (int i = 0; i < ownTops.size(); i++) {
      out[i + 1] = finish(ownTops.get(i).forward(topInput).head(), mask);
    }
    return out;
  }

  /**
   * Pools token states when needed, then combines each item's row with its mirror's (the batch
   * is items first, then their mirrors: {@link BatchTensors}).
   */
  private NDArray finish(NDArray y, NDArray mask) {
    if (tokens) y = pool(y, mask);
    if (flatten && y.getShape().dimension() > 2) y = y.reshape(y.getShape().get(0), -1);
    if (y.getShape().dimension() != 2) {
      throw new IllegalStateException(
          "backbone output has shape " + y.getShape() + ", expected [B, F] after pooling"
              + " (backbone.output is " + (tokens ? "tokens" : "pooled") + ")");
    }
    if (!flip.mirrors()) return y;
    long b = y.getShape().get(0) / 2;
    NDArray f = y.get(new NDIndex("0:{}", b));
    NDArray fm = y.get(new NDIndex("{}:", b));
    // TTA: x gives f(x) + f(m(x)), its mirror f(m(x)) + f(x); float addition commutes, so the
    // two differ only by the backbone's own noise between batch positions (none seen on CPU)
    return flip == FlipMode.TTA ? f.add(fm).mul(0.5f) : f.concat(f.sub(fm), 1);
  }

  private NDArray pool(NDArray h, NDArray mask) {
    if (h.getShape().dimension() != 3) {
      throw new IllegalStateException(
          "backbone output has shape " + h.getShape() + ", 'tokens' expects [B, T, F]");
    }
    if (!meanPooling) return h.get(new NDIndex(":, 0, :"));
    NDArray m = mask.toType(DataType.FLOAT32, false).expandDims(2); // [B,T,1]
    NDArray sum = h.mul(m).sum(new int[] {1});
    NDArray count = m.sum(new int[] {1}).maximum(1f); // padding-only rows cannot occur
    return sum.div(count);
  }

  int liveNativeArrays() {
    int n = 0;
    for (TorchScriptModule m : java.util.Arrays.asList(whole, trunk, sharedTop)) {
      if (m != null) n += m.liveNativeArrays();
    }
    for (TorchScriptModule m : ownTops) n += m.liveNativeArrays();
    return n;
  }

  @Override
  public void close() {
    if (whole != null) whole.close();
    if (trunk != null) trunk.close();
    if (sharedTop != null) sharedTop.close();
    ownTops.forEach(TorchScriptModule::close);
  }
}
