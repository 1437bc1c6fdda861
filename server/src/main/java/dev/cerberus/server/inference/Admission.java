package dev.cerberus.server.inference;

import dev.cerberus.model.input.ImageHeader;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.ModelInput;
import io.grpc.Status;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The cheap checks a call passes on the caller's thread before any work is queued for it,
 * beyond item count and queue room: its total declared image pixels (read from the headers,
 * no decoding), and whether it can make its deadline given the queue ahead of it.
 */
final class Admission {

  private final AdmissionSettings settings;
  private final InputLimits limits;
  private final BatchCost cost;

  Admission(AdmissionSettings settings, InputLimits limits, BatchCost cost) {
    this.settings = settings;
    this.limits = limits;
    this.cost = cost;
  }

  AdmissionSettings settings() {
    return settings;
  }

  /**
   * Declared pixels per item; 0 for non-images, unreadable headers and images over the
   * per-item limit (those are refused from their header alone, at no decoding cost).
   */
  long[] declaredPixels(List<ModelInput> items) {
    long[] pixels = new long[items.size()];
    for (int i = 0; i < pixels.length; i++) {
      if (items.get(i) instanceof ModelInput.Image image) {
        long p = ImageHeader.declaredPixels(image.bytes());
        pixels[i] = p > 0 && p <= limits.maxImagePixels() ? p : 0;
      }
    }
    return pixels;
  }

  /**
   * INVALID_ARGUMENT when the call's images declare more than the per-call budget, else null.
   * INVALID_ARGUMENT, like the item-count limit, because the same request can never succeed:
   * RESOURCE_EXHAUSTED would tell clients to back off and retry it unchanged.
   */
  Status pixelBudget(long[] pixels) {
    long total = 0;
    for (long p : pixels) total += p;
    if (total <= settings.maxRequestPixels()) return null;
    return Status.INVALID_ARGUMENT.withDescription(String.format(
        "the request's images declare %,d pixels in total; the limit is %,d per request"
            + " (cerberus.limits.max-request-pixels): send fewer or smaller images",
        total, settings.maxRequestPixels()));
  }

  /**
   * RESOURCE_EXHAUSTED when the call would miss its deadline behind {@code queued} items, else
   * null. RESOURCE_EXHAUSTED, not DEADLINE_EXCEEDED: the cause is the server's capacity (the
   * same condition as a full queue, detected earlier), the deadline has not passed, and clients
   * and load balancers already treat RESOURCE_EXHAUSTED as "shed, back off".
   */
  Status deadline(int items, int queued, CallContext context, String label) {
    if (!settings.deadlineAware() || !context.hasDeadline()) return null;
    long expected = cost.drainNanos(queued + items);
    long left = context.deadlineNanos() - System.nanoTime();
    if (expected <= left * settings.deadlineHeadroom()) return null;
    return Status.RESOURCE_EXHAUSTED.withDescription(label + ": overloaded; the expected wait of "
        + millis(expected) + " ms (" + queued + " items queued ahead) exceeds "
        + Math.round(settings.deadlineHeadroom() * 100) + " % of the call's "
        + Math.max(0, millis(left)) + " ms left before its deadline"
        + " (cerberus.admission.deadline-headroom); retry later or with a longer deadline");
  }

  static long millis(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }
}
