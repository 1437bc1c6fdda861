package dev.cerberus.server.oip;

import io.grpc.Status;
import io.grpc.StatusException;

/**
 * Builds the protocol's error for a malformed OIP request: INVALID_ARGUMENT with a message that
 * names what was wrong and what is allowed. The OIP has no per-item errors, so a bad item also
 * fails its whole request through this.
 */
final class OipInvalidRequest {

  private OipInvalidRequest() {}

  static StatusException of(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asException();
  }
}
