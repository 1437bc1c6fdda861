package dev.cerberus.model.graph;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import dev.cerberus.model.bundle.BundleException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One TorchScript file loaded into DJL's PyTorch engine. The loaded module is shared; each
 * calling thread gets its own no-op predictor (DJL's rule: a model may be shared, a predictor
 * may not), so several inference threads can run whole batches through one module at once
 * without copying its weights.
 */
final class TorchScriptModule implements AutoCloseable {

  private final Path file;
  private final Model model;
  /** Every predictor handed out, closed with the module (threads are few and long-lived). */
  private final Queue<Predictor<NDList, NDList>> predictors = new ConcurrentLinkedQueue<>();
  private final ThreadLocal<Predictor<NDList, NDList>> predictor;

  private TorchScriptModule(Path file, Model model) {
    this.file = file;
    this.model = model;
    this.predictor = ThreadLocal.withInitial(() -> {
      Predictor<NDList, NDList> p = model.newPredictor(new NoopTranslator());
      predictors.add(p);
      return p;
    });
  }

  static TorchScriptModule load(Path file, Device device, String field) throws BundleException {
    Model model = Model.newInstance(file.getFileName().toString(), device, "PyTorch");
    try {
      // several .pt files share a folder: the file name is the prefix DJL looks for
      model.load(file.getParent(), file.getFileName().toString());
      return new TorchScriptModule(file, model);
    } catch (IOException | MalformedModelException | RuntimeException e) {
      model.close();
      throw new BundleException(
          file + ": " + field + ": cannot load as TorchScript: " + e.getMessage(), e);
    }
  }

  /** Runs {@code forward}; outputs live in the inputs' NDManager. */
  NDList forward(NDList inputs) {
    try {
      return predictor.get().predict(inputs);
    } catch (TranslateException e) {
      throw new IllegalStateException(file + ": forward failed: " + e.getMessage(), e);
    }
  }

  int liveNativeArrays() {
    return MultiHeadGraph.countArrays(model.getNDManager());
  }

  Path file() {
    return file;
  }

  @Override
  public void close() {
    Predictor<NDList, NDList> p;
    while ((p = predictors.poll()) != null) p.close();
    model.close();
  }
}
