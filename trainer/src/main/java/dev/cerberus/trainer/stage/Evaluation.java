package dev.cerberus.trainer.stage;

import dev.cerberus.trainer.report.ReportData.HeadResult;
import dev.cerberus.trainer.report.ReportData.OodResult;
import java.util.List;

/** {@link EvaluationStage}'s output: per head, then per (OOD method, evaluation set). */
public record Evaluation(List<HeadResult> heads, List<OodResult> ood) {

  public Evaluation {
    heads = List.copyOf(heads);
    ood = List.copyOf(ood);
  }
}
