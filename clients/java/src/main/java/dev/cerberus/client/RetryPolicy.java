package dev.cerberus.client;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * How often and how patiently a call is retried when the server answers UNAVAILABLE (draining,
 * restarting, unreachable). Every retry goes to the next target of the rotation. Waits grow
 * exponentially from {@code initialBackoff} by {@code multiplier} up to {@code maxBackoff}, each
 * scaled by a random factor in [1 - jitter, 1 + jitter] so that many clients do not retry in
 * lock-step. A retry is never started when its wait would outlast the call's deadline.
 *
 * @param maxAttempts total attempts including the first, at least 1 (1 = no retries)
 */
public record RetryPolicy(
    int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier, double jitter) {

  /** Four attempts, 100 ms, 200 ms, 400 ms apart (plus or minus 20 %), waits capped at 5 s. */
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(4, Duration.ofMillis(100), Duration.ofSeconds(5), 2.0, 0.2);

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException(
          "retry maxAttempts is " + maxAttempts + "; it must be at least 1 (1 = no retries)");
    }
    if (initialBackoff == null || initialBackoff.isNegative()) {
      throw new IllegalArgumentException("retry initialBackoff must be zero or positive");
    }
    if (maxBackoff == null || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("retry maxBackoff must be at least initialBackoff");
    }
    if (!(multiplier >= 1.0)) {
      throw new IllegalArgumentException("retry multiplier is " + multiplier + "; it must be >= 1");
    }
    if (!(jitter >= 0.0 && jitter < 1.0)) {
      throw new IllegalArgumentException("retry jitter is " + jitter + "; allowed: [0, 1)");
    }
  }

  /** No retries: every call makes exactly one attempt. */
  public static RetryPolicy none() {
    return new RetryPolicy(1, Duration.ZERO, Duration.ZERO, 1.0, 0.0);
  }

  /**
   * The wait before attempt {@code failedAttempts + 1}.
   *
   * @param random a source of uniform numbers in [0, 1)
   */
  public long backoffMillis(int failedAttempts, DoubleSupplier random) {
    double base = initialBackoff.toMillis() * Math.pow(multiplier, Math.max(0, failedAttempts - 1));
    base = Math.min(base, maxBackoff.toMillis());
    double factor = 1.0 - jitter + 2.0 * jitter * random.getAsDouble();
    return Math.round(base * factor);
  }
}
