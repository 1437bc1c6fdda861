package dev.cerberus.trainer.protocol;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The protocol's summary over splits: per split and mean +- sd (sample sd) for every method
 * and the served decision, and the targets per split, as a JSON-ready map and as
 * markdown.
 */
public final class ProtocolTables {

  /** The far-OOD AUROC every far set of every split should reach (issue 14). */
  public static final double FAR_AUROC_TARGET = 0.99;

  private ProtocolTables() {}

  /** Mean and sample standard deviation (0 for one value). */
  public record MeanSd(double mean, double sd) {
    static MeanSd of(List<Double> v) {
      double m = v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
      double ss = v.stream().mapToDouble(x -> (x - m) * (x - m)).sum();
      return new MeanSd(m, v.size() > 1 ? Math.sqrt(ss / (v.size() - 1)) : 0);
    }

    String text() {
      return String.format(Locale.ROOT, "%.3f +- %.3f", mean, sd);
    }
  }

  /** Methods in first-seen order over the splits. */
  static List<String> methods(List<SplitResult> rs) {
    Set<String> s = new LinkedHashSet<>();
    rs.forEach(r -> s.addAll(r.methods().keySet()));
    return new ArrayList<>(s);
  }

  static List<String> farSets(List<SplitResult> rs) {
    Set<String> s = new LinkedHashSet<>();
    rs.forEach(r -> r.methods().values().forEach(m -> s.addAll(m.farAuroc().keySet())));
    return new ArrayList<>(s);
  }

  /** summary JSON: splits (every number), mean_sd per method, targets per split. */
  public static Map<String, Object> json(List<SplitResult> rs, String tag) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("schema", "cerberus.ood-protocol/1");
    out.put("tag", tag);
    List<Map<String, Object>> splits = new ArrayList<>();
    for (SplitResult r : rs) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("split", r.split().name());
      s.put("split_seed", r.split().seed());
      s.put("known", r.split().known());
      s.put("id_accuracy", r.idAccuracy());
      s.put("served", r.served());
      s.put("chosen", r.chosen());
      Map<String, Object> ms = new LinkedHashMap<>();
      r.methods().forEach((m, v) -> ms.put(m, Map.of("near_auroc", v.nearAuroc(),
          "near_fpr95", v.nearFpr95(), "far_auroc", v.farAuroc())));
      s.put("methods", ms);
      s.put("targets", targets(r));
      splits.add(s);
    }
    out.put("splits", splits);
    Map<String, Object> agg = new LinkedHashMap<>();
    for (String m : methods(rs)) {
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("near_auroc", meanSd(rs, m, "near_auroc"));
      a.put("near_fpr95", meanSd(rs, m, "near_fpr95"));
      for (String f : farSets(rs)) {
        a.put("far_auroc_" + f, meanSd(rs, m, f));
      }
      agg.put(m, a);
    }
    out.put("mean_sd", agg);
    out.put("id_accuracy", MeanSd.of(rs.stream().map(SplitResult::idAccuracy).toList()));
    return out;
  }

  /** The per-split targets for the served decision. */
  static Map<String, Object> targets(SplitResult r) {
    Map<String, Object> t = new LinkedHashMap<>();
    SplitResult.MethodResult served = r.methods().get(r.served());
    String best = r.bestSingle();
    t.put("best_single", best);
    t.put("best_single_near_fpr95", r.methods().get(best).nearFpr95());
    t.put("served_near_fpr95", served.nearFpr95());
    t.put("served_fpr95_at_or_below_best_single",
        served.nearFpr95() <= r.methods().get(best).nearFpr95());
    t.put("served_min_far_auroc", served.minFarAuroc());
    t.put("served_far_auroc_at_least_0.99", served.minFarAuroc() >= FAR_AUROC_TARGET);
    return t;
  }

  static MeanSd meanSd(List<SplitResult> rs, String m, String what) {
    List<Double> v = new ArrayList<>();
    for (SplitResult r : rs) {
      SplitResult.MethodResult x = r.methods().get(m);
      if (x == null) {
        continue;
      }
      v.add(switch (what) {
        case "near_auroc" -> x.nearAuroc();
        case "near_fpr95" -> x.nearFpr95();
        default -> x.farAuroc().getOrDefault(what, Double.NaN);
      });
    }
    return MeanSd.of(v);
  }

  /** Markdown: targets per split, every method per split, then mean +- sd per method. */
  public static String markdown(List<SplitResult> rs, String tag) {
    List<String> far = farSets(rs);
    StringBuilder b = new StringBuilder("# OOD protocol: ").append(tag).append("\n\n")
        .append("Served decision per split (targets: served near-OOD FPR95 <= best single; every")
        .append(" far AUROC >= ").append(FAR_AUROC_TARGET).append(")\n\n")
        .append("| split | known | ID acc | served | served near AUROC | served near FPR95 |")
        .append(" best single (FPR95) | <= best | min far AUROC |\n")
        .append("|---|---|---|---|---|---|---|---|---|\n");
    for (SplitResult r : rs) {
      var t = targets(r);
      var s = r.methods().get(r.served());
      b.append(String.format(Locale.ROOT, "| %s | %s | %.4f | %s | %.3f | %.3f | %s (%.3f) | %s | %.3f |\n",
          r.split().name(), String.join(", ", r.split().known()), r.idAccuracy(), r.chosen(),
          s.nearAuroc(), s.nearFpr95(), t.get("best_single"), t.get("best_single_near_fpr95"),
          (Boolean) t.get("served_fpr95_at_or_below_best_single") ? "yes" : "no", s.minFarAuroc()));
    }
    b.append("\nEvery method per split (near-OOD AUROC / FPR95, far-OOD AUROC per set)\n\n")
        .append("| split | method | near AUROC | near FPR95 |");
    far.forEach(f -> b.append(' ').append(f).append(" AUROC |"));
    b.append("\n|---|---|---|---|").append("---|".repeat(far.size())).append('\n');
    for (SplitResult r : rs) {
      r.methods().forEach((m, v) -> {
        b.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %.3f |", r.split().name(),
            m.equals(r.served()) ? m + " = " + r.chosen() : m, v.nearAuroc(), v.nearFpr95()));
        far.forEach(f -> b.append(String.format(Locale.ROOT, " %.3f |",
            v.farAuroc().getOrDefault(f, Double.NaN))));
        b.append('\n');
      });
    }
    b.append("\nMean +- sd over ").append(rs.size()).append(" splits\n\n")
        .append("| method | near AUROC | near FPR95 |");
    far.forEach(f -> b.append(' ').append(f).append(" AUROC |"));
    b.append("\n|---|---|---|").append("---|".repeat(far.size())).append('\n');
    for (String m : methods(rs)) {
      b.append("| ").append(m).append(" | ").append(meanSd(rs, m, "near_auroc").text())
          .append(" | ").append(meanSd(rs, m, "near_fpr95").text()).append(" |");
      far.forEach(f -> b.append(' ').append(meanSd(rs, m, f).text()).append(" |"));
      b.append('\n');
    }
    b.append(String.format(Locale.ROOT, "\nID accuracy: %s%n",
        MeanSd.of(rs.stream().map(SplitResult::idAccuracy).toList()).text()));
    return b.toString();
  }
}
