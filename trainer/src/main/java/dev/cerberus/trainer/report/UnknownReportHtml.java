package dev.cerberus.trainer.report;

import java.util.Locale;

/** report.html's "Per-head unknown policies" section ({@code ood.per_head}). */
final class UnknownReportHtml {

  private UnknownReportHtml() {}

  static String render(UnknownReport u) {
    if (u == null) {
      return "";
    }
    StringBuilder h = new StringBuilder("<h2>Per-head unknown policies</h2>");
    h.append("<p>Each head's own policy on its own labelled test rows vs each OOD set; a head ")
        .append("accepts an item when its score is at most its threshold.</p>")
        .append("<table><tr><th class=l>head</th><th class=l>method</th><th>threshold</th>")
        .append("<th>val TPR</th><th class=l>OOD set</th><th>AUROC</th><th>FPR95</th>")
        .append("<th>ID accepted</th><th>OOD accepted</th></tr>");
    for (var r : u.heads()) {
      h.append(String.format(Locale.ROOT, "<tr><td class=l>%s</td><td class=l>%s</td><td>%.4g</td>"
              + "<td>%.3f</td><td class=l>%s</td><td>%.3f</td><td>%.3f</td><td>%.3f</td>"
              + "<td>%.3f</td></tr>", ReportHtml.esc(r.head()), ReportHtml.esc(r.method()),
          r.threshold(), r.validationTpr(), ReportHtml.esc(r.oodSet()), r.auroc(), r.fpr95(),
          r.idAccepted(), r.oodAccepted()));
    }
    var o = u.overall();
    h.append("</table><h3>Overall (\"none of these\")</h3><p>")
        .append(o.topLevel() ? "The top-level policy also decides." : "Top-level policy: none.")
        .append(String.format(Locale.ROOT, " ID test accepted by at least one head: %.3f; "
            + "served as known: %.3f.</p>", o.idAcceptedByAnyHead(), o.idKnown()))
        .append("<table><tr><th class=l>OOD set</th><th>rejected by all heads</th>")
        .append("<th>served as unknown</th></tr>");
    for (String s : o.oodRejectedByAllHeads().keySet()) {
      h.append(String.format(Locale.ROOT, "<tr><td class=l>%s</td><td>%.3f</td><td>%.3f</td></tr>",
          ReportHtml.esc(s), o.oodRejectedByAllHeads().get(s), o.oodUnknown().get(s)));
    }
    return h.append("</table>").toString();
  }
}
