package dev.cerberus.server.oip;

/**
 * Limits of the OIP v2 front-end.
 *
 * @param streamMaxInFlightRequests most ModelInferRequests of one ModelStreamInfer stream being
 *     computed at once; the server reads no further request of that stream until one finishes
 *     (gRPC flow control), so a fast producer cannot pile work up
 *     (cerberus.oip.stream-max-in-flight-requests)
 * @param serverVersion reported by ServerMetadata
 */
public record OipSettings(int streamMaxInFlightRequests, String serverVersion) {

  public OipSettings {
    if (streamMaxInFlightRequests < 1) {
      throw new IllegalArgumentException(
          "cerberus.oip.stream-max-in-flight-requests must be >= 1, got "
              + streamMaxInFlightRequests);
    }
  }

  public static OipSettings defaults() {
    String version = OipSettings.class.getPackage().getImplementationVersion();
    return new OipSettings(8, version == null ? "dev" : version);
  }
}
