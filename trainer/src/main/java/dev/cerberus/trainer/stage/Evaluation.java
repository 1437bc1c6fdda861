package dev.cerberus.trainer.stage;

import dev.cerberus.trainer.report.ReportData.HeadResult;
import dev.cerberus.trainer.report.ReportData.OodResult;
import dev.cerberus.trainer.report.UnknownReport;
import java.util.List;

/**
 * {@link EvaluationStage}'s output: per head, then per (OOD method, evaluation set), and the
 * per-head unknown policies ({@link HeadPolicyEvaluation}; null without {@code ood.per_head}).
 */
public record Evaluation(List<HeadResult> heads, List<OodResult> ood, UnknownReport perHead) {

  public Evaluation {
    heads = List.copyOf(heads);
    ood = List.copyOf(ood);
  }

  public Evaluation(List<HeadResult> heads, List<OodResult> ood) {
    this(heads, ood, null);
  }

  public Evaluation withPerHead(UnknownReport report) {
    return new Evaluation(heads, ood, report);
  }
}
