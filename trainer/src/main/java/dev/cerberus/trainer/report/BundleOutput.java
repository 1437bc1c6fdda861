package dev.cerberus.trainer.report;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.cerberus.model.bundle.BundleJson;
import dev.cerberus.model.bundle.BundleManifest;
import dev.cerberus.model.bundle.BundleManifest.UnknownPolicy;
import dev.cerberus.model.bundle.Npy;
import dev.cerberus.model.heads.DenseLayer;
import dev.cerberus.trainer.config.LoadedConfig;
import dev.cerberus.trainer.config.TrainerConfig;
import dev.cerberus.trainer.config.TrainerConfig.HeadSpec;
import dev.cerberus.trainer.train.HeadTask;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes a bundle (docs/bundle.md) with the model module's manifest records and .npy writer,
 * plus metrics.json and report.html. The bundle is assembled in a sibling temp folder and moved
 * into place at the end, so a failed run never leaves a half-written bundle where a server
 * looks.
 */
public final class BundleOutput {

  public static final String TRAINER = "cerberus-trainer";
  private final TrainerConfig c;
  private final LoadedConfig loaded;

  public BundleOutput(TrainerConfig c, LoadedConfig loaded) {
    this.c = c;
    this.loaded = loaded;
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
    int[] buckets = t.buckets() == null ? null : t.buckets().stream().mapToInt(Integer::intValue).toArray();
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

  /**
   * @param backboneFile the whole backbone, or the trunk of a split one
   * @param topFile the split backbone's top as trained (null: not split)
   */
  public void write(Path out, Path backboneFile, Path topFile, String backboneSha,
      BundleManifest.InputSpec input, List<HeadTask> tasks, List<List<DenseLayer>> layers,
      UnknownPolicy policy, Map<String, Npy.Array> oodFiles, ReportData report,
      List<HeadSpec> headSpecs, String gateName) throws IOException {
    Path parent = out.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempDirectory(parent, "." + out.getFileName() + ".tmp");
    try {
      if (topFile == null) {
        Files.copy(backboneFile, tmp.resolve("backbone.pt"));
      } else {
        Files.copy(backboneFile, tmp.resolve("trunk.pt"));
        // written, not copied: the temporary file's owner-only mode must not reach the bundle
        Files.write(tmp.resolve("top.pt"), Files.readAllBytes(topFile));
      }
      if ("text".equals(input.kind())) {
        Files.copy(loaded.resolve(c.input().text().tokenizer()), tmp.resolve("tokenizer.json"));
      }
      List<BundleManifest.HeadSpec> heads = new ArrayList<>();
      for (int t = 0; t < tasks.size(); t++) {
        HeadTask task = tasks.get(t);
        List<String> labels = t < headSpecs.size() ? headSpecs.get(t).labels() : List.of("in", "out");
        List<BundleManifest.LayerSpec> ls = new ArrayList<>();
        Files.createDirectories(tmp.resolve("heads").resolve(task.name()));
        for (int l = 0; l < layers.get(t).size(); l++) {
          DenseLayer d = layers.get(t).get(l);
          String w = "heads/" + task.name() + "/" + l + ".weight.npy";
          String b = "heads/" + task.name() + "/" + l + ".bias.npy";
          Npy.write(tmp.resolve(w), new int[] {d.out(), d.in()}, d.weight());
          Npy.write(tmp.resolve(b), new int[] {d.out()}, d.bias());
          ls.add(new BundleManifest.LayerSpec(w, b, d.activation().manifestName()));
        }
        heads.add(new BundleManifest.HeadSpec(task.name(), task.binary() ? "binary" : "multiclass",
            labels, ls, null));
      }
      for (var e : oodFiles.entrySet()) {
        Path p = tmp.resolve(e.getKey());
        Files.createDirectories(p.getParent());
        Npy.write(p, e.getValue());
      }
      Map<String, Object> provenance = new LinkedHashMap<>();
      provenance.put("trainer", TRAINER);
      provenance.put("config", loaded.file().getFileName().toString());
      provenance.put("seed", c.seed());
      if (topFile == null) {
        provenance.put("backbone_source", c.backbone().file());
      } else {
        provenance.put("backbone_source", Map.of("trunk", c.backbone().split().trunk(),
            "top", c.backbone().split().top()));
        provenance.put("trunk_sha256", backboneSha);
        if (c.backbone().fineTune() != null) {
          provenance.put("top_fine_tuned", c.backbone().fineTune());
        }
      }
      provenance.put("training_outliers", report.trainingOutlierSources());
      provenance.put("evaluation_ood_sets", report.oodSets());
      if (gateName != null) {
        provenance.put("gate_head", gateName);
      }
      BundleManifest manifest = new BundleManifest(BundleManifest.SUPPORTED_SCHEMA_VERSION,
          c.name(), c.version(), c.description(), input,
          topFile == null
              ? new BundleManifest.BackboneSpec("backbone.pt", null, c.backbone().output(),
                  c.backbone().featureSize(), backboneSha)
              : new BundleManifest.BackboneSpec(null,
                  new BundleManifest.SplitSpec("trunk.pt", "top.pt"), c.backbone().output(),
                  c.backbone().featureSize(), null),
          false, heads, policy, provenance, flatMetrics(report));
      Files.writeString(tmp.resolve("bundle.json"),
          BundleJson.mapper().writeValueAsString(manifest) + "\n", StandardCharsets.UTF_8);
      JsonMapper pretty = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
      Files.writeString(tmp.resolve("metrics.json"),
          pretty.writeValueAsString(MetricsJson.of(report)) + "\n", StandardCharsets.UTF_8);
      Files.writeString(tmp.resolve("report.html"), ReportHtml.render(report), StandardCharsets.UTF_8);
      try {
        // the server's own validation: a bundle it would refuse is never moved into place
        dev.cerberus.model.bundle.BundleReader.read(tmp);
      } catch (dev.cerberus.model.bundle.BundleException e) {
        throw new IOException("written bundle fails validation: " + e.getMessage(), e);
      }
      if (Files.exists(out)) {
        // keep what people put beside a bundle (model card, licence notices) across a rebuild
        try (Stream<Path> old = Files.list(out)) {
          for (Path p : old.filter(Files::isRegularFile).toList()) {
            if (!Files.exists(tmp.resolve(p.getFileName()))) {
              Files.copy(p, tmp.resolve(p.getFileName()));
            }
          }
        }
        deleteTree(out);
      }
      // createTempDirectory makes the folder owner-only; a bundle is read by a server that may
      // run as another user, so it gets the usual rwxr-xr-x before it takes its final name
      if (tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
      }
      Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      deleteTree(tmp);
      throw e;
    }
  }

  /** The manifest's flat numeric metrics map (GetModel shows it). */
  static Map<String, Object> flatMetrics(ReportData r) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (var h : r.heads()) {
      m.put(h.head() + ".accuracy", round(h.accuracy()));
      m.put(h.head() + ".macro_f1", round(h.macroF1()));
    }
    for (var o : r.ood()) {
      if (o.method().equals(r.servedMethod())) {
        m.put("unknown." + o.oodSet() + ".auroc", round(o.auroc()));
        m.put("unknown." + o.oodSet() + ".fpr95", round(o.fpr95()));
      }
    }
    return m;
  }

  private static double round(double v) {
    return Math.round(v * 1e6) / 1e6;
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }
}
