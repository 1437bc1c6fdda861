package dev.cerberus.server.rest;

import io.grpc.Status;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * A request the REST front-end answers with an error: the HTTP status, the message the client
 * reads in {@code {"error": "..."}}, and the gRPC code the same failure has on the gRPC side
 * (the {@code code} label of cerberus_requests, so both transports count alike).
 */
final class RestError extends RuntimeException {

  /** Not in Netty's table: the client closed the connection before its answer was ready. */
  static final HttpResponseStatus CLIENT_CLOSED = new HttpResponseStatus(499, "Client Closed Request");

  private final HttpResponseStatus status;
  private final Status.Code code;

  RestError(HttpResponseStatus status, Status.Code code, String message) {
    super(message, null, false, false); // an answer to the client, not a bug: no stack trace
    this.status = status;
    this.code = code;
  }

  static RestError badRequest(String message) {
    return new RestError(HttpResponseStatus.BAD_REQUEST, Status.Code.INVALID_ARGUMENT, message);
  }

  /** The HTTP form of a gRPC status from the shared inference path. */
  static RestError of(Status status) {
    String message = status.getDescription() != null ? status.getDescription()
        : status.getCode().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    return new RestError(httpStatus(status.getCode()), status.getCode(), message);
  }

  HttpResponseStatus status() {
    return status;
  }

  Status.Code code() {
    return code;
  }

  /** The usual HTTP meaning of each gRPC code (the same table grpc-gateway uses). */
  static HttpResponseStatus httpStatus(Status.Code code) {
    return switch (code) {
      case OK -> HttpResponseStatus.OK;
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> HttpResponseStatus.BAD_REQUEST;
      case UNAUTHENTICATED -> HttpResponseStatus.UNAUTHORIZED;
      case PERMISSION_DENIED -> HttpResponseStatus.FORBIDDEN;
      case NOT_FOUND -> HttpResponseStatus.NOT_FOUND;
      case ALREADY_EXISTS, ABORTED -> HttpResponseStatus.CONFLICT;
      case RESOURCE_EXHAUSTED -> HttpResponseStatus.TOO_MANY_REQUESTS;
      case CANCELLED -> CLIENT_CLOSED;
      case UNIMPLEMENTED -> HttpResponseStatus.NOT_IMPLEMENTED;
      case UNAVAILABLE -> HttpResponseStatus.SERVICE_UNAVAILABLE;
      case DEADLINE_EXCEEDED -> HttpResponseStatus.GATEWAY_TIMEOUT;
      case INTERNAL, UNKNOWN, DATA_LOSS -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
    };
  }
}
