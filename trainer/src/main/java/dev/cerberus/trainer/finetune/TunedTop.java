package dev.cerberus.trainer.finetune;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One head's fine-tuned top: the TorchScript file to ship as that head's {@code heads[].top}
 * (same signature as the backbone's top), that head's pooled features for every set of the
 * {@link TopInputs} (row order kept), the per-epoch history for the report, and the linear
 * layer trained alongside the top ({@code probe}: not shipped, the head is refitted on the tuned
 * features; kept for diagnostics and tests).
 */
public record TunedTop(String head, Path topFile, Map<String, float[][]> features,
    List<Epoch> history, Linear probe, double seconds) {

  /** A linear layer: {@code weight} [outputs x F] row-major, {@code bias} [outputs]. */
  public record Linear(float[] weight, float[] bias) {
    /** Logits of one feature row. */
    public float[] apply(float[] x) {
      float[] out = bias.clone();
      int f = x.length;
      for (int k = 0; k < out.length; k++) {
        for (int j = 0; j < f; j++) out[k] += weight[k * f + j] * x[j];
      }
      return out;
    }
  }

  /** Per-epoch mean training loss, validation loss and validation accuracy (NaN: no val rows). */
  public record Epoch(int epoch, double trainLoss, double valLoss, double valAccuracy) {}
}
