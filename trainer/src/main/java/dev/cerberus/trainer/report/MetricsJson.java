package dev.cerberus.trainer.report;

import dev.cerberus.trainer.ood.ServedChoice;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * metrics.json (schema documented in trainer/README.md): {@code heads}, {@code ood},
 * {@code unknown}, {@code sets}, {@code training}, {@code extraction}, {@code seconds}.
 */
public final class MetricsJson {

  public static final String SCHEMA = "cerberus.trainer.metrics/1";

  private MetricsJson() {}

  public static Map<String, Object> of(ReportData r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("schema", SCHEMA);
    // the seed the run used (the config's, or `train --seed`), so seeds can be told apart
    m.put("seed", r.config().seed());
    List<Map<String, Object>> heads = new ArrayList<>();
    for (var h : r.heads()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("head", h.head());
      e.put("accuracy", h.accuracy());
      e.put("macro_f1", h.macroF1());
      e.put("auroc", h.auroc());
      e.put("n", h.n());
      e.put("gate", h.gate());
      e.put("labels", h.labels());
      e.put("confusion", h.confusion());
      heads.add(e);
    }
    m.put("heads", heads);
    List<Map<String, Object>> ood = new ArrayList<>();
    for (var o : r.ood()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("method", o.method());
      e.put("ood_set", o.oodSet());
      e.put("auroc", o.auroc());
      e.put("fpr95", o.fpr95());
      e.put("decision_accuracy", o.decisionAccuracy());
      e.put("id_accepted", o.idAccepted());
      e.put("ood_accepted", o.oodAccepted());
      e.put("served", o.method().equals(r.servedMethod()));
      ood.add(e);
    }
    m.put("ood", ood);
    Map<String, Object> unknown = new LinkedHashMap<>();
    unknown.put("method", r.servedMethod());
    unknown.put("threshold", r.thresholds().get(r.servedMethod()));
    unknown.put("target_tpr", r.targetTpr());
    unknown.put("validation_tpr", r.servedValTpr());
    unknown.put("thresholds", r.thresholds());
    if (r.servedChoice() != null) {
      unknown.put("choice", choice(r.servedChoice()));
    }
    if (r.perHeadUnknown() != null) {
      unknown.put("top_level", r.perHeadUnknown().overall().topLevel() ? r.servedMethod() : "none");
      unknown.put("per_head", perHead(r.perHeadUnknown()));
      unknown.put("overall", overall(r.perHeadUnknown().overall()));
    }
    m.put("unknown", unknown);
    Map<String, Object> sets = new LinkedHashMap<>();
    sets.put("sizes", r.setSizes());
    sets.put("training_outliers", r.trainingOutlierSources());
    sets.put("evaluation_ood", r.oodSets());
    m.put("sets", sets);
    Map<String, Object> training = new LinkedHashMap<>();
    training.put("epochs_run", r.history().trainLoss().size());
    Map<String, Integer> best = new LinkedHashMap<>();
    for (int i = 0; i < r.headNames().size(); i++) {
      best.put(r.headNames().get(i), r.history().bestEpochs().get(i));
    }
    training.put("best_epoch", best);
    training.put("stopped_early", r.history().stoppedEarly());
    training.put("train_loss", r.history().trainLoss());
    training.put("val_loss", r.history().valLoss());
    training.put("seconds", r.history().seconds());
    if (!r.weakSupervision().isEmpty()) {
      // rows per head: real labels, pseudo-labels added by cross-labelling, still masked
      training.put("weak_supervision", r.weakSupervision());
    }
    m.put("training", training);
    m.put("extraction", r.extraction());
    m.put("seconds", r.seconds());
    return m;
  }

  /** Per head: its policy, then one entry per evaluation OOD set. */
  private static Map<String, Object> perHead(UnknownReport u) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (var row : u.heads()) {
      @SuppressWarnings("unchecked")
      Map<String, Object> h = (Map<String, Object>) out.computeIfAbsent(row.head(), k -> {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("method", row.method());
        e.put("threshold", row.threshold());
        e.put("validation_tpr", row.validationTpr());
        e.put("ood", new LinkedHashMap<String, Object>());
        return e;
      });
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("auroc", row.auroc());
      o.put("fpr95", row.fpr95());
      o.put("id_accepted", row.idAccepted());
      o.put("ood_accepted", row.oodAccepted());
      @SuppressWarnings("unchecked")
      Map<String, Object> sets = (Map<String, Object>) h.get("ood");
      sets.put(row.oodSet(), o);
    }
    return out;
  }

  /** ood.serve: auto: the rule, what it saw, every candidate's validation numbers, the choice. */
  private static Map<String, Object> choice(ServedChoice.Choice c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("rule", c.rule());
    m.put("chosen", c.chosen().name());
    m.put("members", c.chosen().members());
    m.put("held_out_outliers", c.heldOutOutliers());
    m.put("known_validation", c.knownValidation());
    m.put("target_tpr", c.targetTpr());
    List<Map<String, Object>> all = new ArrayList<>();
    for (var k : c.candidates()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("name", k.name());
      e.put("members", k.members());
      e.put("validation_fpr", k.fpr());
      e.put("validation_auroc", k.auroc());
      Map<String, Object> by = new LinkedHashMap<>();
      k.byProxy().forEach((p, v) -> by.put(p, Map.of("fpr", v[0], "auroc", v[1])));
      e.put("by_proxy", by);
      all.add(e);
    }
    m.put("candidates", all);
    return m;
  }

  private static Map<String, Object> overall(UnknownReport.Overall o) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("top_level_decides", o.topLevel());
    m.put("id_accepted_by_any_head", o.idAcceptedByAnyHead());
    m.put("ood_rejected_by_all_heads", o.oodRejectedByAllHeads());
    m.put("id_known", o.idKnown());
    m.put("ood_unknown", o.oodUnknown());
    return m;
  }
}
