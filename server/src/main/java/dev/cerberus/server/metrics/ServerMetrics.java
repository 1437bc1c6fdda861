package dev.cerberus.server.metrics;

import dev.cerberus.server.inference.BatchObserver;
import dev.cerberus.server.inference.ModelRepository;
import dev.cerberus.server.inference.ServedModel;
import dev.cerberus.server.inference.VersionStats;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The server's Prometheus metrics, in a registry of its own (so two servers in one JVM, as in
 * tests, never collide). Per-version counters are read from the same counters GetModel reports
 * (callbacks at scrape time), so the two views never disagree; latencies and batch sizes are
 * histograms fed by each version's inference thread.
 */
public final class ServerMetrics {

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter requests;
  private final Histogram batchSize;
  private final Histogram queueDelay;
  private final Histogram forwardLatency;

  public ServerMetrics() {
    requests = Counter.builder()
        .name("cerberus_requests")
        .help("gRPC calls and REST requests (method rest:<operation>) finished, by method and"
            + " gRPC status code")
        .labelNames("method", "code")
        .register(registry);
    batchSize = Histogram.builder()
        .name("cerberus_batch_size")
        .help("Items per forward pass")
        .labelNames("model", "version")
        .classicOnly()
        .classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128, 256)
        .register(registry);
    queueDelay = Histogram.builder()
        .name("cerberus_queue_delay_seconds")
        .help("Time the oldest item of a batch waited in the batcher before its forward pass")
        .unit(Unit.SECONDS)
        .labelNames("model", "version")
        .classicOnly()
        .classicUpperBounds(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1)
        .register(registry);
    forwardLatency = Histogram.builder()
        .name("cerberus_forward_seconds")
        .help("Wall time of one forward pass (backbone + every head)")
        .unit(Unit.SECONDS)
        .labelNames("model", "version")
        .classicOnly()
        .classicUpperBounds(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
        .register(registry);
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  /** Counts one finished call. */
  public void callFinished(String fullMethodName, String code) {
    requests.labelValues(fullMethodName, code).inc();
  }

  /** The histograms of one model version, with their labels bound once. */
  public BatchObserver observerFor(String model, String version) {
    DistributionDataPoint size = batchSize.labelValues(model, version);
    DistributionDataPoint delay = queueDelay.labelValues(model, version);
    DistributionDataPoint forward = forwardLatency.labelValues(model, version);
    return (items, waitNanos, forwardNanos) -> {
      size.observe(items);
      delay.observe(waitNanos / 1e9);
      forward.observe(forwardNanos / 1e9);
    };
  }

  /** Exposes every loaded version's counters, read at scrape time. */
  public void registerModelCounters(ModelRepository repository) {
    Supplier<List<ServedModel>> loaded =
        () -> repository.all().values().stream().flatMap(List::stream).toList();
    counter("cerberus_forward_passes", "Forward passes (one per batch)", loaded,
        VersionStats::forwardPasses);
    counter("cerberus_items", "Items computed", loaded, VersionStats::items);
    counter("cerberus_items_rejected_queue_full", "Items refused because the queue was full",
        loaded, VersionStats::rejectedQueueFull);
    counter("cerberus_items_dropped_expired", "Items dropped before compute: deadline passed",
        loaded, VersionStats::droppedExpired);
    counter("cerberus_items_dropped_cancelled", "Items dropped before compute: call cancelled",
        loaded, VersionStats::droppedCancelled);
    counter("cerberus_items_shed_deadline",
        "Items refused at admission: the expected wait exceeded the call's deadline", loaded,
        VersionStats::shedDeadline);
    counter("cerberus_items_dropped_late",
        "Items dropped before compute: the deadline would pass before their batch finished",
        loaded, VersionStats::droppedLate);
    counter("cerberus_item_errors", "Items that failed alone (bad input, failed forward pass)",
        loaded, VersionStats::itemErrors);
    registerPhases(loaded);
    GaugeWithCallback.builder()
        .name("cerberus_queue_depth")
        .help("Items admitted and not yet answered")
        .labelNames("model", "version")
        .callback(cb -> loaded.get().forEach(
            m -> cb.call(m.stats().queueDepth(), m.name(), m.version())))
        .register(registry);
  }

  /**
   * Triton's ModelStatistics phases (success, fail, queue, compute_input, compute_infer,
   * compute_output), read from the same counters the RPC reports.
   */
  private void registerPhases(Supplier<List<ServedModel>> loaded) {
    CounterWithCallback.builder()
        .name("cerberus_inference_phase")
        .help("Requests per phase (the counts of the OIP ModelStatistics RPC)")
        .labelNames("model", "version", "phase")
        .callback(cb -> loaded.get().forEach(m -> m.phaseStats().named().forEach(
            p -> cb.call(p.count().count(), m.name(), m.version(), p.phase()))))
        .register(registry);
    CounterWithCallback.builder()
        .name("cerberus_inference_phase_seconds")
        .help("Time spent per phase (the durations of the OIP ModelStatistics RPC)")
        .unit(Unit.SECONDS)
        .labelNames("model", "version", "phase")
        .callback(cb -> loaded.get().forEach(m -> m.phaseStats().named().forEach(
            p -> cb.call(p.count().nanos() / 1e9, m.name(), m.version(), p.phase()))))
        .register(registry);
  }

  private void counter(String name, String help, Supplier<List<ServedModel>> loaded,
      ToDoubleFunction<VersionStats> value) {
    CounterWithCallback.builder()
        .name(name)
        .help(help)
        .labelNames("model", "version")
        .callback(cb -> loaded.get().forEach(
            m -> cb.call(value.applyAsDouble(m.stats()), m.name(), m.version())))
        .register(registry);
  }
}
