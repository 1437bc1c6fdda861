package dev.cerberus.bench;

import java.util.List;

/**
 * One load run.
 *
 * @param models one model, or several for the fan-out of the "separate bundles" deployment (a
 *     logical request then goes to every model and completes when all have answered)
 * @param stream ClassifyStream instead of unary Classify
 * @param concurrency closed loop: requests (or streams) in flight
 * @param itemsPerRequest items per request (per stream message when streaming)
 * @param streamWindow items in flight per stream
 * @param warmUpSeconds load before measuring
 * @param durationSeconds measured time (upper bound when maxRequests is set)
 * @param maxRequests stop after this many measured requests (0 = by duration only)
 * @param rate open loop: requests per second at a fixed schedule (0 = closed loop); latency is
 *     measured from the scheduled time, so a stalled server is not hidden
 */
record LoadSpec(
    List<String> models,
    boolean stream,
    int concurrency,
    int itemsPerRequest,
    int streamWindow,
    double warmUpSeconds,
    double durationSeconds,
    long maxRequests,
    double rate) {

  String describe() {
    return (stream ? "stream" : "unary") + " c=" + concurrency + " items/req=" + itemsPerRequest
        + (stream ? " window=" + streamWindow : "") + (rate > 0 ? " rate=" + Math.round(rate) + "/s" : "")
        + (models.size() > 1 ? " fan-out=" + models.size() + " models" : " model=" + models.get(0));
  }
}
