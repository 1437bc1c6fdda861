package dev.cerberus.server;

import dev.cerberus.model.ServableModel;
import dev.cerberus.server.grpc.ClassifierService;
import dev.cerberus.server.grpc.OpenStreams;
import dev.cerberus.server.grpc.ShutdownGate;
import dev.cerberus.server.grpc.TransportLog;
import dev.cerberus.server.grpc.TokenAuthInterceptor;
import dev.cerberus.server.inference.DecodeScheduler;
import dev.cerberus.server.inference.ModelRepository;
import dev.cerberus.server.grpc.MalformedRequests;
import dev.cerberus.server.metrics.MetricsEndpoint;
import dev.cerberus.server.metrics.MetricsInterceptor;
import dev.cerberus.server.metrics.ServerMetrics;
import dev.cerberus.server.oip.OipInferenceService;
import dev.cerberus.server.oip.OipServiceOptions;
import dev.cerberus.server.oip.OipSettings;
import dev.cerberus.server.rest.RestServer;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Cerberus: the model repository, the gRPC server with every front-end, health,
 * reflection, auth and TLS, and the optional metrics endpoint. {@link #start} builds it from
 * settings; {@link #shutdown} drains it.
 */
public final class CerberusServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(CerberusServer.class);
  /**
   * After the last call closed at shutdown: how long its final frames may take to leave before
   * the remaining connections are cut (a call counts as closed once its status is handed to
   * the transport, which is before the client has it).
   */
  private static final Duration FLUSH_GRACE = Duration.ofSeconds(1);

  private final ServerSettings settings;
  private final ModelRepository repository;
  private final ExecutorService workers;
  private final ServerMetrics metrics;
  private final HealthStatusManager health;
  private final Server server;
  private final MetricsEndpoint metricsServer;
  private final ScheduledExecutorService reloader;
  private final Lifecycle lifecycle;
  /** The OIP v2 HTTP/REST front-end, or null when cerberus.rest.port is -1. */
  private volatile RestServer restServer;
  private final AtomicInteger shutdowns = new AtomicInteger();

  private CerberusServer(ServerSettings settings, ModelRepository repository,
      ExecutorService workers, ServerMetrics metrics, HealthStatusManager health, Server server,
      MetricsEndpoint metricsServer, ScheduledExecutorService reloader, Lifecycle lifecycle) {
    this.lifecycle = lifecycle;
    this.settings = settings;
    this.repository = repository;
    this.workers = workers;
    this.metrics = metrics;
    this.health = health;
    this.server = server;
    this.metricsServer = metricsServer;
    this.reloader = reloader;
  }

  /**
   * The protocol front-ends served next to health and reflection. A new protocol registers
   * itself here with one line; each one talks only to the repository.
   */
  static List<BindableService> frontEnds(ModelRepository repository, ServerSettings settings,
      OpenStreams streams) {
    List<BindableService> services = new ArrayList<>();
    services.add(new ClassifierService(repository, settings.streamMaxInFlight(), streams));
    services.add(new OipInferenceService(repository, new OipSettings(
        settings.oipStreamMaxInFlightRequests(), OipSettings.defaults().serverVersion()),
        streams, new OipServiceOptions(settings.repositoryAdmin(), settings.device())));
    return services;
  }

  /** What shutdown needs to stop besides the server: the gate for new calls, open streams. */
  private record Lifecycle(ShutdownGate gate, OpenStreams streams) {}

  /** Loads every model, then starts serving. Health says SERVING once this returns. */
  public static CerberusServer start(ServerSettings settings) throws IOException {
    return start(settings, dir -> ServableModel.load(dir, settings.graphOptions()));
  }

  /** As {@link #start(ServerSettings)} with another bundle loader (tests). */
  public static CerberusServer start(ServerSettings settings, ModelRepository.Loader loader)
      throws IOException {
    ExecutorService workers = new ThreadPoolExecutor(settings.preprocessThreads(),
        settings.preprocessThreads(), 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        daemonThreads("cerberus-prep-"));
    ServerMetrics metrics = new ServerMetrics();
    ModelRepository repository = ModelRepository.open(new ModelRepository.Options(
        settings.modelsDir(), loader, settings.batcher(), settings.limits(), workers,
        settings.preprocessThreads(), metrics::observerFor,
        new DecodeScheduler(workers, settings.decode()), settings.admission()));
    metrics.registerModelCounters(repository);

    String isa = System.getenv("ONEDNN_MAX_CPU_ISA");
    log.info("oneDNN instruction set: {}", isa == null
        ? "not limited (ONEDNN_MAX_CPU_ISA unset; AVX-512 kernels were wrong on AMD EPYC here, "
            + "see docs/settings.md)" : isa);
    TransportLog.install();
    HealthStatusManager health = new HealthStatusManager();
    Lifecycle lifecycle = new Lifecycle(new ShutdownGate(), new OpenStreams());
    NettyServerBuilder builder = NettyServerBuilder
        .forAddress(new InetSocketAddress(settings.host(), settings.port()))
        // the real limit is enforced per message by MalformedRequests, with a status naming it
        .maxInboundMessageSize(MalformedRequests.transportLimit(settings.maxInboundMessageBytes()))
        .intercept(lifecycle.gate())
        .intercept(new MetricsInterceptor(metrics));
    if (settings.tlsCert().isPresent()) {
      SslContextBuilder ssl = GrpcSslContexts.forServer(
          settings.tlsCert().get().toFile(), settings.tlsKey().orElseThrow().toFile());
      if (settings.tlsClientCa().isPresent()) {
        ssl.trustManager(settings.tlsClientCa().get().toFile()).clientAuth(ClientAuth.REQUIRE);
      }
      builder.sslContext(ssl.build());
    }
    TokenAuthInterceptor auth = settings.authToken().map(TokenAuthInterceptor::new).orElse(null);
    List<ServerServiceDefinition> services = new ArrayList<>();
    for (BindableService s : frontEnds(repository, settings, lifecycle.streams())) {
      services.add(s.bindService());
    }
    services.add(ProtoReflectionServiceV1.newInstance().bindService());
    // v1alpha too: older grpcurl and grpcui ask only for it
    @SuppressWarnings("deprecation")
    BindableService reflectionV1Alpha = io.grpc.protobuf.services.ProtoReflectionService.newInstance();
    services.add(reflectionV1Alpha.bindService());
    services.add(health.getHealthService().bindService()); // auth lets health through
    for (ServerServiceDefinition s : services) {
      ServerServiceDefinition guarded =
          MalformedRequests.guard(s, settings.maxInboundMessageBytes());
      builder.addService(auth == null ? guarded : ServerInterceptors.intercept(guarded, auth));
    }
    Server server = builder.build();
    try {
      server.start();
    } catch (IOException e) {
      repository.close();
      workers.shutdownNow();
      throw new IOException("cannot listen on " + settings.host() + ":" + settings.port()
          + " (cerberus.host, cerberus.port): " + e.getMessage(), e);
    }
    MetricsEndpoint metricsServer = null;
    if (settings.metricsPort() >= 0) {
      metricsServer = startMetrics(settings, metrics, server, repository, workers);
    } else {
      log.info("metrics: off (cerberus.metrics.port = -1)");
    }
    ScheduledExecutorService reloader = null;
    if (!settings.reloadInterval().isZero()) {
      reloader = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          daemonThreads("cerberus-reload-"));
      long every = settings.reloadInterval().toMillis();
      reloader.scheduleWithFixedDelay(repository::reload, every, every, TimeUnit.MILLISECONDS);
    }
    RestServer rest = null;
    if (settings.rest().enabled()) {
      rest = startRest(settings, metrics, server, metricsServer, repository, workers);
    }
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus(dev.cerberus.proto.v1.ClassifierGrpc.SERVICE_NAME, ServingStatus.SERVING);
    health.setStatus(dev.cerberus.proto.oip.GRPCInferenceServiceGrpc.SERVICE_NAME,
        ServingStatus.SERVING);
    log.info("gRPC security: TLS {}, auth {}", settings.tlsCert().isEmpty() ? "off (plaintext)"
        : settings.tlsClientCa().isPresent() ? "on (client certificate required)" : "on",
        settings.authToken().isPresent() ? "bearer token (cerberus.auth.token; health is open)"
            : "off (no cerberus.auth.token)");
    CerberusServer started = new CerberusServer(settings, repository, workers, metrics, health,
        server, metricsServer, reloader, lifecycle);
    started.restServer = rest;
    return started;
  }

  /**
   * The KServe v2 HTTP/REST front-end with the gRPC server's host, TLS and token. On failure
   * everything started so far is stopped.
   */
  private static RestServer startRest(ServerSettings settings, ServerMetrics metrics,
      Server server, MetricsEndpoint metricsServer, ModelRepository repository,
      ExecutorService workers) throws IOException {
    Optional<RestServer.Tls> tls = settings.tlsCert().map(cert -> new RestServer.Tls(
        cert, settings.tlsKey().orElseThrow(), settings.tlsClientCa()));
    RestServer rest;
    try {
      rest = RestServer.start(settings.host(), settings.rest(), repository, metrics,
          OipSettings.defaults().serverVersion(), tls, settings.authToken());
    } catch (IOException | RuntimeException e) {
      server.shutdownNow();
      if (metricsServer != null) {
        metricsServer.close();
      }
      repository.close();
      workers.shutdownNow();
      throw new IOException("cannot serve REST on " + settings.host() + ":"
          + settings.rest().port() + " (cerberus.rest.port): " + e.getMessage(), e);
    }
    log.info("REST (KServe v2): {}://{}:{}/v2, auth {}", tls.isPresent() ? "https" : "http",
        settings.host(), rest.port(), settings.authToken().isPresent()
            ? "bearer token (cerberus.auth.token; /v2/health is open)" : "off");
    return rest;
  }

  /**
   * The /metrics endpoint with the gRPC server's TLS and, unless cerberus.metrics.auth=none, its
   * token. On failure everything started so far is stopped.
   */
  private static MetricsEndpoint startMetrics(ServerSettings settings, ServerMetrics metrics,
      Server server, ModelRepository repository, ExecutorService workers) throws IOException {
    Optional<MetricsEndpoint.Tls> tls = settings.tlsCert().map(cert -> new MetricsEndpoint.Tls(
        cert, settings.tlsKey().orElseThrow(), settings.tlsClientCa()));
    Optional<String> token = settings.metricsToken();
    MetricsEndpoint endpoint;
    try {
      endpoint = MetricsEndpoint.start(settings.host(), settings.metricsPort(),
          metrics.registry(), tls, token);
    } catch (IOException | RuntimeException e) {
      server.shutdownNow();
      repository.close();
      workers.shutdownNow();
      throw new IOException("cannot serve metrics on " + settings.host() + ":"
          + settings.metricsPort() + " (cerberus.metrics.port): " + e.getMessage(), e);
    }
    log.info("metrics: {}://{}:{}/metrics, TLS {}, auth {}", tls.isPresent() ? "https" : "http",
        settings.host(), endpoint.port(),
        tls.isEmpty() ? "off" : settings.tlsClientCa().isPresent() ? "on (client certificate "
            + "required)" : "on",
        token.isPresent() ? "bearer token (cerberus.auth.token)"
            : settings.authToken().isPresent() ? "none (cerberus.metrics.auth=none)"
            : "none (no cerberus.auth.token)");
    return endpoint;
  }

  /** The bound gRPC port (useful with port 0). */
  public int port() {
    return server.getPort();
  }

  /** The bound REST port, or -1 when REST is off. */
  public int restPort() {
    RestServer rest = restServer;
    return rest == null ? -1 : rest.port();
  }

  /** The bound metrics port, or -1 when metrics are off. */
  public int metricsPort() {
    return metricsServer == null ? -1 : metricsServer.port();
  }

  public ModelRepository repository() {
    return repository;
  }

  public ServerMetrics metrics() {
    return metrics;
  }

  /**
   * Graceful shutdown, in this order: health turns NOT_SERVING; new calls get UNAVAILABLE; open
   * streams stop reading, answer the items they accepted and close with UNAVAILABLE; accepted
   * work finishes for up to cerberus.drain-timeout-seconds; then the server and the models
   * close. Idempotent.
   */
  public void shutdown() {
    if (shutdowns.getAndIncrement() > 0) {
      return;
    }
    Duration timeout = settings.drainTimeout();
    long end = System.nanoTime() + timeout.toNanos();
    log.info("draining: finishing accepted work for up to {} s ({} streams open)",
        timeout.toSeconds(), lifecycle.streams().count());
    health.enterTerminalState();
    lifecycle.gate().close();
    RestServer rest = restServer;
    if (rest != null) {
      rest.stopAccepting();
    }
    if (reloader != null) {
      reloader.shutdownNow();
    }
    lifecycle.streams().drain();
    try {
      boolean drained = repository.drain(timeout);
      server.shutdown();
      Duration left = Duration.ofNanos(Math.max(0, end - System.nanoTime()));
      boolean answered = lifecycle.gate().awaitNoCalls(left);
      if (rest != null) {
        Duration restLeft = Duration.ofNanos(Math.max(0, end - System.nanoTime()));
        answered &= rest.awaitNoRequests(restLeft);
      }
      if (!drained) {
        log.warn("drain timeout passed with work left ({} items not answered); cancelling the "
            + "remaining calls", repository.pendingItems());
      } else if (!answered) {
        log.warn("drain timeout passed with no work left but {} calls still open (clients not "
            + "reading their answers); cancelling them", lifecycle.gate().openCalls());
      }
      // the last closes may still be on their way to the socket: let the server end by itself
      // for a moment (it does at once when no health watch is open), then cut what is left,
      // which is owed nothing (health watches, calls given up on above)
      server.awaitTermination(Math.min(FLUSH_GRACE.toNanos(),
          Math.max(0, end - System.nanoTime())), TimeUnit.NANOSECONDS);
      server.shutdownNow();
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
    repository.close();
    workers.shutdown();
    if (rest != null) {
      rest.close();
    }
    if (metricsServer != null) {
      metricsServer.close();
    }
    log.info("stopped");
  }

  /** Blocks until the gRPC server has terminated. */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  @Override
  public void close() {
    shutdown();
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
