package dev.cerberus.server.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.cerberus.server.grpc.TokenAuthInterceptor;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * The Prometheus scrape endpoint: only GET and HEAD of /metrics, over HTTPS when TLS is on and
 * behind the bearer token when one is required. The exporter's own HTTPServer answers every
 * path ("/", "/-/healthy") and method and cannot be restricted, so this serves its
 * {@link MetricsHandler} from a plain JDK server with the checks in front.
 */
public final class MetricsEndpoint implements AutoCloseable {

  static final String PATH = "/metrics";

  private final HttpServer server;
  private final ExecutorService executor;

  /** TLS material for the endpoint: the gRPC server's certificate, key and client CA. */
  public record Tls(Path certChain, Path pkcs8Key, Optional<Path> clientCa) {}

  private MetricsEndpoint(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Binds host:port (0 = any free port) and starts serving.
   *
   * @param tls empty = plain HTTP
   * @param token empty = no authentication
   */
  public static MetricsEndpoint start(String host, int port, PrometheusRegistry registry,
      Optional<Tls> tls, Optional<String> token) throws IOException {
    InetSocketAddress address = new InetSocketAddress(host, port);
    HttpServer server;
    if (tls.isPresent()) {
      Tls t = tls.get();
      SSLContext ssl = PemSslContext.of(t.certChain(), t.pkcs8Key(), t.clientCa());
      boolean mutual = t.clientCa().isPresent();
      HttpsServer https = HttpsServer.create(address, 0);
      https.setHttpsConfigurator(new HttpsConfigurator(ssl) {
        @Override
        public void configure(HttpsParameters params) {
          // same rule as gRPC: with a client CA, a scraper must present a certificate it signed
          var p = ssl.getDefaultSSLParameters();
          p.setNeedClientAuth(mutual);
          params.setSSLParameters(p);
        }
      });
      server = https;
    } else {
      server = HttpServer.create(address, 0);
    }
    AtomicInteger n = new AtomicInteger();
    // two threads: scrapes are rare and small; a slow client must not stall the dispatcher
    ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
      Thread thread = new Thread(r, "cerberus-metrics-" + n.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    server.setExecutor(executor);
    // "/" catches every path: a context on "/metrics" alone would also match "/metricsfoo"
    server.createContext("/", new Guard(new MetricsHandler(registry),
        token.map(TokenAuthInterceptor::new).orElse(null)));
    server.start();
    return new MetricsEndpoint(server, executor);
  }

  /** The bound port. */
  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  /** Path, method and token checks in front of the exporter's handler. */
  private record Guard(HttpHandler metrics, TokenAuthInterceptor auth) implements HttpHandler {

    @Override
    public void handle(HttpExchange exchange) throws IOException {
      try {
        String method = exchange.getRequestMethod();
        if (!PATH.equals(exchange.getRequestURI().getPath())) {
          exchange.sendResponseHeaders(404, -1);
        } else if (!method.equals("GET") && !method.equals("HEAD")) {
          exchange.getResponseHeaders().set("Allow", "GET, HEAD");
          exchange.sendResponseHeaders(405, -1);
        } else if (auth != null
            && !auth.accepts(exchange.getRequestHeaders().getFirst("Authorization"))) {
          exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"cerberus\"");
          exchange.sendResponseHeaders(401, -1);
        } else if (method.equals("HEAD")) {
          // headers only: the exporter would write a body, which a HEAD response must not have
          exchange.getResponseHeaders().set("Content-Type",
              "text/plain; version=0.0.4; charset=utf-8");
          exchange.sendResponseHeaders(200, -1);
        } else {
          metrics.handle(exchange);
        }
      } finally {
        exchange.close(); // idempotent; also ends the exchanges answered above
      }
    }
  }
}
