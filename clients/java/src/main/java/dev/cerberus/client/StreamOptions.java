package dev.cerberus.client;

import java.time.Duration;
import java.util.List;

/**
 * Settings of one {@link ClassifyStream}.
 *
 * @param model model name (required)
 * @param version version, empty for the newest
 * @param heads heads to report, empty for all
 * @param maxInFlight most items sent but not yet answered; {@code send} blocks beyond it
 * @param itemsPerMessage items packed into one stream message
 * @param deadline for the whole stream, or null for none (bulk runs can take hours)
 */
public record StreamOptions(
    String model,
    String version,
    List<String> heads,
    int maxInFlight,
    int itemsPerMessage,
    Duration deadline) {

  public static final int DEFAULT_MAX_IN_FLIGHT = 256;
  public static final int DEFAULT_ITEMS_PER_MESSAGE = 32;

  public StreamOptions {
    if (model == null || model.isBlank()) {
      throw new IllegalArgumentException("stream needs a model name");
    }
    version = version == null ? "" : version;
    heads = heads == null ? List.of() : List.copyOf(heads);
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight is " + maxInFlight + "; it must be >= 1");
    }
    if (itemsPerMessage < 1) {
      throw new IllegalArgumentException(
          "itemsPerMessage is " + itemsPerMessage + "; it must be >= 1");
    }
  }

  public static StreamOptions forModel(String model) {
    return new StreamOptions(
        model, "", List.of(), DEFAULT_MAX_IN_FLIGHT, DEFAULT_ITEMS_PER_MESSAGE, null);
  }

  public StreamOptions withVersion(String v) {
    return new StreamOptions(model, v, heads, maxInFlight, itemsPerMessage, deadline);
  }

  public StreamOptions withHeads(List<String> h) {
    return new StreamOptions(model, version, h, maxInFlight, itemsPerMessage, deadline);
  }

  public StreamOptions withMaxInFlight(int n) {
    return new StreamOptions(model, version, heads, n, itemsPerMessage, deadline);
  }

  public StreamOptions withItemsPerMessage(int n) {
    return new StreamOptions(model, version, heads, maxInFlight, n, deadline);
  }

  public StreamOptions withDeadline(Duration d) {
    return new StreamOptions(model, version, heads, maxInFlight, itemsPerMessage, d);
  }
}
