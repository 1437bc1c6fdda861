package dev.cerberus.trainer.features;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cerberus.trainer.config.TrainerConfig.CachePrecision;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One set's cached text trunk outputs: per item the token states {@code [T,F]} at the item's
 * own bucket length T (the smallest configured bucket that fits it, as the server pads), and
 * its real token count; the attention mask is 1 for the first {@code length} positions (the
 * server right-pads). Stored as raw fp16 or fp32 bytes in plain Java arrays, so a set of n items
 * takes {@code sum(T_i) * F * bytes} and no native memory between batches.
 *
 * <p>Batches ({@link #batch}) must hold items of one bucket: no padding beyond the bucket is
 * ever computed, and the top sees exactly the shapes the server gives it.
 */
public final class TokenStates {

  private final int featureSize;
  private final CachePrecision precision;
  private final byte[][] states;
  private final int[] lengths;
  private final int[] buckets;

  TokenStates(int featureSize, CachePrecision precision, byte[][] states, int[] lengths,
      int[] buckets) {
    this.featureSize = featureSize;
    this.precision = precision;
    this.states = states;
    this.lengths = lengths;
    this.buckets = buckets;
  }

  public int size() {
    return states.length;
  }

  public int featureSize() {
    return featureSize;
  }

  public CachePrecision precision() {
    return precision;
  }

  /** T of item {@code i}: its bucket length. */
  public int bucket(int i) {
    return buckets[i];
  }

  /** Real tokens of item {@code i} (with [CLS]/[SEP]); the mask's ones. */
  public int length(int i) {
    return lengths[i];
  }

  /** Bytes held by the states of this set. */
  public long bytes() {
    long n = 0;
    for (byte[] s : states) n += s.length;
    return n;
  }

  /** Bytes one item of bucket length {@code t} takes. */
  public static long itemBytes(int t, int featureSize, CachePrecision precision) {
    return (long) t * featureSize * precision.bytes();
  }

  /**
   * The top's arguments for items {@code rows} (all of one bucket T): hidden float32
   * {@code [B,T,F]} and attention mask int64 {@code [B,T]}, created in {@code m}.
   */
  public NDList batch(NDManager m, int[] rows) {
    int t = buckets[rows[0]];
    int itemBytes = (int) itemBytes(t, featureSize, precision);
    ByteBuffer buf = ByteBuffer.allocateDirect(rows.length * itemBytes).order(ByteOrder.nativeOrder());
    long[] mask = new long[rows.length * t];
    for (int i = 0; i < rows.length; i++) {
      int r = rows[i];
      if (buckets[r] != t) {
        throw new IllegalArgumentException("a token-state batch mixes bucket lengths " + t
            + " and " + buckets[r] + "; batch by TrunkOutputs.batches");
      }
      buf.put(states[r]);
      java.util.Arrays.fill(mask, i * t, i * t + lengths[r], 1L);
    }
    buf.rewind();
    Shape shape = new Shape(rows.length, t, featureSize);
    NDArray hidden = precision == CachePrecision.FP16
        ? m.create(buf, shape, DataType.FLOAT16).toType(DataType.FLOAT32, false)
        : m.create(buf, shape, DataType.FLOAT32);
    return new NDList(hidden, m.create(mask, new Shape(rows.length, t)));
  }

  /** Collects one set's rows from trunk output batches. */
  static final class Builder {
    private final int featureSize;
    private final CachePrecision precision;
    private final byte[][] states;
    private final int[] lengths;
    private final int[] buckets;

    Builder(int n, int featureSize, CachePrecision precision) {
      this.featureSize = featureSize;
      this.precision = precision;
      this.states = new byte[n][];
      this.lengths = new int[n];
      this.buckets = new int[n];
    }

    /**
     * Stores a trunk output {@code hidden [B,T,F]} for items {@code rows} (real lengths
     * {@code lens}); converted to the cache precision by the engine (round to nearest even).
     */
    void put(NDArray hidden, int[] rows, int[] lens) {
      int t = (int) hidden.getShape().get(1);
      if (precision == CachePrecision.FP16 && hidden.abs().max().getFloat() > 65504f) {
        // beyond fp16's range the state would be stored as infinity and poison the top's loss
        throw new dev.cerberus.trainer.TrainerException("backbone.cache_precision: the trunk's "
            + "token states exceed fp16's range (|x| > 65504); use fp32");
      }
      DataType type = precision == CachePrecision.FP16 ? DataType.FLOAT16 : DataType.FLOAT32;
      byte[] all = hidden.toType(type, false).toByteArray();
      int item = (int) itemBytes(t, featureSize, precision);
      for (int i = 0; i < rows.length; i++) {
        states[rows[i]] = java.util.Arrays.copyOfRange(all, i * item, (i + 1) * item);
        lengths[rows[i]] = lens[i];
        buckets[rows[i]] = t;
      }
    }

    TokenStates build() {
      for (int i = 0; i < states.length; i++) {
        if (states[i] == null) throw new IllegalStateException("token states of item " + i + " missing");
      }
      return new TokenStates(featureSize, precision, states, lengths, buckets);
    }
  }
}
