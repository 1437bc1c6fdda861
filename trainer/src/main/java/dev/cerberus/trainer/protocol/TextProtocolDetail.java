package dev.cerberus.trainer.protocol;

import static dev.cerberus.trainer.protocol.TextProtocolTables.f3;
import static dev.cerberus.trainer.protocol.TextProtocolTables.f4;
import static dev.cerberus.trainer.protocol.TextProtocolTables.over;
import static dev.cerberus.trainer.protocol.TextProtocolTables.pair;

import java.util.List;

/** The text protocol's detail tables (markdown), apart from the summary to keep files small. */
final class TextProtocolDetail {

  private TextProtocolDetail() {}

  private static String header(String first, List<String> sets) {
    StringBuilder b = new StringBuilder("| " + first + " |");
    sets.forEach(s -> b.append(" ").append(s).append(" AUROC | ").append(s).append(" FPR95 |"));
    return b.append("\n|").append("---|".repeat(first.split("\\|").length))
        .append("---|---|".repeat(sets.size())).append("\n").toString();
  }

  /** Every top-level method per topic; the served one as {@code auto = <chosen>}. */
  static String methodsTable(List<TextTopicResult> rs, List<String> sets) {
    StringBuilder b = new StringBuilder("\nEvery top-level method per topic (scored on the first"
        + " head's features and logits, ID = all heads' test rows)\n\n");
    b.append(header("topic | method", sets));
    for (TextTopicResult r : rs) {
      r.methods().forEach((m, v) -> {
        String name = m.equals(r.served()) && !m.equals(r.chosen()) ? m + " = " + r.chosen() : m;
        b.append("| ").append(r.topic().name()).append(" | ").append(name).append(" |");
        sets.forEach(s -> b.append(" ").append(pair(v.get(s)).replace(" / ", " | ")).append(" |"));
        b.append("\n");
      });
    }
    return b.toString();
  }

  /** Per head: test accuracy and its own unknown policy against each source. */
  static String headsTable(List<TextTopicResult> rs, List<String> sets) {
    StringBuilder b = new StringBuilder("\nPer head: test accuracy (base vs X) and the head's own"
        + " unknown policy (ID = the head's labelled test rows)\n\n");
    b.append(header("topic | head | accuracy | policy", sets));
    for (TextTopicResult r : rs) {
      r.headAccuracy().forEach((h, acc) -> {
        b.append("| ").append(r.topic().name()).append(" | ").append(h).append(" | ")
            .append(f4(acc)).append(" | ").append(r.headMethod() == null ? "-" : r.headMethod())
            .append(" |");
        var own = r.perHead().get(h);
        sets.forEach(s -> b.append(" ")
            .append(pair(own == null ? null : own.get(s)).replace(" / ", " | ")).append(" |"));
        b.append("\n");
      });
    }
    return b.toString();
  }

  /** The overall verdict: served (top-level and "some head accepts") and "none of these". */
  static String overallTable(List<TextTopicResult> rs, List<String> sets) {
    StringBuilder b = new StringBuilder("\nOverall verdict per topic (ID known = served verdict"
        + " accepts; any head = some head's own policy accepts; unknown = served verdict rejects;"
        + " none = no head accepts)\n\n| topic | ID known | ID any head |");
    sets.forEach(s -> b.append(" ").append(s).append(" unknown | ").append(s).append(" none |"));
    b.append("\n|---|---|---|").append("---|---|".repeat(sets.size())).append("\n");
    for (TextTopicResult r : rs) {
      var o = r.overall();
      if (o == null) {
        continue;
      }
      b.append("| ").append(r.topic().name()).append(" | ").append(f3(o.idKnown())).append(" | ")
          .append(f3(o.idAcceptedByAnyHead())).append(" |");
      sets.forEach(s -> b.append(" ").append(f3(o.oodUnknown().getOrDefault(s, Double.NaN)))
          .append(" | ").append(f3(o.oodRejectedByAllHeads().getOrDefault(s, Double.NaN)))
          .append(" |"));
      b.append("\n");
    }
    return b.toString();
  }

  /** Mean +- sd over topics: every method, the per-head policies, the overall verdict. */
  static String meanTable(List<TextTopicResult> rs, List<String> sets) {
    StringBuilder b = new StringBuilder("\nMean +- sd over " + rs.size() + " topics\n\n");
    b.append(header("method", sets));
    for (String m : TextProtocolTables.methods(rs)) {
      b.append("| ").append(m).append(" |");
      sets.forEach(s -> b.append(" ").append(over(rs, r -> TextProtocolTables.rate(r, m, s, true))
          .text()).append(" | ").append(over(rs, r -> TextProtocolTables.rate(r, m, s, false))
          .text()).append(" |"));
      b.append("\n");
    }
    b.append("| per-head policies (mean over heads) |");
    sets.forEach(s -> b.append(" ").append(over(rs, r -> TextProtocolTables.perHeadMean(r, s,
        true)).text()).append(" | ").append(over(rs, r -> TextProtocolTables.perHeadMean(r, s,
        false)).text()).append(" |"));
    b.append("\n\nMean head accuracy: ").append(over(rs, TextTopicResult::meanAccuracy).text())
        .append("; overall ID known: ").append(over(rs, r -> r.overall() == null ? Double.NaN
            : r.overall().idKnown()).text());
    sets.forEach(s -> b.append("; ").append(s).append(" unknown: ")
        .append(over(rs, r -> TextProtocolTables.overallUnknown(r, s)).text()));
    return b.append("\n").toString();
  }
}
