package dev.cerberus.client;

import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A loopback Netty gRPC server around test services: a real peer for client-side behaviour
 * (retries, rotation, deadlines, headers, flow control). Records every call's headers.
 */
public final class TestServer implements AutoCloseable {
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final Server server;
  public final List<Metadata> headers = new CopyOnWriteArrayList<>();

  public TestServer(BindableService... services) throws IOException {
    NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
    ServerInterceptor recorder = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata h, ServerCallHandler<Q, R> next) {
        headers.add(h);
        return next.startCall(call, h);
      }
    };
    for (BindableService s : services) {
      b.addService(ServerInterceptors.intercept(s, recorder));
    }
    this.server = b.build().start();
  }

  public int port() {
    return server.getPort();
  }

  public String target() {
    return "127.0.0.1:" + port();
  }

  /** A loopback address where nothing listens (a server was there a moment ago). */
  public static String deadTarget() throws IOException {
    try (TestServer s = new TestServer(new FakeClassifier())) {
      return s.target();
    }
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
