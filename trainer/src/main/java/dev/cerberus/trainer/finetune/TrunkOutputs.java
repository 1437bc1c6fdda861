package dev.cerberus.trainer.finetune;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cerberus.trainer.features.TokenStates;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * One set's cached trunk outputs, the input of a top: image feature maps {@code [C,h,w]} or
 * text token states {@code [T,F]} + attention mask. The fine-tuner and feature pass only ask
 * for batches ({@link #batches}) and a batch's top arguments ({@link #inputs}), so one
 * training loop serves both kinds.
 */
public sealed interface TrunkOutputs {

  int size();

  /** The top's arguments for {@code rows}, which must come from one {@link #batches} group. */
  NDList inputs(NDManager m, int[] rows);

  /**
   * Splits {@code rows} into forward batches of at most {@code batchSize}; text batches hold
   * one bucket length each. With {@code rnd} the rows are shuffled (within a bucket) and so is
   * the batch order; without it the order is kept (feature passes).
   */
  List<int[]> batches(int[] rows, int batchSize, Random rnd);

  /** Image feature maps, one flattened {@code C*h*w} row per item (as the feature cache stores them). */
  record ImageMaps(long[] mapShape, float[][] rows) implements TrunkOutputs {
    public ImageMaps {
      if (mapShape.length != 3) throw new IllegalArgumentException("mapShape is {C, h, w}");
      mapShape = mapShape.clone();
    }

    @Override
    public int size() {
      return rows.length;
    }

    @Override
    public NDList inputs(NDManager m, int[] idx) {
      int size = (int) (mapShape[0] * mapShape[1] * mapShape[2]);
      float[] flat = new float[idx.length * size];
      for (int i = 0; i < idx.length; i++) {
        float[] r = rows[idx[i]];
        if (r.length != size) {
          throw new IllegalArgumentException("trunk row of " + r.length + " values, expected "
              + size + " (" + mapShape[0] + "x" + mapShape[1] + "x" + mapShape[2] + ")");
        }
        System.arraycopy(r, 0, flat, i * size, size);
      }
      return new NDList(m.create(flat, new Shape(idx.length, mapShape[0], mapShape[1], mapShape[2])));
    }

    @Override
    public List<int[]> batches(int[] rows, int batchSize, Random rnd) {
      return chunks(rnd == null ? rows : shuffled(rows, rnd), batchSize);
    }
  }

  /** Text token states at each item's bucket length, with the real lengths (the mask). */
  record TextStates(TokenStates states) implements TrunkOutputs {
    @Override
    public int size() {
      return states.size();
    }

    @Override
    public NDList inputs(NDManager m, int[] rows) {
      return states.batch(m, rows);
    }

    @Override
    public List<int[]> batches(int[] rows, int batchSize, Random rnd) {
      Map<Integer, List<Integer>> byBucket = new TreeMap<>();
      for (int r : rows) byBucket.computeIfAbsent(states.bucket(r), k -> new ArrayList<>()).add(r);
      List<int[]> out = new ArrayList<>();
      for (List<Integer> group : byBucket.values()) {
        int[] g = group.stream().mapToInt(Integer::intValue).toArray();
        out.addAll(chunks(rnd == null ? g : shuffled(g, rnd), batchSize));
      }
      if (rnd != null) java.util.Collections.shuffle(out, rnd);
      return out;
    }
  }

  /** 0..n-1. */
  static int[] all(int n) {
    int[] r = new int[n];
    for (int i = 0; i < n; i++) r[i] = i;
    return r;
  }

  private static int[] shuffled(int[] rows, Random rnd) {
    int[] p = rows.clone();
    for (int i = p.length - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  private static List<int[]> chunks(int[] rows, int batchSize) {
    List<int[]> out = new ArrayList<>();
    for (int from = 0; from < rows.length; from += batchSize) {
      out.add(java.util.Arrays.copyOfRange(rows, from, Math.min(rows.length, from + batchSize)));
    }
    return out;
  }
}
