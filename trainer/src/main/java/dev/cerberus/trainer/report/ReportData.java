package dev.cerberus.trainer.report;

import dev.cerberus.trainer.weak.WeakSupervisionStage;
import dev.cerberus.trainer.config.TrainerConfig;
import dev.cerberus.trainer.ood.ServedChoice;
import dev.cerberus.trainer.train.TrainingHistory;
import java.util.List;
import java.util.Map;

/**
 * Everything the report and metrics.json show, collected by the run ({@code servedChoice}: the
 * candidates and choice of {@code ood.serve: auto}, else null).
 */
public record ReportData(
    TrainerConfig config,
    String configFile,
    List<String> headNames,
    List<HeadResult> heads,
    List<OodResult> ood,
    Map<String, Double> thresholds,
    String servedMethod,
    double targetTpr,
    double servedValTpr,
    TrainingHistory history,
    Map<String, Object> extraction,
    Map<String, Map<String, double[]>> scores,
    List<String> oodSets,
    List<String> trainingOutlierSources,
    Map<String, Integer> setSizes,
    double seconds,
    List<WeakSupervisionStage.HeadReport> weakSupervision,
    UnknownReport perHeadUnknown,
    ServedChoice.Choice servedChoice) {

  /** A run without weak supervision. */
  public ReportData(TrainerConfig config, String configFile, List<String> headNames,
      List<HeadResult> heads, List<OodResult> ood, Map<String, Double> thresholds,
      String servedMethod, double targetTpr, double servedValTpr, TrainingHistory history,
      Map<String, Object> extraction, Map<String, Map<String, double[]>> scores,
      List<String> oodSets, List<String> trainingOutlierSources, Map<String, Integer> setSizes,
      double seconds) {
    this(config, configFile, headNames, heads, ood, thresholds, servedMethod, targetTpr,
        servedValTpr, history, extraction, scores, oodSets, trainingOutlierSources, setSizes,
        seconds, List.of(), null, null);
  }

  /** Held-out test result of one head (the gate: ID test vs evaluation OOD sets). */
  public record HeadResult(String head, List<String> labels, int n, double accuracy,
      double macroF1, Double auroc, int[][] confusion, boolean gate) {}

  /**
   * One OOD method against one evaluation set: AUROC and FPR95 (ID test vs the set), and the
   * full decision at the calibrated threshold (right label, or "unknown" for the OOD items).
   */
  public record OodResult(String method, String oodSet, double auroc, double fpr95,
      double decisionAccuracy, double idAccepted, double oodAccepted) {}
}
