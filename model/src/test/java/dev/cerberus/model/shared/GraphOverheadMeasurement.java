package dev.cerberus.model.shared;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.ServableModel;
import dev.cerberus.model.bundle.BundleManifest;
import dev.cerberus.model.bundle.BundleWriter;
import dev.cerberus.model.heads.Activation;
import dev.cerberus.model.heads.DenseLayer;
import dev.cerberus.model.input.PreparedInput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prints the cost of the graph around the backbone: MobileNetV2 at 96x96, batch 32, raw
 * predictor vs {@code forward()} with 1 and 16 linear heads (max_softmax), interleaved in one
 * run. Not pass/fail. {@code ./mvnw -o -pl model test -Pslow -Dtest=GraphOverheadMeasurement}.
 */
@Tag("slow")
@Tag("shared-models")
class GraphOverheadMeasurement {

  private static final Path ROOT =
      Path.of(System.getProperty("cerberus.repo.root", ".")).resolve("../shared/models/mobilenet_v2").normalize();

  @TempDir Path tmp;

  @Test
  void measure() throws Exception {
    assumeTrue(Files.isDirectory(ROOT), "no shared models");
    int b = 32, size = 96;
    List<PreparedInput> batch = Collections.nCopies(b, new PreparedInput.Pixels(new float[3 * size * size]));
    try (Model raw = Model.newInstance("raw", "PyTorch");
        ServableModel one = ServableModel.load(bundle("one", 1, size), new GraphOptions("cpu", new int[] {b}));
        ServableModel sixteen = ServableModel.load(bundle("sixteen", 16, size), new GraphOptions("cpu", new int[] {b}))) {
      raw.load(ROOT, "backbone.pt");
      try (Predictor<NDList, NDList> p = raw.newPredictor(new NoopTranslator());
          NDManager m = NDManager.newBaseManager("PyTorch")) {
        float[] buf = new float[b * 3 * size * size];
        Runnable rawRun = () -> {
          try (NDManager s = m.newSubManager()) {
            p.predict(new NDList(s.create(buf, new Shape(b, 3, size, size)))).get(0).toFloatArray();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        };
        for (int i = 0; i < 3; i++) { rawRun.run(); one.forward(batch); sixteen.forward(batch); }
        long[] r = new long[9], o = new long[9], s = new long[9];
        for (int i = 0; i < 9; i++) {
          r[i] = time(rawRun);
          o[i] = time(() -> one.forward(batch));
          s[i] = time(() -> sixteen.forward(batch));
        }
        System.out.printf("MobileNetV2 %dpx batch %d: raw predictor %.1f ms, graph 1 head %.1f ms, graph 16 heads %.1f ms (medians of 9)%n",
            size, b, median(r) / 1e6, median(o) / 1e6, median(s) / 1e6);
      }
    }
  }

  private Path bundle(String name, int heads, int size) throws Exception {
    BundleWriter w = BundleWriter.create(tmp.resolve(name));
    w.copyFile(ROOT.resolve("backbone.pt"), "backbone.pt");
    List<BundleManifest.HeadSpec> specs = new ArrayList<>();
    for (int h = 0; h < heads; h++) {
      float[] wt = new float[4 * 1280];
      for (int i = 0; i < wt.length; i++) wt[i] = (float) Math.sin(i + h);
      specs.add(new BundleManifest.HeadSpec("h" + h, "multiclass", List.of("a", "b", "c", "d"),
          w.writeHead("h" + h, List.of(new DenseLayer(4, 1280, wt, new float[4], Activation.NONE))), null));
    }
    return w.finish(new BundleManifest(1, name, "1", null,
        new BundleManifest.InputSpec("image", new BundleManifest.ImageSpec(size, size, null, null, null, null, null), null, null),
        new BundleManifest.BackboneSpec("backbone.pt", null, "pooled", 1280, null), false, null, specs,
        new BundleManifest.UnknownPolicy("max_softmax", null, 0.5, null, null, null, null, null, null, null, null, null, null, null),
        Map.of(), Map.of())).dir();
  }

  private static long time(Runnable r) {
    long s = System.nanoTime();
    r.run();
    return System.nanoTime() - s;
  }

  private static long median(long[] v) {
    long[] c = v.clone();
    java.util.Arrays.sort(c);
    return c[c.length / 2];
  }
}
