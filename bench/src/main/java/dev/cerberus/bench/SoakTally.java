package dev.cerberus.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * What the soak counted, thread-safe: outcomes by kind (expected or not), items sent and
 * answered per API (their difference is the lost items), and latency per minute of the run.
 */
final class SoakTally {

  /** One outcome kind, e.g. "classify-mixed item INVALID_ARGUMENT", and whether it was expected. */
  record Kind(String what, boolean expected) {}

  private final long startNanos;
  private final Map<Kind, LongAdder> outcomes = new ConcurrentHashMap<>();
  private final Map<Kind, String> examples = new ConcurrentHashMap<>();
  final Map<String, AtomicLong> sent = new ConcurrentHashMap<>();
  final Map<String, AtomicLong> answered = new ConcurrentHashMap<>();
  // latency of good unary calls (both APIs) and of stream items, per whole minute of the run
  private final Map<Integer, Histogram> unaryByMinute = new ConcurrentHashMap<>();
  private final Map<Integer, Histogram> streamByMinute = new ConcurrentHashMap<>();

  SoakTally(long startNanos) {
    this.startNanos = startNanos;
  }

  void outcome(String what, boolean expected, String example) {
    Kind k = new Kind(what, expected);
    outcomes.computeIfAbsent(k, x -> new LongAdder()).increment();
    if (!expected && example != null) examples.putIfAbsent(k, example);
  }

  void sent(String api, long items) {
    sent.computeIfAbsent(api, a -> new AtomicLong()).addAndGet(items);
  }

  void answered(String api, long items) {
    answered.computeIfAbsent(api, a -> new AtomicLong()).addAndGet(items);
  }

  void unaryLatency(long sentNanos) {
    record(unaryByMinute, sentNanos);
  }

  void streamLatency(long sentNanos) {
    record(streamByMinute, sentNanos);
  }

  private void record(Map<Integer, Histogram> byMinute, long sentNanos) {
    long now = System.nanoTime();
    int minute = (int) TimeUnit.NANOSECONDS.toMinutes(sentNanos - startNanos);
    byMinute.computeIfAbsent(minute, m -> new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(10), 3))
        .recordValue(Math.max(0, Math.min(TimeUnit.MINUTES.toMicros(10), (now - sentNanos) / 1000)));
  }

  /** Outcome counts by kind, sorted by name. */
  Map<Kind, Long> outcomes() {
    Map<Kind, Long> out = new TreeMap<>((a, b) -> a.what().equals(b.what())
        ? Boolean.compare(a.expected(), b.expected()) : a.what().compareTo(b.what()));
    outcomes.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  Map<Kind, String> examples() {
    return examples;
  }

  long unexpected() {
    return outcomes.entrySet().stream().filter(e -> !e.getKey().expected()).mapToLong(e -> e.getValue().sum()).sum();
  }

  /** Items sent minus items answered (with a result or an error), over every API. */
  long lost() {
    long s = sent.values().stream().mapToLong(AtomicLong::get).sum();
    long a = answered.values().stream().mapToLong(AtomicLong::get).sum();
    return s - a;
  }

  Map<Integer, Histogram> unaryByMinute() {
    return new TreeMap<>(unaryByMinute);
  }

  Map<Integer, Histogram> streamByMinute() {
    return new TreeMap<>(streamByMinute);
  }
}
