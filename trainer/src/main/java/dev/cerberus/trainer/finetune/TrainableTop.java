package dev.cerberus.trainer.finetune;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A copy of a split backbone's top file loaded with trainable parameters, that maps a batch of
 * {@link TrunkOutputs} to pooled features {@code [B,F]} exactly as the server does
 * (model.graph.Backbone): an image top returns {@code [B,F]} itself; a text top returns token
 * states {@code [B,T,F]} that are mean-pooled over the attention mask (sum of {@code h * mask}
 * over T divided by the mask's count), so fitted and served features match.
 */
public final class TrainableTop implements AutoCloseable {

  private final Path file;
  private final Model model;
  private final PtSymbolBlock block;
  private final NDManager manager;
  private final boolean text;
  private final int featureSize;

  private TrainableTop(Path file, Model model, TrunkOutputs probe) throws IOException {
    this.file = file;
    this.model = model;
    this.block = (PtSymbolBlock) model.getBlock();
    this.manager = model.getNDManager().newSubManager();
    this.text = probe instanceof TrunkOutputs.TextStates;
    // one inference forward first (DJL: a module whose first forward is a training one can
    // later fail with "Inference tensors cannot be saved for backward"); it also checks that
    // the top accepts the trunk's output at all
    try (NDManager m = manager.newSubManager()) {
      NDArray y = pooled(m, probe, new int[] {0}, false);
      this.featureSize = (int) y.getShape().get(1);
    } catch (RuntimeException e) {
      close();
      throw new IOException(file + ": backbone.split.top: its input does not fit the trunk's "
          + "output (" + describe(probe) + "): " + firstLine(e.getMessage()), e);
    }
  }

  /**
   * Loads {@code topFile} trainable and checks it on item 0 of {@code probe} (any non-empty
   * set of the trunk's outputs).
   *
   * @throws IOException one line naming the file and field when the file is no TorchScript
   *     module or its input does not fit the trunk's output
   */
  public static TrainableTop load(Path topFile, TrunkOutputs probe, String device)
      throws IOException {
    if (probe.size() == 0) throw new IllegalArgumentException("probe set is empty");
    Model model = Model.newInstance(topFile.getFileName().toString(),
        "gpu".equals(device) ? Device.gpu() : Device.cpu(), "PyTorch");
    try {
      model.load(topFile.toAbsolutePath().getParent(), topFile.getFileName().toString(),
          Map.of("trainParam", "true"));
    } catch (MalformedModelException | IOException | RuntimeException e) {
      model.close();
      throw new IOException(topFile + ": backbone.split.top: cannot load as a trainable "
          + "TorchScript module: " + firstLine(e.getMessage()), e);
    }
    return new TrainableTop(topFile, model, probe);
  }

  public int featureSize() {
    return featureSize;
  }

  NDManager manager() {
    return manager;
  }

  List<Pair<String, Parameter>> parameters() {
    List<Pair<String, Parameter>> params = new ArrayList<>();
    block.getParameters().forEach(params::add);
    return params;
  }

  /** Pooled features {@code [B,F]} of {@code rows} (one {@link TrunkOutputs#batches} group). */
  NDArray pooled(NDManager m, TrunkOutputs set, int[] rows, boolean training) {
    NDList in = set.inputs(m, rows);
    NDArray y = block.forward(new ParameterStore(m, false), in, training).head();
    if (!text) {
      if (y.getShape().dimension() != 2) {
        throw new IllegalStateException("an image top must return [B,F], got " + y.getShape());
      }
      return y;
    }
    NDArray hidden = in.get(0);
    if (y.getShape().dimension() != 3 || y.getShape().get(1) != hidden.getShape().get(1)) {
      throw new IllegalStateException("a text top must return [B,T,F] for hidden "
          + hidden.getShape() + ", got " + y.getShape());
    }
    // the server's mean pooling (model.graph.Backbone.pool), op for op
    NDArray mask = in.get(1).toType(DataType.FLOAT32, false).expandDims(2);
    return y.mul(mask).sum(new int[] {1}).div(mask.sum(new int[] {1}).maximum(1f));
  }

  /** Pooled features of every item of {@code set}, in order; no gradients. */
  public float[][] features(TrunkOutputs set, int batchSize) {
    float[][] out = new float[set.size()][];
    for (int[] batch : set.batches(TrunkOutputs.all(set.size()), batchSize, null)) {
      try (NDManager m = manager.newSubManager()) {
        float[] f = pooled(m, set, batch, false).toFloatArray();
        for (int i = 0; i < batch.length; i++) {
          out[batch[i]] = Arrays.copyOfRange(f, i * featureSize, (i + 1) * featureSize);
        }
      }
    }
    return out;
  }

  /** Writes the (fine-tuned) top as a plain TorchScript file with the original signature. */
  public void write(Path out) throws IOException {
    if (out.toAbsolutePath().getParent() != null) Files.createDirectories(out.toAbsolutePath().getParent());
    try (OutputStream os = Files.newOutputStream(out)) {
      JniUtils.writeModule(block, os, false);
    }
  }

  private static String describe(TrunkOutputs probe) {
    // Java 17: no pattern switch yet; the interface is sealed, so these are the only two
    if (probe instanceof TrunkOutputs.ImageMaps im) {
      long[] s = im.mapShape();
      return "map [1," + s[0] + "," + s[1] + "," + s[2] + "]";
    }
    var ts = ((TrunkOutputs.TextStates) probe).states();
    return "hidden [1," + ts.bucket(0) + "," + ts.featureSize() + "] + attention_mask [1,"
        + ts.bucket(0) + "]";
  }

  static String firstLine(String s) {
    if (s == null) return "";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  Path file() {
    return file;
  }

  @Override
  public void close() {
    manager.close();
    model.close();
  }
}
