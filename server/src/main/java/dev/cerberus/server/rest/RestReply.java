package dev.cerberus.server.rest;

import io.grpc.Status;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Map;

/**
 * One answer of the REST front-end.
 *
 * @param status the HTTP status
 * @param body JSON, JSON + binary tensor data, or empty
 * @param code the gRPC code of the same outcome, counted in cerberus_requests
 * @param headers extra response headers (Allow, WWW-Authenticate)
 */
record RestReply(HttpResponseStatus status, RestBody body, Status.Code code,
    Map<String, String> headers) {

  static RestReply ok(RestBody body) {
    return new RestReply(HttpResponseStatus.OK, body, Status.Code.OK, Map.of());
  }

  /** A health answer: the status says it all, the body is empty. */
  static RestReply health(boolean yes, HttpResponseStatus no, Status.Code noCode) {
    return yes ? ok(RestBody.empty()) : new RestReply(no, RestBody.empty(), noCode, Map.of());
  }

  /** {@code {"error": "..."}} with the error's status. */
  static RestReply error(RestError e) {
    return error(e, Map.of());
  }

  static RestReply error(RestError e, Map<String, String> headers) {
    return new RestReply(e.status(), RestBody.json(MetadataWriter.error(e.getMessage())), e.code(),
        headers);
  }
}
