package dev.cerberus.trainer.report;

import dev.cerberus.trainer.eval.Metrics;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's pictures, drawn with XChart and returned as base64 PNG. */
public final class Charts {

  private Charts() {}

  private static XYChart chart(String title, String x, String y) {
    XYChart ch = new XYChartBuilder().width(640).height(420).title(title).xAxisTitle(x)
        .yAxisTitle(y).build();
    ch.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
    ch.getStyler().setChartBackgroundColor(Color.WHITE);
    ch.getStyler().setPlotGridLinesVisible(true);
    ch.getStyler().setMarkerSize(0);
    return ch;
  }

  public static String trainingCurves(List<Double> train, List<Double> val, String bestEpochs)
      throws IOException {
    XYChart ch = chart("Training curves (best epoch per head " + bestEpochs + ")", "epoch",
        "loss (sum over heads)");
    ch.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    double[] x = new double[train.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = i + 1;
    }
    ch.addSeries("train", x, train.stream().mapToDouble(Double::doubleValue).toArray())
        .setMarker(SeriesMarkers.NONE);
    ch.addSeries("validation", x, val.stream().mapToDouble(Double::doubleValue).toArray())
        .setMarker(SeriesMarkers.NONE);
    return png(ch);
  }

  /** ROC curves of every method for one OOD set (OOD = positive). */
  public static String roc(String oodSet, Map<String, Map<String, double[]>> scores) throws IOException {
    XYChart ch = chart("ROC: in-distribution test vs " + oodSet, "false positive rate (ID flagged unknown)",
        "true positive rate (OOD flagged unknown)");
    ch.getStyler().setXAxisMin(0.0).setXAxisMax(1.0).setYAxisMin(0.0).setYAxisMax(1.0);
    for (var e : scores.entrySet()) {
      double[][] r = Metrics.rocCurve(e.getValue().get("test"), e.getValue().get(oodSet));
      double auc = Metrics.auroc(e.getValue().get("test"), e.getValue().get(oodSet));
      ch.addSeries(String.format("%s (%.3f)", e.getKey(), auc), r[0], r[1])
          .setMarker(SeriesMarkers.NONE);
    }
    XYSeries diag = ch.addSeries("chance", new double[] {0, 1}, new double[] {0, 1});
    diag.setMarker(SeriesMarkers.NONE);
    diag.setLineColor(Color.LIGHT_GRAY);
    diag.setLineStyle(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
        new float[] {4f}, 0f));
    return png(ch);
  }

  /**
   * Score histograms (share of each set per bin) of one method: ID test against each OOD set,
   * with the calibrated threshold drawn as a vertical line. Bins span the 0.5-99.5 percentiles
   * so one extreme item does not squash the picture.
   */
  public static String histogram(String method, Map<String, double[]> byRole, List<String> sets,
      double threshold) throws IOException {
    XYChart ch = chart("Score histogram: " + method + " (higher = more unknown)", "score",
        "share of set");
    ch.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    double[] all = sets.stream().flatMapToDouble(s -> Arrays.stream(byRole.get(s))).toArray();
    Arrays.sort(all);
    double lo = all[(int) (all.length * 0.005)];
    double hi = all[Math.min(all.length - 1, (int) (all.length * 0.995))];
    if (hi <= lo) {
      hi = lo + 1e-6;
    }
    int bins = 40;
    double w = (hi - lo) / bins;
    double maxY = 0;
    for (String s : sets) {
      double[] v = byRole.get(s);
      double[] counts = new double[bins];
      for (double x : v) {
        int b = (int) Math.floor((x - lo) / w);
        counts[Math.max(0, Math.min(bins - 1, b))]++;
      }
      // a step outline: two points per bin edge
      double[] xs = new double[bins * 2];
      double[] ys = new double[bins * 2];
      for (int b = 0; b < bins; b++) {
        xs[2 * b] = lo + b * w;
        xs[2 * b + 1] = lo + (b + 1) * w;
        ys[2 * b] = counts[b] / v.length;
        ys[2 * b + 1] = counts[b] / v.length;
        maxY = Math.max(maxY, ys[2 * b]);
      }
      ch.addSeries(s.equals("test") ? "in-distribution test" : s, xs, ys)
          .setMarker(SeriesMarkers.NONE);
    }
    if (threshold >= lo && threshold <= hi) {
      XYSeries t = ch.addSeries("threshold", new double[] {threshold, threshold},
          new double[] {0, maxY});
      t.setMarker(SeriesMarkers.NONE);
      t.setLineColor(Color.BLACK);
    }
    return png(ch);
  }

  private static String png(XYChart ch) throws IOException {
    byte[] bytes = BitmapEncoder.getBitmapBytes(ch, BitmapEncoder.BitmapFormat.PNG);
    return Base64.getEncoder().encodeToString(bytes);
  }
}
