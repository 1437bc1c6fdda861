package dev.cerberus.trainer.finetune;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.util.Pair;
import dev.cerberus.trainer.config.TrainerConfig.FineTuneSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The top of a split backbone (a TorchScript file: trunk feature map [B,C,h,w] -> pooled
 * [B,F]) loaded with trainable parameters, fine-tuned on cached trunk outputs, and written back
 * as a plain TorchScript file that the bundle serves as {@code backbone.split.top}.
 *
 * <p>Fine-tuning ({@link #fineTune}): a zero-initialised linear layer on the pooled output;
 * loss = mean cross-entropy over the labelled rows of the batch + {@code oe_lambda} x mean
 * cross-entropy to the uniform distribution over the outlier rows (Outlier Exposure), AdamW on
 * the top (learning_rate) and the linear layer (head_learning_rate), a fixed number of epochs,
 * seeded shuffles. Trunk rows arrive flattened (C*h*w floats per item, as the feature cache
 * stores them) with the map shape given separately.
 *
 * <p>This is the image-only, multiclass, shared-top form that TrainingRun calls today.
 * {@link PerHeadTops} generalises it (image maps or text token states, multiclass or binary
 * objective, one copy per {@code top: own} head); its image path computes the same features
 * ({@code PerHeadTopsImageAndErrorsTest}). New stages should call {@link PerHeadTops}.
 */
public final class TopFineTuner implements AutoCloseable {

  /** Per-epoch training loss, validation loss and validation accuracy of the linear layer. */
  public record Epoch(int epoch, double trainLoss, double valLoss, double valAccuracy) {}

  private final Model model;
  private final PtSymbolBlock block;
  private final NDManager manager;
  private final long[] mapShape;
  private final int featureSize;

  private TopFineTuner(Model model, long[] mapShape) {
    this.model = model;
    this.block = (PtSymbolBlock) model.getBlock();
    this.manager = model.getNDManager().newSubManager();
    this.mapShape = mapShape;
    try (NDManager m = manager.newSubManager()) {
      NDArray probe = m.zeros(new Shape(1, mapShape[0], mapShape[1], mapShape[2]));
      this.featureSize = (int) forward(m, probe, false).getShape().get(1);
    }
  }

  /**
   * Loads {@code topFile} with trainable parameters.
   *
   * @param mapShape the trunk's output per item, {C, h, w}
   */
  public static TopFineTuner load(Path topFile, long[] mapShape, String device) throws IOException {
    Model model = Model.newInstance(topFile.getFileName().toString(),
        "gpu".equals(device) ? Device.gpu() : Device.cpu(), "PyTorch");
    try {
      model.load(topFile.toAbsolutePath().getParent(), topFile.getFileName().toString(),
          Map.of("trainParam", "true"));
      return new TopFineTuner(model, mapShape);
    } catch (MalformedModelException | RuntimeException e) {
      model.close();
      throw new IOException(topFile + ": backbone.split.top: cannot load as a trainable "
          + "TorchScript module: " + e.getMessage(), e);
    }
  }

  /**
   * The trunk's per-item output shape {C, h, w}, from one forward of a zero input of
   * {@code inputShape} = {channels, height, width}.
   */
  public static long[] trunkMapShape(Path trunkFile, long[] inputShape, String device)
      throws IOException {
    try (Model m = Model.newInstance(trunkFile.getFileName().toString(),
        "gpu".equals(device) ? Device.gpu() : Device.cpu(), "PyTorch")) {
      m.load(trunkFile.toAbsolutePath().getParent(), trunkFile.getFileName().toString());
      try (NDManager nd = m.getNDManager().newSubManager()) {
        NDArray x = nd.zeros(new Shape(1, inputShape[0], inputShape[1], inputShape[2]));
        NDArray y = m.getBlock().forward(new ParameterStore(nd, false), new NDList(x), false).head();
        Shape s = y.getShape();
        if (s.dimension() != 4) {
          throw new IOException(trunkFile + ": backbone.split.trunk: expected a [B,C,h,w] "
              + "feature map, got " + s);
        }
        return new long[] {s.get(1), s.get(2), s.get(3)};
      }
    } catch (MalformedModelException e) {
      throw new IOException(trunkFile + ": cannot load as TorchScript: " + e.getMessage(), e);
    }
  }

  public int featureSize() {
    return featureSize;
  }

  public int mapSize() {
    return (int) (mapShape[0] * mapShape[1] * mapShape[2]);
  }

  private NDArray forward(NDManager m, NDArray maps, boolean training) {
    return block.forward(new ParameterStore(m, false), new NDList(maps), training).head();
  }

  private NDArray batch(NDManager m, float[][] rows, int[] index, int from, int to) {
    int size = mapSize();
    float[] flat = new float[(to - from) * size];
    for (int i = from; i < to; i++) {
      float[] r = rows[index == null ? i : index[i]];
      if (r.length != size) {
        throw new IllegalArgumentException("trunk row of " + r.length + " values, expected "
            + size + " (" + mapShape[0] + "x" + mapShape[1] + "x" + mapShape[2] + ")");
      }
      System.arraycopy(r, 0, flat, (i - from) * size, size);
    }
    return m.create(flat, new Shape(to - from, mapShape[0], mapShape[1], mapShape[2]));
  }

  /** Pooled features of the top (as fine-tuned so far) for trunk rows; no gradients. */
  public float[][] features(float[][] trunkRows, int batchSize) {
    float[][] out = new float[trunkRows.length][];
    for (int from = 0; from < trunkRows.length; from += batchSize) {
      int to = Math.min(trunkRows.length, from + batchSize);
      try (NDManager m = manager.newSubManager()) {
        float[] f = forward(m, batch(m, trunkRows, null, from, to), false).toFloatArray();
        for (int i = from; i < to; i++) {
          out[i] = java.util.Arrays.copyOfRange(f, (i - from) * featureSize, (i - from + 1) * featureSize);
        }
      }
    }
    return out;
  }

  /**
   * Fine-tunes the top in place.
   *
   * @param train trunk rows with labels in [0, classes)
   * @param outliers trunk rows of training outliers (may be empty: no OE term)
   * @param val, valLabels, valOutliers the same for the validation loss (reported only)
   */
  public List<Epoch> fineTune(float[][] train, int[] labels, int classes, float[][] outliers,
      float[][] val, int[] valLabels, float[][] valOutliers, FineTuneSpec spec, long seed,
      PrintStream log) {
    Random rnd = new Random(seed);
    List<Pair<String, Parameter>> params = new ArrayList<>();
    block.getParameters().forEach(params::add);
    NDArray w = manager.zeros(new Shape(classes, featureSize));
    NDArray b = manager.zeros(new Shape(classes));
    w.setRequiresGradient(true);
    b.setRequiresGradient(true);
    int bs = spec.batchSize();
    int steps = spec.epochs() * ((train.length + bs - 1) / bs);
    Optimizer top = LrSchedule.adamW(spec.schedule(), spec.learningRate(), steps, spec.weightDecay());
    Optimizer head = LrSchedule.adamW(spec.schedule(), spec.headLearningRate(), steps,
        spec.weightDecay());
    double lambda = outliers.length == 0 ? 0 : spec.oeLambda();
    List<Epoch> history = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int epoch = 1; epoch <= spec.epochs(); epoch++) {
      int[] order = permutation(train.length, rnd);
      double sum = 0;
      for (int from = 0; from < train.length; from += bs) {
        int to = Math.min(train.length, from + bs);
        int[] outIdx = new int[lambda > 0 ? to - from : 0];
        for (int i = 0; i < outIdx.length; i++) outIdx[i] = rnd.nextInt(outliers.length);
        try (NDManager m = manager.newSubManager()) {
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.zeroGradients();
            int[] y = new int[to - from];
            for (int i = from; i < to; i++) y[i - from] = labels[order[i]];
            NDArray x = batch(m, train, order, from, to);
            if (outIdx.length > 0) x = x.concat(batch(m, outliers, outIdx, 0, outIdx.length), 0);
            NDArray loss = loss(m, forward(m, x, true), w, b, y, classes, lambda);
            gc.backward(loss);
            sum += loss.getFloat() * (to - from);
          }
          // the updates run outside the collector: no graph is recorded for them
          for (Pair<String, Parameter> p : params) {
            step(top, p.getKey(), p.getValue().getArray());
          }
          step(head, "head.weight", w);
          step(head, "head.bias", b);
        }
      }
      double[] v = validate(val, valLabels, valOutliers, w, b, classes, lambda, bs);
      history.add(new Epoch(epoch, sum / train.length, v[0], v[1]));
      log.printf("fine-tune epoch %d/%d: train loss %.4f, val loss %.4f, val accuracy %.4f (%.0fs)%n",
          epoch, spec.epochs(), sum / train.length, v[0], v[1], (System.nanoTime() - t0) / 1e9);
    }
    w.close();
    b.close();
    return history;
  }

  private static void step(Optimizer opt, String id, NDArray weight) {
    try (NDArray g = weight.getGradient()) {
      opt.update(id, weight, g);
    }
  }

  private static NDArray loss(NDManager m, NDArray feats, NDArray w, NDArray b, int[] y,
      int classes, double lambda) {
    NDArray logits = feats.matMul(w.transpose()).add(b);
    NDArray logp = logits.logSoftmax(1);
    int n = y.length;
    NDArray oneHot = m.create(toLong(y)).oneHot(classes);
    NDArray ce = logp.get("0:" + n).mul(oneHot).sum(new int[] {1}).mean().neg();
    if (logits.getShape().get(0) > n && lambda > 0) {
      // cross-entropy to uniform: -mean_k log p_k, averaged over the outlier rows
      NDArray oe = logp.get(n + ":").mean(new int[] {1}).mean().neg();
      return ce.add(oe.mul((float) lambda));
    }
    return ce;
  }

  private double[] validate(float[][] val, int[] labels, float[][] outliers, NDArray w, NDArray b,
      int classes, double lambda, int bs) {
    if (val.length == 0) return new double[] {Double.NaN, Double.NaN};
    double ce = 0;
    int right = 0;
    float[][] f = features(val, 4 * bs);
    try (NDManager m = manager.newSubManager()) {
      NDArray x = m.create(flatten(f), new Shape(f.length, featureSize));
      NDArray logits = x.matMul(w.transpose()).add(b);
      NDArray logp = logits.logSoftmax(1);
      ce = logp.mul(m.create(toLong(labels)).oneHot(classes)).sum(new int[] {1}).mean().neg().getFloat();
      long[] arg = logits.argMax(1).toLongArray();
      for (int i = 0; i < arg.length; i++) if (arg[i] == labels[i]) right++;
      if (outliers.length > 0 && lambda > 0) {
        float[][] o = features(outliers, 4 * bs);
        NDArray xo = m.create(flatten(o), new Shape(o.length, featureSize));
        ce += lambda * xo.matMul(w.transpose()).add(b).logSoftmax(1).mean(new int[] {1}).mean()
            .neg().getFloat();
      }
    }
    return new double[] {ce, (double) right / val.length};
  }

  private static long[] toLong(int[] a) {
    long[] l = new long[a.length];
    for (int i = 0; i < a.length; i++) l[i] = a[i];
    return l;
  }

  private static float[] flatten(float[][] rows) {
    int n = rows.length == 0 ? 0 : rows[0].length;
    float[] out = new float[rows.length * n];
    for (int i = 0; i < rows.length; i++) System.arraycopy(rows[i], 0, out, i * n, n);
    return out;
  }

  private static int[] permutation(int n, Random rnd) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) p[i] = i;
    for (int i = n - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** Writes the (fine-tuned) top as a plain TorchScript file. */
  public void write(Path out) throws IOException {
    try (OutputStream os = Files.newOutputStream(out)) {
      JniUtils.writeModule(block, os, false);
    }
  }

  @Override
  public void close() {
    manager.close();
    model.close();
  }
}
