package dev.cerberus.trainer.features;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The frozen backbone in DJL's PyTorch engine: one forward per batch of preprocessed images,
 * features copied out to plain Java arrays. Pooled output only ([B,F]); token outputs are
 * mean-pooled over the attention mask in {@link TextBackbone}.
 */
public final class Backbone implements AutoCloseable {

  private final Model model;
  private final Predictor<NDList, NDList> predictor;

  /** Sets the engine's threads before its first use: the machine is shared. */
  public static void configureEngine(int threads) {
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    System.setProperty("ai.djl.pytorch.graph_optimizer", "false");
    System.setProperty("ai.djl.offline", "true");
  }

  public Backbone(Path file, String device) throws IOException {
    model = Model.newInstance("backbone", Device.fromName(device), "PyTorch");
    try {
      model.load(file.getParent(), file.getFileName().toString());
    } catch (MalformedModelException e) {
      model.close();
      throw new IOException(file + ": not a loadable TorchScript file: " + e.getMessage(), e);
    }
    predictor = model.newPredictor(new NoopTranslator());
  }

  /** Features [B][F] of a batch of CHW images packed row after row in {@code chw}. */
  public float[][] forwardImages(float[] chw, int batch, int channels, int height, int width) {
    try (NDManager m = model.getNDManager().newSubManager()) {
      NDArray x = m.create(chw, new Shape(batch, channels, height, width));
      NDList out = predictor.predict(new NDList(x));
      NDArray y = out.singletonOrThrow();
      if (y.getShape().dimension() != 2) {
        throw new IllegalStateException("backbone output must be pooled [B,F], got " + y.getShape());
      }
      int f = (int) y.getShape().get(1);
      float[] flat = y.toFloatArray();
      float[][] rows = new float[batch][f];
      for (int b = 0; b < batch; b++) {
        System.arraycopy(flat, b * f, rows[b], 0, f);
      }
      return rows;
    } catch (TranslateException e) {
      throw new IllegalStateException("backbone forward failed: " + e.getMessage(), e);
    }
  }

  Predictor<NDList, NDList> predictor() {
    return predictor;
  }

  Model model() {
    return model;
  }

  @Override
  public void close() {
    predictor.close();
    model.close();
  }
}
