package dev.cerberus.server.rest;

import io.grpc.Status;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's requests, answered one at a time and in order (HTTP/1.1 pipelining needs
 * answers in request order; the connection is not read while a request is being answered, so
 * a client cannot pile up work on it): drain, route, method, token, then the endpoint. Every
 * answer is counted in cerberus_requests under the endpoint's operation and its gRPC code.
 */
final class RestHandler extends ChannelInboundHandlerAdapter {

  static final String HEADER_LENGTH = "Inference-Header-Content-Length";
  private static final Logger log = LoggerFactory.getLogger(RestHandler.class);

  private final RestContext shared;
  private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
  /** A request of this connection is being answered (event-loop confined). */
  private boolean busy;

  RestHandler(RestContext shared) {
    this.shared = shared;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof FullHttpRequest request)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (busy) {
      waiting.add(request);
      ctx.channel().config().setAutoRead(false);
      return;
    }
    start(ctx, request);
  }

  private void start(ChannelHandlerContext ctx, FullHttpRequest request) {
    busy = true;
    shared.drain().opened();
    // a request Netty could not parse leaves the connection in an unknown state: answer, close
    boolean malformed = request.decoderResult().isFailure();
    boolean keepAlive = HttpUtil.isKeepAlive(request) && !malformed;
    String operation = RestRoute.UNKNOWN_OPERATION;
    CompletableFuture<RestReply> reply;
    try {
      if (malformed) {
        throw RestError.badRequest("malformed HTTP request: " + request.decoderResult().cause());
      }
      RestRoute route = RestRoute.parse(request.uri());
      operation = route.operation();
      reply = answer(ctx, request, route);
    } catch (RestError e) {
      reply = CompletableFuture.completedFuture(RestReply.error(e));
    } catch (RuntimeException e) {
      reply = CompletableFuture.completedFuture(internal(e));
    } finally {
      request.release();
    }
    String counted = operation;
    reply.whenComplete((r, error) -> ctx.executor().execute(
        () -> finish(ctx, counted, error == null ? r : internal(error), keepAlive)));
  }

  private CompletableFuture<RestReply> answer(ChannelHandlerContext ctx, FullHttpRequest request,
      RestRoute route) {
    if (shared.drain().isClosed() && !(route instanceof RestRoute.ServerLive)) {
      if (route instanceof RestRoute.ServerReady) {
        return CompletableFuture.completedFuture(RestReply.health(false,
            HttpResponseStatus.SERVICE_UNAVAILABLE, Status.Code.UNAVAILABLE));
      }
      throw new RestError(HttpResponseStatus.SERVICE_UNAVAILABLE, Status.Code.UNAVAILABLE,
          "the server is shutting down and accepts no new requests; retry on another replica");
    }
    if (!request.method().equals(route.method())) {
      return CompletableFuture.completedFuture(RestReply.error(new RestError(
          HttpResponseStatus.METHOD_NOT_ALLOWED, Status.Code.UNIMPLEMENTED,
          request.method() + " is not allowed on " + request.uri().split("\\?")[0] + "; use "
              + route.method()), Map.of(HttpHeaderNames.ALLOW.toString(), route.method().name())));
    }
    if (route.needsToken() && shared.auth() != null) {
      String presented = request.headers().get(HttpHeaderNames.AUTHORIZATION);
      if (!shared.auth().accepts(presented)) {
        return CompletableFuture.completedFuture(RestReply.error(new RestError(
            HttpResponseStatus.UNAUTHORIZED, Status.Code.UNAUTHENTICATED, presented == null
                ? "this server requires the header 'Authorization: Bearer <token>'"
                : "the Authorization header must be 'Bearer <token>' with a valid token"),
            Map.of(HttpHeaderNames.WWW_AUTHENTICATE.toString(), "Bearer realm=\"cerberus\"")));
      }
    }
    int jsonLength = jsonLength(request);
    byte[] body = ByteBufUtil.getBytes(request.content());
    var channel = ctx.channel();
    return shared.endpoints().answer(route, body, jsonLength, () -> !channel.isActive());
  }

  private static int jsonLength(FullHttpRequest request) {
    String v = request.headers().get(HEADER_LENGTH);
    if (v == null) return -1;
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 0) return n;
    } catch (NumberFormatException e) {
      // answered below
    }
    throw RestError.badRequest(HEADER_LENGTH + " is '" + v.trim() + "'; it must be the JSON's"
        + " length in bytes, an integer >= 0");
  }

  private static RestReply internal(Throwable error) {
    log.error("REST request failed unexpectedly", error);
    return RestReply.error(new RestError(HttpResponseStatus.INTERNAL_SERVER_ERROR,
        Status.Code.INTERNAL, "internal error (logged by the server)"));
  }

  /** Writes the answer, counts it, then goes on with the connection's next request. */
  private void finish(ChannelHandlerContext ctx, String operation, RestReply reply,
      boolean keepAlive) {
    shared.metrics().callFinished(operation, reply.code().name());
    boolean keep = keepAlive && !shared.drain().isClosed();
    var write = ctx.writeAndFlush(response(reply, keep));
    // answered once the bytes are out (or the connection is gone): shutdown waits for this
    write.addListener(f -> shared.drain().finished());
    busy = false;
    if (!keep) {
      write.addListener(ChannelFutureListener.CLOSE);
      return;
    }
    FullHttpRequest next = waiting.poll();
    if (next != null) {
      start(ctx, next);
    } else {
      ctx.channel().config().setAutoRead(true);
    }
  }

  static FullHttpResponse response(RestReply reply, boolean keepAlive) {
    RestBody body = reply.body();
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, reply.status(),
        Unpooled.wrappedBuffer(body.bytes()));
    var h = response.headers();
    if (body.bytes().length > 0) {
      h.set(HttpHeaderNames.CONTENT_TYPE, body.jsonLength() >= 0
          ? HttpHeaderValues.APPLICATION_OCTET_STREAM : HttpHeaderValues.APPLICATION_JSON);
    }
    if (body.jsonLength() >= 0) h.set(HEADER_LENGTH, body.jsonLength());
    reply.headers().forEach(h::set);
    HttpUtil.setContentLength(response, body.bytes().length);
    HttpUtil.setKeepAlive(response, keepAlive);
    return response;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    // idle with nothing being answered: a half-sent request or a forgotten connection
    if (event instanceof IdleStateEvent && !busy) {
      ctx.close();
      return;
    }
    super.userEventTriggered(ctx, event);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    waiting.forEach(ReferenceCountUtil::release);
    waiting.clear();
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // a reset connection or a failed TLS handshake: the client's doing, nothing to answer
    log.debug("REST connection closed after an error: {}", cause.toString());
    ctx.close();
  }
}
