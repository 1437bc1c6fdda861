package dev.cerberus.server.oip;

import dev.cerberus.proto.oip.InferBatchStatistics;
import dev.cerberus.proto.oip.InferStatistics;
import dev.cerberus.proto.oip.ModelStatistics;
import dev.cerberus.proto.oip.StatisticDuration;
import dev.cerberus.server.inference.PhaseStats;
import dev.cerberus.server.inference.ServedModel;
import dev.cerberus.server.inference.VersionStats;

/**
 * Triton's ModelStatistics of one loaded version, from {@link ServedModel#phaseStats} and
 * {@link ServedModel#stats}: the counters /metrics exports as {@code cerberus_inference_phase*},
 * {@code cerberus_items} and {@code cerberus_forward_passes}. Units are Triton's: counts, and
 * durations in nanoseconds. Cerberus has no response cache (cache_hit / cache_miss stay zero)
 * and prepares inputs before batching, so a batch's compute_input is zero.
 */
final class OipStatistics {

  private OipStatistics() {}

  static ModelStatistics of(ServedModel model) {
    PhaseStats phases = model.phaseStats();
    VersionStats stats = model.stats();
    ModelStatistics.Builder out = ModelStatistics.newBuilder()
        .setName(model.name())
        .setVersion(model.version())
        .setLastInference(phases.lastInferenceMillis())
        .setInferenceCount(stats.items())
        .setExecutionCount(stats.forwardPasses())
        .setInferenceStats(InferStatistics.newBuilder()
            .setSuccess(duration(phases.success()))
            .setFail(duration(phases.fail()))
            .setQueue(duration(phases.queue()))
            .setComputeInput(duration(phases.computeInput()))
            .setComputeInfer(duration(phases.computeInfer()))
            .setComputeOutput(duration(phases.computeOutput()))
            .setCacheHit(StatisticDuration.getDefaultInstance())
            .setCacheMiss(StatisticDuration.getDefaultInstance()));
    for (PhaseStats.Batch b : phases.batches()) {
      out.addBatchStats(InferBatchStatistics.newBuilder()
          .setBatchSize(b.size())
          .setComputeInput(StatisticDuration.newBuilder().setCount(b.count()))
          .setComputeInfer(StatisticDuration.newBuilder().setCount(b.count()).setNs(b.inferNanos()))
          .setComputeOutput(
              StatisticDuration.newBuilder().setCount(b.count()).setNs(b.outputNanos())));
    }
    return out.build();
  }

  private static StatisticDuration duration(PhaseStats.Count c) {
    return StatisticDuration.newBuilder().setCount(c.count()).setNs(c.nanos()).build();
  }
}
