package dev.cerberus.trainer.protocol;

import dev.cerberus.trainer.protocol.ProtocolTables.MeanSd;
import dev.cerberus.trainer.protocol.TextTopicResult.Rate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * The text protocol's summary over base topics, as a JSON-ready map and as markdown: per topic
 * the served decision against the best single method on each OOD source, every top-level
 * method, each head's accuracy and own unknown policy, the overall verdict; then mean +- sd
 * (sample sd) over the topics.
 */
public final class TextProtocolTables {

  private TextProtocolTables() {}

  static List<String> methods(List<TextTopicResult> rs) {
    Set<String> s = new LinkedHashSet<>();
    rs.forEach(r -> s.addAll(r.methods().keySet()));
    return new ArrayList<>(s);
  }

  static List<String> sets(List<TextTopicResult> rs) {
    Set<String> s = new LinkedHashSet<>();
    rs.forEach(r -> r.methods().values().forEach(m -> s.addAll(m.keySet())));
    return new ArrayList<>(s);
  }

  /** Mean over the topics that have the value (NaN where a topic lacks it is skipped). */
  static MeanSd over(List<TextTopicResult> rs, ToDoubleFunction<TextTopicResult> f) {
    List<Double> v = new ArrayList<>();
    rs.forEach(r -> {
      double x = f.applyAsDouble(r);
      if (!Double.isNaN(x)) {
        v.add(x);
      }
    });
    return MeanSd.of(v);
  }

  static double rate(TextTopicResult r, String method, String set, boolean auroc) {
    Rate x = r.methods().getOrDefault(method, Map.of()).get(set);
    return x == null ? Double.NaN : auroc ? x.auroc() : x.fpr95();
  }

  /** A topic's per-head policies averaged over its heads. */
  static double perHeadMean(TextTopicResult r, String set, boolean auroc) {
    return r.perHead().values().stream().map(m -> m.get(set)).filter(x -> x != null)
        .mapToDouble(x -> auroc ? x.auroc() : x.fpr95()).average().orElse(Double.NaN);
  }

  static double overallUnknown(TextTopicResult r, String set) {
    return r.overall() == null ? Double.NaN : r.overall().oodUnknown().getOrDefault(set, Double.NaN);
  }

  /** summary JSON: every topic's numbers, then mean_sd over topics. */
  public static Map<String, Object> json(List<TextTopicResult> rs, String tag) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("schema", "cerberus.text-ood-protocol/1");
    out.put("tag", tag);
    List<Map<String, Object>> topics = new ArrayList<>();
    for (TextTopicResult r : rs) {
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("topic", r.topic().name());
      t.put("topic_seed", r.topic().seed());
      t.put("base", r.topic().base());
      t.put("heads", r.topic().heads());
      t.put("head_accuracy", r.headAccuracy());
      t.put("served", r.served());
      t.put("chosen", r.chosen());
      t.put("methods", r.methods());
      Map<String, String> best = new LinkedHashMap<>();
      sets(rs).forEach(s -> best.put(s, r.bestSingle(s)));
      t.put("best_single_by_fpr95", best);
      t.put("per_head_method", r.headMethod());
      t.put("per_head", r.perHead());
      t.put("overall", overall(r.overall()));
      topics.add(t);
    }
    out.put("topics", topics);
    Map<String, Object> agg = new LinkedHashMap<>();
    agg.put("mean_head_accuracy", over(rs, TextTopicResult::meanAccuracy));
    for (String m : methods(rs)) {
      Map<String, Object> a = new LinkedHashMap<>();
      for (String s : sets(rs)) {
        a.put(s + "_auroc", over(rs, r -> rate(r, m, s, true)));
        a.put(s + "_fpr95", over(rs, r -> rate(r, m, s, false)));
      }
      agg.put(m, a);
    }
    Map<String, Object> ph = new LinkedHashMap<>();
    Map<String, Object> ov = new LinkedHashMap<>();
    ov.put("id_known", over(rs, r -> r.overall() == null ? Double.NaN : r.overall().idKnown()));
    for (String s : sets(rs)) {
      ph.put(s + "_auroc", over(rs, r -> perHeadMean(r, s, true)));
      ph.put(s + "_fpr95", over(rs, r -> perHeadMean(r, s, false)));
      ov.put(s + "_unknown", over(rs, r -> overallUnknown(r, s)));
    }
    agg.put("per_head", ph);
    agg.put("overall", ov);
    out.put("mean_sd", agg);
    return out;
  }

  static Map<String, Object> overall(TextTopicResult.Overall o) {
    if (o == null) {
      return null;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id_known", o.idKnown());
    m.put("id_accepted_by_any_head", o.idAcceptedByAnyHead());
    m.put("ood_unknown", o.oodUnknown());
    m.put("ood_rejected_by_all_heads", o.oodRejectedByAllHeads());
    return m;
  }

  /** The markdown tables (the docs copy them). */
  public static String markdown(List<TextTopicResult> rs, String tag) {
    List<String> sets = sets(rs);
    StringBuilder b = new StringBuilder("# Text OOD protocol: " + tag + "\n\n");
    b.append("Served decision per topic (AUROC / FPR95 against each OOD source; best single ="
        + " lowest FPR95 among the single methods)\n\n| topic | base vs X | mean head acc | served |");
    sets.forEach(s -> b.append(" ").append(s).append(" | best single on ").append(s).append(" |"));
    b.append("\n|---|---|---|---|").append("---|---|".repeat(sets.size())).append("\n");
    for (TextTopicResult r : rs) {
      b.append("| ").append(r.topic().name()).append(" | ").append(r.topic().base())
          .append(" vs ").append(String.join(", ", r.topic().heads())).append(" | ")
          .append(f4(r.meanAccuracy())).append(" | ").append(r.chosen()).append(" |");
      for (String s : sets) {
        String best = r.bestSingle(s);
        b.append(" ").append(pair(r.methods().get(r.served()).get(s))).append(" | ").append(best)
            .append(" (").append(pair(r.methods().get(best).get(s))).append(") |");
      }
      b.append("\n");
    }
    b.append(TextProtocolDetail.methodsTable(rs, sets));
    b.append(TextProtocolDetail.headsTable(rs, sets));
    b.append(TextProtocolDetail.overallTable(rs, sets));
    b.append(TextProtocolDetail.meanTable(rs, sets));
    return b.toString();
  }

  static String pair(Rate r) {
    return r == null ? "-" : f3(r.auroc()) + " / " + f3(r.fpr95());
  }

  static String f3(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
  }

  static String f4(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.4f", v);
  }
}
