package dev.cerberus.model.graph;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cerberus.model.bundle.BundleManifest.InputSpec;
import dev.cerberus.model.bundle.FlipMode;
import dev.cerberus.model.input.PreparedInput;
import java.util.List;

/**
 * Copies a batch of prepared inputs into one Java buffer per backbone argument and creates one
 * NDArray from each (no per-item native arrays).
 *
 * <p>Images: [B,C,H,W]; with flip features or flip TTA [2B,C,H,W], items first, then their
 * mirrors.
 * Text: input_ids, attention_mask, token_type_ids, each int64 [B,T], T the smallest bucket
 * that fits the longest item. Tensors: [B, shape...].
 */
final class BatchTensors {

  private final InputSpec spec;
  private final boolean flip;

  BatchTensors(InputSpec spec, FlipMode flip) {
    this.spec = spec;
    this.flip = flip.mirrors();
  }

  /** The backbone's arguments for this batch, created in {@code m}. */
  NDList create(NDManager m, List<PreparedInput> batch) {
    try {
      return switch (spec.kind()) {
        case InputSpec.IMAGE -> images(m, batch);
        case InputSpec.TEXT -> tokens(m, batch);
        default -> tensors(m, batch);
      };
    } catch (ClassCastException e) {
      throw new IllegalArgumentException(
          "a prepared input of another kind was passed to a " + spec.kind()
              + " model; use this model's prepare()", e);
    }
  }

  private NDList images(NDManager m, List<PreparedInput> batch) {
    int c = spec.image().channelCount();
    int h = spec.image().height();
    int w = spec.image().width();
    int item = c * h * w;
    int b = batch.size();
    float[] buf = new float[(flip ? 2 : 1) * b * item];
    for (int i = 0; i < b; i++) {
      float[] px = ((PreparedInput.Pixels) batch.get(i)).chw();
      check(px.length == item, "image item has " + px.length + " values, expected " + item);
      System.arraycopy(px, 0, buf, i * item, item);
      if (flip) mirror(px, buf, (b + i) * item, c * h, w);
    }
    return new NDList(m.create(buf, new Shape(flip ? 2L * b : b, c, h, w)));
  }

  /** Horizontal flip of rows of width {@code w}, written at {@code dst[off..]}. */
  private static void mirror(float[] src, float[] dst, int off, int rows, int w) {
    for (int r = 0; r < rows; r++) {
      int s = r * w;
      int d = off + r * w + w - 1;
      for (int x = 0; x < w; x++) dst[d - x] = src[s + x];
    }
  }

  private NDList tokens(NDManager m, List<PreparedInput> batch) {
    int longest = 1;
    for (PreparedInput p : batch) longest = Math.max(longest, ((PreparedInput.Tokens) p).ids().length);
    int t = bucketFor(longest);
    int b = batch.size();
    long[] ids = new long[b * t];
    long[] mask = new long[b * t];
    for (int i = 0; i < b; i++) {
      long[] item = ((PreparedInput.Tokens) batch.get(i)).ids();
      System.arraycopy(item, 0, ids, i * t, item.length);
      java.util.Arrays.fill(mask, i * t, i * t + item.length, 1L);
    }
    Shape shape = new Shape(b, t);
    return new NDList(m.create(ids, shape), m.create(mask, shape), m.create(new long[b * t], shape));
  }

  /** The smallest configured bucket >= {@code length}. */
  int bucketFor(int length) {
    for (int bucket : spec.text().buckets()) if (bucket >= length) return bucket;
    throw new IllegalArgumentException(
        length + " tokens exceed max_tokens " + spec.text().maxTokens());
  }

  private NDList tensors(NDManager m, List<PreparedInput> batch) {
    long[] itemShape = spec.tensor().shape();
    int item = (int) spec.tensor().valueCount();
    float[] buf = new float[batch.size() * item];
    for (int i = 0; i < batch.size(); i++) {
      float[] v = ((PreparedInput.Values) batch.get(i)).values();
      check(v.length == item, "tensor item has " + v.length + " values, expected " + item);
      System.arraycopy(v, 0, buf, i * item, item);
    }
    long[] shape = new long[itemShape.length + 1];
    shape[0] = batch.size();
    System.arraycopy(itemShape, 0, shape, 1, itemShape.length);
    return new NDList(m.create(buf, new Shape(shape)));
  }

  private static void check(boolean ok, String message) {
    if (!ok) throw new IllegalArgumentException(message + " (was it prepared by this model?)");
  }
}
