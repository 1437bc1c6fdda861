package dev.cerberus.server.rest;

import io.grpc.Status;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;

/**
 * Netty's aggregator with the protocol's error body: a request body over the limit
 * (cerberus.max-inbound-message-bytes, the gRPC message limit) is answered 413 with
 * {@code {"error": "..."}} naming the limit and its setting, and counted; Netty's own answer
 * has an empty body.
 */
final class BodyLimit extends HttpObjectAggregator {

  private final RestContext shared;

  BodyLimit(RestContext shared) {
    super(shared.maxBodyBytes());
    this.shared = shared;
  }

  /** Expect: 100-continue with a Content-Length over the limit: refuse before the body. */
  @Override
  protected Object newContinueResponse(HttpMessage start, int max, ChannelPipeline pipeline) {
    Object answer = super.newContinueResponse(start, max, pipeline);
    if (answer instanceof FullHttpResponse r
        && r.status().code() == HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE.code()) {
      ReferenceCountUtil.release(answer);
      return tooLarge(start, false);
    }
    return answer;
  }

  /**
   * A body that grew over the limit: answer and close (the rest of it is not read). The
   * aggregator releases {@code oversized} itself.
   */
  @Override
  protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
    ctx.writeAndFlush(tooLarge(oversized, true)).addListener(ChannelFutureListener.CLOSE);
  }

  private FullHttpResponse tooLarge(HttpMessage start, boolean closing) {
    long declared = HttpUtil.getContentLength(start, -1L);
    String operation = RestRoute.UNKNOWN_OPERATION;
    if (start instanceof HttpRequest request) {
      try {
        operation = RestRoute.parse(request.uri()).operation();
      } catch (RestError e) {
        // counted as unknown
      }
    }
    RestError error = new RestError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
        Status.Code.RESOURCE_EXHAUSTED, "the request body is "
            + (declared >= 0 ? declared + " bytes" : "larger than that") + "; at most "
            + shared.maxBodyBytes() + " bytes are allowed (cerberus.max-inbound-message-bytes)");
    shared.metrics().callFinished(operation, error.code().name());
    return RestHandler.response(RestReply.error(error), !closing);
  }
}
