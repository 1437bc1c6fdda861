package dev.cerberus.trainer.report;

import dev.cerberus.trainer.ood.ServedChoice;
import java.util.Locale;

/** report.html's section on {@code ood.serve: auto}: the rule, every candidate, the choice. */
final class ServedChoiceHtml {

  private ServedChoiceHtml() {}

  /** Empty when the served method was configured rather than chosen. */
  static String render(ServedChoice.Choice c) {
    if (c == null) {
      return "";
    }
    StringBuilder h = new StringBuilder("<h3>Served decision chosen by rule (ood.serve: auto)</h3>")
        .append("<p>").append(ReportHtml.esc(c.rule())).append(". Chosen on ")
        .append(c.knownValidation()).append(" known validation items and ")
        .append(c.heldOutOutliers()).append(" held-out training outliers at target TPR ")
        .append(String.format(Locale.ROOT, "%.2f", c.targetTpr()))
        .append("; the evaluation OOD sets were not read. Served as <b>auto</b> = <b>")
        .append(ReportHtml.esc(c.chosen().name())).append("</b>.</p>")
        .append("<table><tr><th class=l>candidate</th><th>rule FPR</th><th>rule AUROC</th>");
    var proxies = c.candidates().get(0).byProxy().keySet();
    proxies.forEach(p -> h.append("<th>").append(ReportHtml.esc(p)).append(" FPR / AUROC</th>"));
    h.append("</tr>");
    for (ServedChoice.Candidate k : c.candidates()) {
      h.append("<tr").append(k == c.chosen() ? " class=served" : "").append("><td class=l>")
          .append(ReportHtml.esc(k.name())).append("</td><td>")
          .append(String.format(Locale.ROOT, "%.4f", k.fpr())).append("</td><td>")
          .append(String.format(Locale.ROOT, "%.4f", k.auroc())).append("</td>");
      k.byProxy().values().forEach(v -> h.append(String.format(Locale.ROOT,
          "<td>%.4f / %.4f</td>", v[0], v[1])));
      h.append("</tr>");
    }
    return h.append("</table>").toString();
  }
}
