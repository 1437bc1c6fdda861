package dev.cerberus.server.rest;

import dev.cerberus.server.inference.CallContext;
import dev.cerberus.server.inference.ModelRepository;
import dev.cerberus.server.inference.ServedModel;
import dev.cerberus.server.oip.OipGateway;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * What each v2 endpoint answers, transport aside: health from the model repository, metadata
 * and inference through the shared OIP domain ({@link OipGateway}), as the gRPC service does.
 */
final class RestEndpoints {

  private final ModelRepository repository;
  private final String serverVersion;
  private final Duration requestTimeout;

  RestEndpoints(ModelRepository repository, String serverVersion, Duration requestTimeout) {
    this.repository = repository;
    this.serverVersion = serverVersion;
    this.requestTimeout = requestTimeout;
  }

  /**
   * The answer to one request; never fails (errors are replies).
   *
   * @param body the request body (only inference reads it)
   * @param jsonLength the Inference-Header-Content-Length value, -1 when absent
   * @param cancelled true once the client went away (its items are then dropped before compute)
   */
  CompletableFuture<RestReply> answer(RestRoute route, byte[] body, int jsonLength,
      BooleanSupplier cancelled) {
    try {
      if (route instanceof RestRoute.ServerLive) {
        return done(RestReply.ok(RestBody.empty()));
      }
      if (route instanceof RestRoute.ServerReady) {
        return done(RestReply.health(serverReady(), HttpResponseStatus.BAD_REQUEST,
            Status.Code.UNAVAILABLE));
      }
      if (route instanceof RestRoute.ServerMetadata) {
        return done(RestReply.ok(RestBody.json(
            MetadataWriter.server(OipGateway.PLATFORM, serverVersion))));
      }
      if (route instanceof RestRoute.ModelMetadata r) {
        return done(RestReply.ok(RestBody.json(
            MetadataWriter.model(OipGateway.metadata(repository, r.model(), r.version())))));
      }
      if (route instanceof RestRoute.ModelReady r) {
        return done(RestReply.health(repository.resolve(r.model(), r.version()).isAccepting(),
            HttpResponseStatus.BAD_REQUEST, Status.Code.UNAVAILABLE));
      }
      return infer((RestRoute.ModelInfer) route, body, jsonLength, cancelled);
    } catch (StatusRuntimeException e) {
      return done(RestReply.error(RestError.of(e.getStatus())));
    } catch (RestError e) {
      return done(RestReply.error(e));
    }
  }

  /** Ready when at least one model version is loaded and accepting calls (as ServerReady). */
  private boolean serverReady() {
    return repository.all().values().stream().flatMap(List::stream)
        .anyMatch(ServedModel::isAccepting);
  }

  private CompletableFuture<RestReply> infer(RestRoute.ModelInfer route, byte[] body,
      int jsonLength, BooleanSupplier cancelled) {
    ServedModel model = repository.resolve(route.model(), route.version());
    InferCall call = InferRequestReader.read(body, jsonLength, route.model(), route.version());
    CallContext context =
        new CallContext(System.nanoTime() + requestTimeout.toNanos(), true, cancelled);
    return OipGateway.infer(model, call.request(), context).handle((response, error) -> {
      if (error != null) {
        return RestReply.error(RestError.of(OipGateway.status(error)));
      }
      return RestReply.ok(InferResponseWriter.write(response, call));
    });
  }

  private static CompletableFuture<RestReply> done(RestReply reply) {
    return CompletableFuture.completedFuture(reply);
  }
}
