package dev.cerberus.trainer.weak;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The markdown table of {@link WeakSupervisionTextbenchTest}: mean +- sd over seeds. */
final class WeakTable {

  private WeakTable() {}

  static String render(List<String> heads, Map<String, List<WeakSupervisionTextbenchTest.Model>> runs,
      List<int[]> real) {
    List<WeakSupervisionTextbenchTest.Model> masked = runs.get("masked");
    StringBuilder sb = new StringBuilder();
    sb.append("| model | ");
    for (String h : heads) sb.append(h).append(" acc | ");
    sb.append("mean acc | ");
    for (String h : heads) sb.append(h).append(" agree | ");
    sb.append("mean agree | s/run |\n|---|");
    sb.append("---:|".repeat(2 * heads.size() + 3)).append('\n');
    int n = runs.entrySet().stream().filter(e -> !e.getKey().equals("masked"))
        .mapToInt(e -> e.getValue().size()).findFirst().orElse(masked.size() - 1);
    for (var e : runs.entrySet()) {
      // masked holds one extra run (the next seed), used only by the last row
      row(sb, e.getKey(), e.getValue().subList(0, n), masked, 0, heads, real);
    }
    // two single trainings that differ only in seed: the agreement reached without weak labels
    row(sb, "masked, next seed", masked.subList(0, n), masked, 1, heads, real);
    return sb.toString();
  }

  /** One line; agreement against {@code reference} at seed index s + shift. */
  private static void row(StringBuilder sb, String name, List<WeakSupervisionTextbenchTest.Model> ms,
      List<WeakSupervisionTextbenchTest.Model> reference, int shift, List<String> heads,
      List<int[]> real) {
    int n = ms.size();
    sb.append("| ").append(name).append(" | ");
    double[] meanAcc = new double[n];
    double[] meanAgree = new double[n];
    double[][] acc = new double[heads.size()][n];
    double[][] agree = new double[heads.size()][n];
    for (int h = 0; h < heads.size(); h++) {
      for (int s = 0; s < n; s++) {
        acc[h][s] = ms.get(s).accuracy()[h];
        agree[h][s] = Agreement.on(heads.get(h), ms.get(s).predicted().get(h),
            reference.get(s + shift).predicted().get(h),
            Agreement.otherTasksRows(real, h)).rate();
        meanAcc[s] += acc[h][s] / heads.size();
        meanAgree[s] += agree[h][s] / heads.size();
      }
    }
    for (double[] a : acc) sb.append(fmt(a)).append(" | ");
    sb.append("**").append(fmt(meanAcc)).append("** | ");
    for (double[] a : agree) sb.append(fmt(a)).append(" | ");
    sb.append("**").append(fmt(meanAgree)).append("** | ");
    double sec = ms.stream().mapToDouble(WeakSupervisionTextbenchTest.Model::seconds).average().orElse(0);
    sb.append(String.format(Locale.ROOT, "%.0f", sec)).append(" |\n");
  }

  static String fmt(double[] x) {
    double m = 0;
    for (double v : x) m += v / x.length;
    double ss = 0;
    for (double v : x) ss += (v - m) * (v - m);
    double sd = x.length > 1 ? Math.sqrt(ss / (x.length - 1)) : 0;
    return String.format(Locale.ROOT, "%.3f +- %.3f", m, sd).replace("0.", ".");
  }
}
