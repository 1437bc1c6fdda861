package dev.cerberus.server.oip;

import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.ServableModel;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.proto.oip.GRPCInferenceServiceGrpc;
import dev.cerberus.server.inference.BatchObserver;
import dev.cerberus.server.inference.BatcherSettings;
import dev.cerberus.server.inference.ModelRepository;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The OIP service on a real Netty server bound to 127.0.0.1 with a real engine, serving the
 * fixture bundles in src/test/resources/oip (vectors: tensor input; pictures: image input).
 */
final class OipServer implements AutoCloseable {

  static final int MAX_ITEMS = 64;

  final ModelRepository repository;
  final Server server;
  final ManagedChannel channel;
  private final ExecutorService workers = Executors.newFixedThreadPool(2);

  OipServer(OipSettings settings) throws Exception {
    Path root = Path.of(OipServer.class.getResource("/oip").toURI());
    repository =
        ModelRepository.open(
            new ModelRepository.Options(
                root,
                dir -> ServableModel.load(dir, GraphOptions.defaults()),
                new BatcherSettings(16, TimeUnit.MILLISECONDS.toNanos(2), 256, MAX_ITEMS),
                InputLimits.defaults(),
                workers,
                2,
                (name, version) -> BatchObserver.NONE));
    if (!repository.failures().isEmpty()) {
      throw new IllegalStateException("fixture bundles failed to load: " + repository.failures());
    }
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new OipInferenceService(repository, settings))
            .build()
            .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
  }

  GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub blocking() {
    return GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  GRPCInferenceServiceGrpc.GRPCInferenceServiceStub async() {
    return GRPCInferenceServiceGrpc.newStub(channel);
  }

  @Override
  public void close() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    repository.close();
    workers.shutdownNow();
  }
}
