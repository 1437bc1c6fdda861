package dev.cerberus.server.badinput;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.cerberus.proto.oip.GRPCInferenceServiceGrpc;
import dev.cerberus.proto.oip.InferTensorContents;
import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelInferRequest.InferInputTensor;
import dev.cerberus.proto.v1.ClassifierGrpc;
import dev.cerberus.proto.v1.ClassifyRequest;
import dev.cerberus.proto.v1.Item;
import dev.cerberus.proto.v1.Tensor;
import dev.cerberus.server.CerberusServer;
import dev.cerberus.server.ServerSettings;
import dev.cerberus.server.TestInputs;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * The one server a bad-input test class runs against: the real server (Netty on 127.0.0.1,
 * real engine, token auth on) with an image model ({@code shapes}, 16 x 16 RGB), a text model
 * ({@code topics}) and a tensor model ({@code vectors}, shape [4]), small limits so that
 * over-limit inputs stay cheap, and a copy of everything it logs (slf4j through System.err,
 * grpc through java.util.logging) so that each test can check that no stack trace appeared.
 */
final class BadInputServer implements AutoCloseable {

  static final String TOKEN = "bad-input-token";
  static final int MAX_ITEMS = 8;
  static final int MAX_MESSAGE_BYTES = 1 << 20;
  static final int MAX_IMAGE_BYTES = 256 << 10;
  static final int MAX_IMAGE_PIXELS = 1_000_000;
  static final int MAX_TEXT_BYTES = 2048;
  static final int MAX_TENSOR_VALUES = 4096;
  static final int MAX_REQUEST_PIXELS = 2_000_000;

  /** What a client-visible message must never contain: Java class names, stack frames, paths. */
  static final Pattern LEAK = Pattern.compile(
      "Exception|java\\.|javax\\.|\\.java|\tat |/tmp/|/home/|/root/|/usr/|/work/");

  final CerberusServer server;
  final ManagedChannel channel;
  private final Path models;
  private final PrintStream originalErr = System.err;
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final List<LogRecord> julRecords = Collections.synchronizedList(new ArrayList<>());
  private final Handler julHandler = new Handler() {
    @Override
    public void publish(LogRecord record) {
      julRecords.add(record);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  BadInputServer() throws Exception {
    models = Files.createTempDirectory("cerberus-bad-input");
    TestInputs.installFixture("image", models, "shapes", "1");
    TestInputs.installFixture("text", models, "topics", "1");
    copyTree(Path.of(BadInputServer.class.getResource("/oip/vectors/1").toURI()),
        models.resolve("vectors").resolve("1"));
    System.setErr(new PrintStream(new TeeStream(originalErr, err), true, StandardCharsets.UTF_8));
    Logger.getLogger("").addHandler(julHandler);
    server = CerberusServer.start(ServerSettings.from(Map.ofEntries(
        Map.entry("cerberus.port", "0"),
        Map.entry("cerberus.models", models.toString()),
        Map.entry("cerberus.auth.token", TOKEN),
        Map.entry("cerberus.max-items-per-request", String.valueOf(MAX_ITEMS)),
        Map.entry("cerberus.max-inbound-message-bytes", String.valueOf(MAX_MESSAGE_BYTES)),
        Map.entry("cerberus.limits.max-image-bytes", String.valueOf(MAX_IMAGE_BYTES)),
        Map.entry("cerberus.limits.max-image-pixels", String.valueOf(MAX_IMAGE_PIXELS)),
        Map.entry("cerberus.limits.max-text-bytes", String.valueOf(MAX_TEXT_BYTES)),
        Map.entry("cerberus.limits.max-tensor-values", String.valueOf(MAX_TENSOR_VALUES)),
        Map.entry("cerberus.limits.max-request-pixels", String.valueOf(MAX_REQUEST_PIXELS)),
        Map.entry("cerberus.stream.max-in-flight", "16"),
        Map.entry("cerberus.drain-timeout-seconds", "5"))));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
        .maxInboundMessageSize(64 << 20).build();
  }

  /** {@code stub} carrying the server's token and a 60 s deadline. */
  static <S extends AbstractStub<S>> S authed(S stub) {
    Metadata m = new Metadata();
    m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + TOKEN);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m))
        .withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  ClassifierGrpc.ClassifierBlockingStub classifier() {
    return authed(ClassifierGrpc.newBlockingStub(channel));
  }

  ClassifierGrpc.ClassifierStub classifierAsync() {
    return authed(ClassifierGrpc.newStub(channel));
  }

  GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub oip() {
    return authed(GRPCInferenceServiceGrpc.newBlockingStub(channel));
  }

  GRPCInferenceServiceGrpc.GRPCInferenceServiceStub oipAsync() {
    return authed(GRPCInferenceServiceGrpc.newStub(channel));
  }

  // ---- good inputs, one per model

  static Item goodItem(String model, String id) {
    Item.Builder item = Item.newBuilder().setId(id);
    return switch (model) {
      case "shapes" -> item.setImage(ByteString.copyFrom(TestInputs.png(16, 16, id.length())))
          .build();
      case "topics" -> item.setText("a small brown dog chased the cat").build();
      case "vectors" -> item.setTensor(Tensor.newBuilder().addShape(4)
          .addValues(0.5f).addValues(-1f).addValues(2f).addValues(0f)).build();
      default -> throw new IllegalArgumentException(model);
    };
  }

  /** A good ModelInferRequest of {@code items} 16 x 16 PNGs for {@code shapes}. */
  static ModelInferRequest.Builder goodOip(int items) {
    InferTensorContents.Builder contents = InferTensorContents.newBuilder();
    for (int i = 0; i < items; i++) {
      contents.addBytesContents(ByteString.copyFrom(TestInputs.png(16, 16, i + 1)));
    }
    return ModelInferRequest.newBuilder().setModelName("shapes").addInputs(
        InferInputTensor.newBuilder().setName("input").setDatatype("BYTES").addShape(items)
            .setContents(contents));
  }

  /** A good call on each API succeeds: the server is healthy after whatever came before. */
  void assertHealthy() {
    assertClassifyHealthy();
    assertOipHealthy();
  }

  void assertClassifyHealthy() {
    var answer = classifier().classify(ClassifyRequest.newBuilder().setModel("shapes")
        .addItems(goodItem("shapes", "health")).build());
    assertThat(answer.getResults(0).hasPrediction()).as("a good Classify call after").isTrue();
  }

  void assertOipHealthy() {
    var oipAnswer = oip().modelInfer(goodOip(1).setId("health").build());
    assertThat(oipAnswer.getOutputsCount()).as("a good ModelInfer call after").isPositive();
  }

  /** A position in the log; {@link #assertNoStackTraceSince} checks what came after it. */
  record LogMark(int errChars, int julRecords) {}

  LogMark mark() {
    synchronized (err) {
      return new LogMark(err.size(), julRecords.size());
    }
  }

  /** Nothing logged since {@code mark} carries a stack trace (slf4j text or a JUL throwable). */
  void assertNoStackTraceSince(LogMark mark) {
    String text;
    synchronized (err) {
      text = err.toString(StandardCharsets.UTF_8);
    }
    String since = text.substring(Math.min(mark.errChars(), text.length()));
    assertThat(since).as("server log").doesNotContain("\tat ").doesNotContain("Caused by:");
    List<LogRecord> records;
    synchronized (julRecords) {
      records = List.copyOf(julRecords.subList(mark.julRecords(), julRecords.size()));
    }
    assertThat(records).as("java.util.logging records with a throwable")
        .noneMatch(r -> r.getThrown() != null);
  }

  /** The server's log text since {@code mark} (slf4j). */
  String logSince(LogMark mark) {
    synchronized (err) {
      String text = err.toString(StandardCharsets.UTF_8);
      return text.substring(Math.min(mark.errChars(), text.length()));
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.close();
    Logger.getLogger("").removeHandler(julHandler);
    System.setErr(originalErr);
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (var files = Files.walk(from)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Path out = to.resolve(from.relativize(f).toString());
        Files.createDirectories(out.getParent());
        Files.copy(f, out);
      }
    }
  }

  /** Writes to two streams: the console and the copy the tests read. */
  private static final class TeeStream extends java.io.OutputStream {
    private final PrintStream console;
    private final ByteArrayOutputStream copy;

    TeeStream(PrintStream console, ByteArrayOutputStream copy) {
      this.console = console;
      this.copy = copy;
    }

    @Override
    public void write(int b) {
      console.write(b);
      synchronized (copy) {
        copy.write(b);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) {
      console.write(b, off, len);
      synchronized (copy) {
        copy.write(b, off, len);
      }
    }
  }

}
