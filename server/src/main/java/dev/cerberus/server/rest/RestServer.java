package dev.cerberus.server.rest;

import dev.cerberus.server.grpc.TokenAuthInterceptor;
import dev.cerberus.server.inference.ModelRepository;
import dev.cerberus.server.metrics.ServerMetrics;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The KServe Open Inference Protocol v2 over HTTP/REST, on its own port next to gRPC: Netty's
 * HTTP/1.1 codec and aggregator in front of {@link RestHandler}, over TLS with the gRPC
 * server's certificate when TLS is on, behind the same bearer token.
 */
public final class RestServer implements AutoCloseable {

  /** TLS material: the gRPC server's certificate chain, PKCS#8 key and optional client CA. */
  public record Tls(Path certChain, Path pkcs8Key, Optional<Path> clientCa) {}

  private final EventLoopGroup group;
  private final Channel channel;
  private final RestDrain drain;

  private RestServer(EventLoopGroup group, Channel channel, RestDrain drain) {
    this.group = group;
    this.channel = channel;
    this.drain = drain;
  }

  /**
   * Binds host:settings.port() (0 = any free port) and starts serving.
   *
   * @param serverVersion reported by {@code GET /v2}
   * @param tls empty = plain HTTP
   * @param token empty = no authentication
   */
  public static RestServer start(String host, RestSettings settings, ModelRepository repository,
      ServerMetrics metrics, String serverVersion, Optional<Tls> tls, Optional<String> token)
      throws IOException {
    SslContext ssl = tls.isPresent() ? sslContext(tls.get()) : null;
    RestDrain drain = new RestDrain();
    RestContext shared = new RestContext(
        new RestEndpoints(repository, serverVersion, settings.requestTimeout()),
        token.map(TokenAuthInterceptor::new).orElse(null), metrics, drain,
        settings.maxBodyBytes());
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(settings.threads(),
        new DefaultThreadFactory("cerberus-rest", true), NioIoHandler.newFactory());
    long idleSeconds = settings.idleTimeout().toSeconds();
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (ssl != null) {
              ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
            }
            ch.pipeline()
                .addLast(new IdleStateHandler(0, 0, idleSeconds, TimeUnit.SECONDS))
                .addLast(new HttpServerCodec())
                .addLast(new BodyLimit(shared))
                .addLast(new RestHandler(shared));
          }
        });
    try {
      Channel channel = bootstrap.bind(new InetSocketAddress(host, settings.port())).sync()
          .channel();
      return new RestServer(group, channel, drain);
    } catch (Exception e) {
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IOException(e.getMessage(), e);
    }
  }

  private static SslContext sslContext(Tls tls) throws IOException {
    try {
      SslContextBuilder b = SslContextBuilder.forServer(tls.certChain().toFile(),
          tls.pkcs8Key().toFile());
      if (tls.clientCa().isPresent()) {
        // same rule as gRPC: with a client CA, a client must present a certificate it signed
        b.trustManager(tls.clientCa().get().toFile()).clientAuth(ClientAuth.REQUIRE);
      }
      return b.build();
    } catch (IOException | RuntimeException e) {
      throw new IOException("REST TLS: cannot use " + tls.certChain() + " and " + tls.pkcs8Key()
          + ": " + e.getMessage(), e);
    }
  }

  /** The bound port. */
  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  /** From now on new requests are answered 503 (health live still 200). */
  public void stopAccepting() {
    drain.close();
  }

  /** Requests accepted and not yet answered. */
  public int openRequests() {
    return drain.openRequests();
  }

  /** Waits until every accepted request is answered, or the timeout passes. */
  public boolean awaitNoRequests(Duration timeout) throws InterruptedException {
    return drain.awaitNoRequests(timeout);
  }

  /** Stops listening and closes every connection. */
  @Override
  public void close() {
    drain.close();
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
