package dev.cerberus.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cerberus.client.TestServer;
import dev.cerberus.proto.oip.GRPCInferenceServiceGrpc;
import dev.cerberus.proto.oip.RepositoryIndexRequest;
import dev.cerberus.proto.oip.RepositoryIndexResponse;
import dev.cerberus.proto.oip.RepositoryModelLoadRequest;
import dev.cerberus.proto.oip.RepositoryModelLoadResponse;
import dev.cerberus.proto.oip.RepositoryModelUnloadRequest;
import dev.cerberus.proto.oip.RepositoryModelUnloadResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code cerberus models load|unload|index} send the OIP repository RPCs with the name, the
 * version parameter and the token, and print the server's error as one line. (The server side
 * of these RPCs is tested against the real server in server/.../UpstreamRepositoryTest.)
 */
class ModelsAdminCommandsTest {

  /** Records what it is asked; "nope" is not loaded. */
  static final class Repository extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
    final List<Object> requests = new CopyOnWriteArrayList<>();

    @Override
    public void repositoryModelLoad(RepositoryModelLoadRequest r,
        StreamObserver<RepositoryModelLoadResponse> out) {
      requests.add(r);
      out.onNext(RepositoryModelLoadResponse.getDefaultInstance());
      out.onCompleted();
    }

    @Override
    public void repositoryModelUnload(RepositoryModelUnloadRequest r,
        StreamObserver<RepositoryModelUnloadResponse> out) {
      requests.add(r);
      if (r.getModelName().equals("nope")) {
        out.onError(Status.NOT_FOUND.withDescription("model 'nope' is not loaded, so it cannot "
            + "be unloaded; loaded models: fashion").asRuntimeException());
        return;
      }
      out.onNext(RepositoryModelUnloadResponse.getDefaultInstance());
      out.onCompleted();
    }

    @Override
    public void repositoryIndex(RepositoryIndexRequest r,
        StreamObserver<RepositoryIndexResponse> out) {
      out.onNext(RepositoryIndexResponse.newBuilder().addModels(
          RepositoryIndexResponse.ModelIndex.newBuilder().setName("fashion").setVersion("2")
              .setState("UNAVAILABLE").setReason("unloaded")).build());
      out.onCompleted();
    }
  }

  private Repository repository;
  private TestServer server;

  @BeforeEach
  void start() throws Exception {
    repository = new Repository();
    server = new TestServer(repository);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private CerberusCliTest.Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = CerberusCli.run(new PrintWriter(out), new PrintWriter(err), args);
    return new CerberusCliTest.Run(code, out.toString(), err.toString());
  }

  @Test
  void loadAndUnloadSendTheRepositoryRpcs() {
    var load = cli("models", "load", "fashion", "--version", "3", "--target", server.target(),
        "--token", "t0k");
    assertThat(load.code()).as(load.err()).isZero();
    assertThat(load.out()).contains("loaded fashion version 3");
    var unload = cli("models", "unload", "fashion", "--target", server.target());
    assertThat(unload.code()).as(unload.err()).isZero();
    var loadRequest = (RepositoryModelLoadRequest) repository.requests.get(0);
    assertThat(loadRequest.getModelName()).isEqualTo("fashion");
    assertThat(loadRequest.getParametersMap().get("version").getStringParam()).isEqualTo("3");
    var unloadRequest = (RepositoryModelUnloadRequest) repository.requests.get(1);
    assertThat(unloadRequest.getParametersMap()).isEmpty();
    assertThat(server.headers.get(0).get(TestServer.AUTHORIZATION)).isEqualTo("Bearer t0k");
  }

  @Test
  void unloadingWhatIsNotLoadedIsOneErrorLine() {
    var r = cli("models", "unload", "nope", "--target", server.target());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("error: NOT_FOUND: model 'nope' is not loaded")
        .doesNotContain("\tat ");
  }

  @Test
  void indexPrintsOneLinePerVersion() {
    var r = cli("models", "index", "--target", server.target());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out().strip()).isEqualTo("fashion\t2\tUNAVAILABLE\tunloaded");
  }

  @Test
  void loadNeedsAName() {
    assertThat(cli("models", "load", "--target", server.target()).code()).isEqualTo(2);
  }
}
