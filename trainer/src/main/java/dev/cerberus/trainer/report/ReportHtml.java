package dev.cerberus.trainer.report;

import java.io.IOException;
import java.util.Locale;

/** report.html: one self-contained page (PNG charts inlined as base64, no external files). */
public final class ReportHtml {

  private ReportHtml() {}

  public static String render(ReportData r) throws IOException {
    StringBuilder h = new StringBuilder();
    h.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>Cerberus training report: ")
        .append(esc(r.config().name())).append("</title><style>")
        .append("body{font-family:sans-serif;max-width:1400px;margin:2em auto;color:#222}")
        .append("table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;")
        .append("padding:3px 8px;text-align:right}th{background:#f3f3f3}")
        .append("td.l,th.l{text-align:left}.served{font-weight:bold;background:#eef6ff}")
        .append("img{margin:4px;border:1px solid #ddd}</style></head><body>");
    h.append("<h1>").append(esc(r.config().name())).append(" / ").append(esc(r.config().version()))
        .append("</h1><p>").append(esc(r.config().description())).append("</p>");
    h.append("<p>Config: <code>").append(esc(r.configFile())).append("</code>, seed ")
        .append(r.config().seed()).append(String.format(Locale.ROOT, ", run time %.1f s.</p>", r.seconds()));

    h.append("<h2>Data</h2><table><tr><th class=l>set</th><th>items</th><th class=l>role</th></tr>");
    r.setSizes().forEach((k, v) -> h.append("<tr><td class=l>").append(esc(k)).append("</td><td>")
        .append(v).append("</td><td class=l>").append(role(k)).append("</td></tr>"));
    h.append("</table><p><b>Training outliers</b> (used for outlier exposure / the gate, never evaluated): ")
        .append(esc(String.join(", ", r.trainingOutlierSources()))).append(".<br><b>Evaluation OOD sets</b>")
        .append(" (never seen in training): ").append(esc(String.join(", ", r.oodSets())))
        .append(".</p>");
    h.append("<p>Feature extraction: ").append(esc(String.valueOf(r.extraction()))).append("</p>");
    ownTops(h, r.extraction().get("own_tops"));

    h.append("<h2>Heads (held-out test)</h2><table><tr><th class=l>head</th><th>n</th>")
        .append("<th>accuracy</th><th>macro-F1</th><th>AUROC</th></tr>");
    for (var x : r.heads()) {
      h.append("<tr><td class=l>").append(esc(x.head())).append(x.gate() ? " (gate: ID test vs OOD sets)" : "")
          .append("</td><td>").append(x.n()).append("</td><td>").append(f(x.accuracy()))
          .append("</td><td>").append(f(x.macroF1())).append("</td><td>")
          .append(x.auroc() == null ? "" : f(x.auroc())).append("</td></tr>");
    }
    h.append("</table>");
    for (var x : r.heads()) {
      h.append("<h3>Confusion matrix: ").append(esc(x.head()))
          .append(" (rows = truth, columns = prediction)</h3><table><tr><th></th>");
      for (String l : x.labels()) {
        h.append("<th>").append(esc(l)).append("</th>");
      }
      h.append("</tr>");
      for (int i = 0; i < x.confusion().length; i++) {
        int rowSum = 0;
        for (int v : x.confusion()[i]) {
          rowSum += v;
        }
        h.append("<tr><th class=l>").append(esc(x.labels().get(i))).append("</th>");
        for (int j = 0; j < x.confusion()[i].length; j++) {
          int v = x.confusion()[i][j];
          double share = rowSum == 0 ? 0 : (double) v / rowSum;
          int shade = (int) (255 - 150 * share);
          String bg = i == j ? String.format("rgb(%d,255,%d)", shade, shade)
              : String.format("rgb(255,%d,%d)", shade, shade);
          h.append("<td style=\"background:").append(bg).append("\">").append(v).append("</td>");
        }
        h.append("</tr>");
      }
      h.append("</table>");
    }

    h.append("<h2>Unknown detection</h2><p>Served: <b>").append(esc(r.servedMethod()))
        .append("</b>, threshold ").append(String.format(Locale.ROOT, "%.6g", r.thresholds().get(r.servedMethod())))
        .append(" calibrated to accept ").append(f(r.targetTpr()))
        .append(" of in-distribution validation items (achieved ").append(f(r.servedValTpr()))
        .append("). AUROC and FPR95 compare the in-distribution test set with each evaluation OOD set; ")
        .append("decision accuracy counts a right known label or \"unknown\" for OOD items at each ")
        .append("method's calibrated threshold.</p>");
    h.append("<table><tr><th class=l>method</th>");
    for (String s : r.oodSets()) {
      h.append("<th colspan=3>").append(esc(s)).append("</th>");
    }
    h.append("</tr><tr><th></th>");
    for (int i = 0; i < r.oodSets().size(); i++) {
      h.append("<th>AUROC</th><th>FPR95</th><th>decision acc</th>");
    }
    h.append("</tr>");
    for (String m : r.scores().keySet()) {
      h.append("<tr").append(m.equals(r.servedMethod()) ? " class=served" : "").append("><td class=l>")
          .append(esc(m)).append("</td>");
      for (String s : r.oodSets()) {
        var o = r.ood().stream().filter(x -> x.method().equals(m) && x.oodSet().equals(s)).findFirst();
        if (o.isPresent()) {
          h.append("<td>").append(f(o.get().auroc())).append("</td><td>").append(f(o.get().fpr95()))
              .append("</td><td>").append(f(o.get().decisionAccuracy())).append("</td>");
        } else {
          h.append("<td></td><td></td><td></td>");
        }
      }
      h.append("</tr>");
    }
    h.append("</table>");
    h.append(ServedChoiceHtml.render(r.servedChoice()));
    if (!r.oodSets().isEmpty()) {
      h.append("<h3>ROC curves</h3>");
      for (String s : r.oodSets()) {
        h.append(img(Charts.roc(s, r.scores())));
      }
      h.append("<h3>Score histograms (in-distribution test vs each OOD set)</h3>");
      java.util.List<String> sets = new java.util.ArrayList<>();
      sets.add("test");
      sets.addAll(r.oodSets());
      for (String m : r.scores().keySet()) {
        h.append(img(Charts.histogram(m, r.scores().get(m), sets, r.thresholds().get(m))));
      }
    }
    h.append(UnknownReportHtml.render(r.perHeadUnknown()));
    h.append("<h2>Training</h2>").append(img(Charts.trainingCurves(r.history().trainLoss(),
        r.history().valLoss(), r.history().bestEpochs().toString())));
    h.append(String.format(Locale.ROOT, "<p>%d epochs run, best epoch per head %s kept%s, %.1f s.</p>",
        r.history().trainLoss().size(), esc(r.headNames() + " = " + r.history().bestEpochs()),
        r.history().stoppedEarly() ? " (early stop)" : "", r.history().seconds()));
    h.append("</body></html>\n");
    return h.toString();
  }

  private static String role(String set) {
    return switch (set) {
      case "train" -> "in-distribution, head training + OOD statistics";
      case "val" -> "in-distribution, early stopping + threshold calibration";
      case "test" -> "in-distribution, held-out evaluation";
      case "outliers-train" -> "training outliers (outlier exposure, gate)";
      case "outliers-val" -> "held-out training outliers (validation loss, ood.serve: auto; no gradient step)";
      default -> "";
    };
  }

  private static String img(String b64) {
    return "<img alt=\"chart\" src=\"data:image/png;base64," + b64 + "\">";
  }

  private static String f(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }

  static String esc(String s) {
    return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  /** One table per head with its own fine-tuned top: epoch, losses, validation accuracy. */
  private static void ownTops(StringBuilder h, Object ownTops) {
    if (!(ownTops instanceof java.util.Map<?, ?> m)) return;
    m.forEach((head, v) -> {
      var top = (java.util.Map<?, ?>) v;
      h.append("<h3>Own top of head ").append(esc(String.valueOf(head)))
          .append(String.format(Locale.ROOT, " (fine-tuned in %.1f s)</h3>", (Double) top.get("seconds")))
          .append("<table><tr><th>epoch</th><th>train loss</th><th>val loss</th>")
          .append("<th>val accuracy</th></tr>");
      for (Object o : (java.util.List<?>) top.get("epochs")) {
        var e = (dev.cerberus.trainer.finetune.TunedTop.Epoch) o;
        h.append("<tr><td>").append(e.epoch()).append("</td><td>").append(f(e.trainLoss()))
            .append("</td><td>").append(f(e.valLoss())).append("</td><td>")
            .append(f(e.valAccuracy())).append("</td></tr>");
      }
      h.append("</table>");
    });
  }
}
