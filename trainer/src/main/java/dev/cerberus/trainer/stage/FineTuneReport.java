package dev.cerberus.trainer.stage;

import dev.cerberus.trainer.finetune.TopFineTuner;
import dev.cerberus.trainer.finetune.TunedTop;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-epoch curves and time of fine-tuning a top (metrics.json's {@code extraction.fine_tune}
 * for the shared top, {@code extraction.own_tops.<head>} for a head's own top).
 */
public record FineTuneReport(List<TunedTop.Epoch> epochs, double seconds) {

  public FineTuneReport {
    epochs = List.copyOf(epochs);
  }

  /** From the image fine-tuner's history (same fields, so metrics.json keeps its bytes). */
  static FineTuneReport ofImage(List<TopFineTuner.Epoch> history, double seconds) {
    return new FineTuneReport(history.stream()
        .map(e -> new TunedTop.Epoch(e.epoch(), e.trainLoss(), e.valLoss(), e.valAccuracy()))
        .toList(), seconds);
  }

  static FineTuneReport of(TunedTop t) {
    return new FineTuneReport(t.history(), t.seconds());
  }

  public Map<String, Object> report() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("epochs", epochs);
    m.put("seconds", seconds);
    return m;
  }
}
