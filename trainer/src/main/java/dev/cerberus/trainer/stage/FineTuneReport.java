package dev.cerberus.trainer.stage;

import dev.cerberus.trainer.finetune.TopFineTuner;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Per-epoch curves and time of fine-tuning a top (metrics.json's {@code extraction.fine_tune}). */
public record FineTuneReport(List<TopFineTuner.Epoch> epochs, double seconds) {

  public FineTuneReport {
    epochs = List.copyOf(epochs);
  }

  public Map<String, Object> report() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("epochs", epochs);
    m.put("seconds", seconds);
    return m;
  }
}
