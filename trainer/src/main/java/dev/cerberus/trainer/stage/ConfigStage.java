package dev.cerberus.trainer.stage;

import dev.cerberus.model.bundle.BundleManifest;
import dev.cerberus.trainer.TrainerException;
import dev.cerberus.trainer.config.LoadedConfig;
import dev.cerberus.trainer.config.TrainerConfig;
import dev.cerberus.trainer.config.TrainerConfig.HeadSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stage 1, config -> {@link RunPlan}: the cross-field decisions the loader leaves to the run
 * (the decision head, which backbone file is cached, the bundle's input section), made before
 * any data is read.
 */
public final class ConfigStage {

  private ConfigStage() {}

  public static RunPlan plan(LoadedConfig loaded) {
    TrainerConfig c = loaded.config();
    Map<String, List<String>> labelsByTask = new LinkedHashMap<>();
    for (HeadSpec h : c.heads()) {
      List<String> prev = labelsByTask.putIfAbsent(h.task(), h.labels());
      if (prev != null && !prev.equals(h.labels())) {
        throw new TrainerException("heads: two heads read task '" + h.task()
            + "' with different labels " + prev + " and " + h.labels());
      }
    }
    HeadSpec decision = decisionHead(c);
    if (c.backbone().fineTune() != null && !"multiclass".equals(decision.kind())) {
      throw new TrainerException("backbone.fine_tune: the decision head '" + decision.name()
          + "' must be multiclass (the top is fine-tuned on its labels)");
    }
    boolean split = c.backbone().split() != null;
    Path backbone = loaded.resolve(split ? c.backbone().split().trunk() : c.backbone().file());
    Path top = split ? loaded.resolve(c.backbone().split().top()) : null;
    List<String> names = new ArrayList<>();
    c.heads().forEach(h -> names.add(h.name()));
    String gate = c.gate() == null ? null : c.gate().name();
    if (gate != null) {
      names.add(gate);
    }
    return new RunPlan(loaded, decision, backbone, top, inputSpec(c), labelsByTask, names, gate);
  }

  /** {@code ood.head}, else the first multiclass head, else the first head. */
  static HeadSpec decisionHead(TrainerConfig c) {
    String name = c.ood().head() != null ? c.ood().head()
        : c.heads().stream().filter(h -> "multiclass".equals(h.kind())).findFirst()
            .orElse(c.heads().get(0)).name();
    return c.heads().stream().filter(h -> h.name().equals(name)).findFirst().orElseThrow();
  }

  /** The manifest's input section from the config. */
  public static BundleManifest.InputSpec inputSpec(TrainerConfig c) {
    var in = c.input();
    if ("image".equals(in.kind())) {
      var im = in.image();
      return new BundleManifest.InputSpec("image", new BundleManifest.ImageSpec(im.width(),
          im.height(), im.resize(), im.channels(), (float) (double) im.scale(), floats(im.mean()),
          floats(im.std())), null, null);
    }
    var t = in.text();
    int[] buckets = t.buckets() == null ? null
        : t.buckets().stream().mapToInt(Integer::intValue).toArray();
    return new BundleManifest.InputSpec("text", null,
        new BundleManifest.TextSpec("tokenizer.json", t.maxTokens(), t.pooling(), buckets), null);
  }

  private static float[] floats(List<Double> v) {
    float[] f = new float[v.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) (double) v.get(i);
    }
    return f;
  }
}
