package dev.cerberus.server.oip.upstream;

import static dev.cerberus.server.oip.upstream.UpstreamTritonClientTest.assertStatus;
import static dev.cerberus.server.oip.upstream.UpstreamTritonClientTest.vectors;
import static org.assertj.core.api.Assertions.assertThat;

import inference.GrpcService.ModelInferResponse;
import inference.GrpcService.ModelReadyRequest;
import inference.GrpcService.ModelRepositoryParameter;
import inference.GrpcService.RepositoryIndexRequest;
import inference.GrpcService.RepositoryIndexResponse.ModelIndex;
import inference.GrpcService.RepositoryModelLoadRequest;
import inference.GrpcService.RepositoryModelUnloadRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RepositoryIndex / RepositoryModelLoad / RepositoryModelUnload through the upstream Triton
 * stubs against the real server: versions come and go at run time, a broken folder is refused
 * with its reason while the old versions serve, unload drains accepted work, and the token and
 * cerberus.repository.admin guard them.
 */
class UpstreamRepositoryTest {

  @TempDir Path dir;

  private static RepositoryModelLoadRequest load(String name, String version) {
    var b = RepositoryModelLoadRequest.newBuilder().setModelName(name);
    if (version != null) {
      b.putParameters("version", ModelRepositoryParameter.newBuilder().setStringParam(version)
          .build());
    }
    return b.build();
  }

  private static RepositoryModelUnloadRequest unload(String name, String version) {
    var b = RepositoryModelUnloadRequest.newBuilder().setModelName(name);
    if (version != null) {
      b.putParameters("version", ModelRepositoryParameter.newBuilder().setInt64Param(
          Long.parseLong(version)).build());
    }
    return b.build();
  }

  private static String state(UpstreamServer s, String name, String version) {
    for (ModelIndex m : s.blocking().repositoryIndex(RepositoryIndexRequest.getDefaultInstance())
        .getModelsList()) {
      if (m.getName().equals(name) && m.getVersion().equals(version)) {
        return m.getState() + (m.getReason().isEmpty() ? "" : " " + m.getReason());
      }
    }
    return "absent";
  }

  @Test
  void loadUnloadAndIndexAtRunTime() throws Exception {
    try (UpstreamServer s = new UpstreamServer(dir, Map.of())) {
      var stub = s.blocking();
      assertThat(state(s, "vectors", "1")).isEqualTo("READY");
      UpstreamServer.copyTree(s.models.resolve("vectors/1"), s.models.resolve("vectors/2"));
      assertThat(state(s, "vectors", "2")).startsWith("UNAVAILABLE not loaded yet");

      stub.repositoryModelLoad(load("vectors", null));
      assertThat(state(s, "vectors", "2")).isEqualTo("READY");
      assertThat(stub.modelInfer(vectors(1).build()).getModelVersion()).isEqualTo("2");

      stub.repositoryModelUnload(unload("vectors", "2"));
      assertThat(state(s, "vectors", "2")).startsWith("UNAVAILABLE unloaded");
      assertThat(stub.modelReady(ModelReadyRequest.newBuilder().setName("vectors")
          .setVersion("2").build()).getReady()).isFalse();
      assertThat(stub.modelInfer(vectors(1).build()).getModelVersion()).isEqualTo("1");
      s.server.repository().reload(); // a rescan does not bring an unloaded version back
      assertThat(state(s, "vectors", "2")).startsWith("UNAVAILABLE unloaded");

      stub.repositoryModelLoad(load("vectors", "2"));
      assertThat(state(s, "vectors", "2")).isEqualTo("READY");

      stub.repositoryModelUnload(unload("pictures", null));
      assertThat(state(s, "pictures", "1")).startsWith("UNAVAILABLE unloaded");
      assertThat(stub.repositoryIndex(RepositoryIndexRequest.newBuilder().setReady(true).build())
          .getModelsList()).extracting(ModelIndex::getName).containsOnly("vectors");
      stub.repositoryModelLoad(load("pictures", null));
      assertThat(state(s, "pictures", "1")).isEqualTo("READY");
    }
  }

  @Test
  void aBrokenFolderIsRefusedWithItsReasonAndTheOldVersionsServe() throws Exception {
    try (UpstreamServer s = new UpstreamServer(dir, Map.of())) {
      var stub = s.blocking();
      Path broken = s.models.resolve("vectors/3");
      UpstreamServer.copyTree(s.models.resolve("vectors/1"), broken);
      Files.writeString(broken.resolve("bundle.json"), "{ not json");
      assertStatus(() -> stub.repositoryModelLoad(load("vectors", "3")),
          Status.Code.FAILED_PRECONDITION, "still serving version(s) 1");
      try {
        stub.repositoryModelLoad(load("vectors", null));
      } catch (StatusRuntimeException e) {
        assertThat(e.getStatus().getDescription()).contains("version 3:")
            .doesNotContain(dir.toString()); // no server paths in client messages
      }
      assertThat(state(s, "vectors", "3")).startsWith("UNAVAILABLE");
      assertThat(stub.modelInfer(vectors(1).build()).getModelVersion()).isEqualTo("1");
    }
  }

  @Test
  void badRepositoryRequestsAreClearErrors() throws Exception {
    try (UpstreamServer s = new UpstreamServer(dir, Map.of())) {
      var stub = s.blocking();
      assertStatus(() -> stub.repositoryModelUnload(unload("nope", null)), Status.Code.NOT_FOUND,
          "model 'nope' is not loaded, so it cannot be unloaded; loaded models: pictures, vectors");
      assertStatus(() -> stub.repositoryModelUnload(unload("vectors", "9")),
          Status.Code.NOT_FOUND, "its loaded versions: 1");
      assertStatus(() -> stub.repositoryModelLoad(load("nope", null)), Status.Code.NOT_FOUND,
          "models there: pictures, vectors");
      assertStatus(() -> stub.repositoryModelLoad(load("vectors", "9")), Status.Code.NOT_FOUND,
          "no version folder '9'");
      assertStatus(() -> stub.repositoryModelLoad(load("../vectors", null)),
          Status.Code.NOT_FOUND, "no version folder");
      assertStatus(() -> stub.repositoryModelLoad(load("", null)), Status.Code.INVALID_ARGUMENT,
          "names no model");
      assertStatus(() -> stub.repositoryModelLoad(RepositoryModelLoadRequest.newBuilder()
              .setModelName("vectors").putParameters("config", ModelRepositoryParameter
                  .newBuilder().setStringParam("{}").build()).build()),
          Status.Code.INVALID_ARGUMENT, "parameter 'config' is not supported");
      assertStatus(() -> stub.repositoryIndex(RepositoryIndexRequest.newBuilder()
          .setRepositoryName("other").build()), Status.Code.NOT_FOUND, "no repository 'other'");
      assertThat(stub.repositoryIndex(RepositoryIndexRequest.newBuilder()
          .setRepositoryName("models").build()).getModelsCount()).isEqualTo(2);
      stub.repositoryModelUnload(unload("vectors", null));
      assertStatus(() -> stub.repositoryModelUnload(unload("vectors", null)),
          Status.Code.NOT_FOUND, "model 'vectors' is not loaded");
    }
  }

  @Test
  void unloadDrainsAcceptedWork() throws Exception {
    try (UpstreamServer s = new UpstreamServer(dir, Map.of())) {
      int calls = 12; // 12 x 64 items fit the default queue capacity (1,024)
      ConcurrentLinkedQueue<Object> outcomes = new ConcurrentLinkedQueue<>();
      CountDownLatch done = new CountDownLatch(calls);
      for (int i = 0; i < calls; i++) {
        s.async().withDeadlineAfter(60, TimeUnit.SECONDS).modelInfer(
            vectors(64).setModelVersion("1").build(), new StreamObserver<>() {
              @Override
              public void onNext(ModelInferResponse r) {
                outcomes.add(r);
              }

              @Override
              public void onError(Throwable t) {
                outcomes.add(Status.fromThrowable(t).getCode());
                done.countDown();
              }

              @Override
              public void onCompleted() {
                done.countDown();
              }
            });
      }
      long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (s.server.repository().versions("vectors").get(0).stats().queueDepth() == 0
          && System.nanoTime() < waitUntil) {
        Thread.sleep(1);
      }
      s.blocking().repositoryModelUnload(unload("vectors", null));
      assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
      // accepted calls were answered; calls arriving after the unload found no model
      assertThat(outcomes).hasSize(calls)
          .allMatch(o -> o instanceof ModelInferResponse || o == Status.Code.NOT_FOUND);
      assertThat(outcomes).anyMatch(o -> o instanceof ModelInferResponse);
    }
  }

  @Test
  void theTokenAndTheAdminSettingGuardLoadAndUnload() throws Exception {
    try (UpstreamServer s = new UpstreamServer(dir.resolve("a"),
        Map.of("cerberus.auth.token", "s3cret"))) {
      assertStatus(() -> s.blocking().repositoryModelUnload(unload("vectors", null)),
          Status.Code.UNAUTHENTICATED, "");
      s.blocking("s3cret").repositoryModelUnload(unload("vectors", null));
      s.blocking("s3cret").repositoryModelLoad(load("vectors", null));
      assertThat(s.blocking("s3cret").modelReady(ModelReadyRequest.newBuilder()
          .setName("vectors").build()).getReady()).isTrue();
    }
    try (UpstreamServer s = new UpstreamServer(dir.resolve("b"),
        Map.of("cerberus.repository.admin", "false"))) {
      for (var call : List.<org.assertj.core.api.ThrowableAssert.ThrowingCallable>of(
          () -> s.blocking().repositoryModelUnload(unload("vectors", null)),
          () -> s.blocking().repositoryModelLoad(load("vectors", null)))) {
        assertStatus(call, Status.Code.FAILED_PRECONDITION, "cerberus.repository.admin=false");
      }
      assertThat(state(s, "vectors", "1")).isEqualTo("READY");
    }
  }
}
