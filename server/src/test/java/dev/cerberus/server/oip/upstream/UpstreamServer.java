package dev.cerberus.server.oip.upstream;

import dev.cerberus.server.CerberusServer;
import dev.cerberus.server.ServerSettings;
import inference.GRPCInferenceServiceGrpc;
import inference.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real CerberusServer on loopback over a private copy of the OIP fixture bundles (so tests
 * may add, break and remove version folders), and a channel for clients generated from the
 * upstream protos.
 */
final class UpstreamServer implements AutoCloseable {

  final Path models;
  final CerberusServer server;
  final ManagedChannel channel;

  /** @param settings extra settings on top of port 0, the copied repository and metrics on */
  UpstreamServer(Path dir, Map<String, String> settings) throws Exception {
    models = dir.resolve("models");
    Path fixtures = Path.of(UpstreamServer.class.getResource("/oip").toURI());
    copyTree(fixtures.resolve("vectors/1"), models.resolve("vectors/1"));
    copyTree(fixtures.resolve("pictures/1"), models.resolve("pictures/1"));
    Map<String, String> all = new HashMap<>(Map.of("cerberus.port", "0",
        "cerberus.models", models.toString(), "cerberus.metrics.port", "0"));
    all.putAll(settings);
    server = CerberusServer.start(ServerSettings.from(all));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  GRPCInferenceServiceBlockingStub blocking() {
    return GRPCInferenceServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  GRPCInferenceServiceBlockingStub blocking(String token) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + token);
    return blocking().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  GRPCInferenceServiceGrpc.GRPCInferenceServiceStub async() {
    return GRPCInferenceServiceGrpc.newStub(channel);
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : files.toList()) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
  }

  @Override
  public void close() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }
}
