package dev.cerberus.trainer.stage;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.cerberus.model.bundle.BundleException;
import dev.cerberus.model.bundle.BundleManifest;
import dev.cerberus.model.bundle.BundleWriter;
import dev.cerberus.trainer.config.TrainerConfig;
import dev.cerberus.trainer.config.TrainerConfig.SourceSpec;
import dev.cerberus.trainer.report.MetricsJson;
import dev.cerberus.trainer.report.ReportData;
import dev.cerberus.trainer.report.ReportHtml;
import dev.cerberus.trainer.train.HeadTask;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stage 9, everything -> the bundle folder: backbone files, head layers, OOD statistics,
 * bundle.json (with provenance and a flat metrics subset), metrics.json and report.html,
 * written through the model module's {@link BundleWriter}: staged beside the output, validated
 * by the server's reader, then moved into place.
 */
public final class BundleStage {

  public static final String TRAINER = "cerberus-trainer";

  private BundleStage() {}

  /** What report.html and metrics.json show. */
  public static ReportData report(RunPlan plan, Features features, Tops tops, TrainedHeads heads,
      OodScores scores, Calibration cal, Evaluation eval, double seconds) {
    TrainerConfig c = plan.config();
    Map<String, Object> extraction = features.extraction()
        .report(tops.fineTune() == null ? null : tops.fineTune().report());
    if (!tops.ownTops().isEmpty()) {
      extraction.put("own_tops", tops.ownTopsReport());
    }
    return new ReportData(c, plan.loaded().file().toString(), heads.names(), eval.heads(),
        eval.ood(), cal.thresholds(), cal.served(), cal.targetTpr(), cal.validationTpr(),
        heads.history(), extraction, scores.byName(), c.oodSets().stream().map(SourceSpec::name).toList(),
        c.outliers().stream().map(BundleStage::sourceName).toList(),
        tops.features().of(0).fixedSizes(), seconds, heads.weakSupervision(), eval.perHead(),
        scores.choice());
  }

  private static String sourceName(SourceSpec s) {
    return s.name() != null ? s.name() : s.images() != null ? s.images()
        : s.text() != null ? s.text() : s.jsonl();
  }

  /** Writes the bundle to the config's output (replacing it) and returns that folder. */
  public static Path write(RunPlan plan, Tops tops, String backboneSha, TrainedHeads heads,
      OodScores scores, Calibration cal, ReportData report) throws IOException {
    return write(plan, tops, backboneSha, heads, scores, cal, HeadPolicies.none(), report);
  }

  /** The same, with every head's own unknown policy ({@code heads[].unknown}). */
  public static Path write(RunPlan plan, Tops tops, String backboneSha, TrainedHeads heads,
      OodScores scores, Calibration cal, HeadPolicies own, ReportData report) throws IOException {
    return write(plan, tops, backboneSha, heads, scores, cal, own,
        BundleManifest.DecisionSpec.DEFAULT, report);
  }

  /** The same, with the decision order ({@link DecisionStage}). */
  public static Path write(RunPlan plan, Tops tops, String backboneSha, TrainedHeads heads,
      OodScores scores, Calibration cal, HeadPolicies own, BundleManifest.DecisionSpec decision,
      ReportData report) throws IOException {
    TrainerConfig c = plan.config();
    boolean topNone = !own.isEmpty() && c.ood().topLevel() == TrainerConfig.TopLevel.NONE;
    Path out = plan.loaded().resolve(c.output());
    try (BundleWriter w = BundleWriter.replacing(out)) {
      if (tops.topFile() == null) {
        w.copyFile(plan.backboneFile(), "backbone.pt");
      } else {
        w.copyFile(plan.backboneFile(), "trunk.pt");
        w.copyFile(tops.topFile(), "top.pt");
      }
      if ("text".equals(plan.input().kind())) {
        w.copyFile(plan.loaded().resolve(c.input().text().tokenizer()), "tokenizer.json");
      }
      List<BundleManifest.HeadSpec> specs = new ArrayList<>();
      for (int t = 0; t < heads.tasks().size(); t++) {
        HeadTask task = heads.tasks().get(t);
        List<String> labels = t == plan.gateIndex() ? List.of("in", "out")
            : c.heads().get(t).labels();
        specs.add(new BundleManifest.HeadSpec(task.name(), task.binary() ? "binary" : "multiclass",
            labels, w.writeHead(task.name(), heads.layers().get(t)), ownTop(w, tops, task.name()),
            ownPolicy(w, own.of(task.name()))));
      }
      if (!topNone) {
        for (var e : scores.fitted().get(cal.served()).files().entrySet()) {
          w.writeArray(e.getKey(), e.getValue());
        }
      }
      JsonMapper pretty = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
      w.writeText("metrics.json", pretty.writeValueAsString(MetricsJson.of(report)) + "\n");
      w.writeText("report.html", ReportHtml.render(report));
      w.finish(manifest(plan, tops, backboneSha, specs, topNone ? nonePolicy(plan) : cal.policy(),
          report).withDecision(decision));
    } catch (BundleException e) {
      throw new IOException("written bundle fails validation: " + e.getMessage(), e);
    }
    return out;
  }

  /** A head's own fine-tuned top as {@code heads/<name>/top.pt} (its manifest path), or null. */
  private static String ownTop(BundleWriter w, Tops tops, String head) throws IOException {
    var own = tops.ownTops().get(head);
    return own == null ? null : w.copyFile(own.topFile(), "heads/" + head + "/top.pt");
  }

  /**
   * A head's own policy, its statistics under {@code heads/<head>/unknown/} (the merge tool's
   * layout, so two heads' banks never collide), or null.
   */
  private static BundleManifest.UnknownPolicy ownPolicy(BundleWriter w, HeadPolicies.HeadPolicy p)
      throws IOException {
    if (p == null) return null;
    String folder = "heads/" + p.head() + "/unknown/";
    for (var e : p.fitted().files().entrySet()) {
      w.writeArray(folder + e.getKey(), e.getValue());
    }
    return p.policy().asHeadPolicy(rel -> folder + rel);
  }

  /** {@code ood.top_level: none}: no top-level verdict, the decision head still named. */
  private static BundleManifest.UnknownPolicy nonePolicy(RunPlan plan) {
    return new BundleManifest.UnknownPolicy(BundleManifest.UnknownPolicy.NONE,
        plan.decisionHead().name(), null, null, null, null, null, null, null, null, null, null,
        null, null);
  }

  static BundleManifest manifest(RunPlan plan, Tops tops, String backboneSha,
      List<BundleManifest.HeadSpec> heads, BundleManifest.UnknownPolicy unknown,
      ReportData report) {
    TrainerConfig c = plan.config();
    boolean split = tops.topFile() != null;
    return new BundleManifest(BundleManifest.SUPPORTED_SCHEMA_VERSION,
        c.name(), c.version(), c.description(), plan.input(),
        split
            ? new BundleManifest.BackboneSpec(null,
                new BundleManifest.SplitSpec("trunk.pt", "top.pt"), c.backbone().output(),
                c.backbone().featureSize(), null)
            : new BundleManifest.BackboneSpec("backbone.pt", null, c.backbone().output(),
                c.backbone().featureSize(), backboneSha),
        c.flipFeatures(), c.flipTta(), heads, unknown, provenance(plan, tops, backboneSha, report),
        flatMetrics(report));
  }

  private static Map<String, Object> provenance(RunPlan plan, Tops tops, String backboneSha,
      ReportData report) {
    TrainerConfig c = plan.config();
    boolean split = tops.topFile() != null;
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("trainer", TRAINER);
    p.put("config", plan.loaded().file().getFileName().toString());
    p.put("seed", c.seed());
    if (!split) {
      p.put("backbone_source", c.backbone().file());
    } else {
      // ordered: Map.of iterates in a per-JVM random order, which made bundle.json differ
      // between two runs of the same config
      Map<String, String> source = new LinkedHashMap<>();
      source.put("trunk", c.backbone().split().trunk());
      source.put("top", c.backbone().split().top());
      p.put("backbone_source", source);
      p.put("trunk_sha256", backboneSha);
      if (c.backbone().fineTune() != null) {
        p.put("top_fine_tuned", c.backbone().fineTune());
      }
      if (!tops.ownTops().isEmpty()) {
        Map<String, Object> own = new LinkedHashMap<>();
        for (var h : c.heads()) {
          if (tops.ownTops().containsKey(h.name())) {
            own.put(h.name(), h.fineTuneOr(c.backbone().fineTune()));
          }
        }
        p.put("own_tops_fine_tuned", own);
      }
    }
    p.put("training_outliers", report.trainingOutlierSources());
    p.put("evaluation_ood_sets", report.oodSets());
    if (plan.hasGate()) {
      p.put("gate_head", plan.gateName());
    }
    return p;
  }

  /** The manifest's flat numeric metrics map (GetModel shows it). */
  static Map<String, Object> flatMetrics(ReportData r) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (var h : r.heads()) {
      m.put(h.head() + ".accuracy", round(h.accuracy()));
      m.put(h.head() + ".macro_f1", round(h.macroF1()));
    }
    var own = r.perHeadUnknown();
    // with ood.top_level: none the bundle serves no top-level policy: no numbers for it
    boolean topServed = own == null || own.overall().topLevel();
    for (var o : r.ood()) {
      if (topServed && o.method().equals(r.servedMethod())) {
        m.put("unknown." + o.oodSet() + ".auroc", round(o.auroc()));
        m.put("unknown." + o.oodSet() + ".fpr95", round(o.fpr95()));
      }
    }
    if (own != null) {
      for (var h : own.heads()) {
        m.put(h.head() + ".unknown." + h.oodSet() + ".auroc", round(h.auroc()));
        m.put(h.head() + ".unknown." + h.oodSet() + ".fpr95", round(h.fpr95()));
      }
      m.put("unknown.overall.id_known", round(own.overall().idKnown()));
      own.overall().oodUnknown().forEach((set, v) ->
          m.put("unknown.overall." + set + ".unknown", round(v)));
    }
    return m;
  }

  private static double round(double v) {
    return Math.round(v * 1e6) / 1e6;
  }
}
