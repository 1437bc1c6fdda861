package dev.cerberus.server.fuzz;

import dev.cerberus.model.fuzz.FuzzChecks;
import dev.cerberus.server.CerberusServer;
import dev.cerberus.server.ServerSettings;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One real Cerberus server per fuzzing JVM (Netty on 127.0.0.1, real engine) serving the OIP
 * fixtures of src/test/resources/oip: {@code pictures} (16 x 16 RGB image), {@code vectors}
 * (tensor [4]), {@code words} (text, 8 tokens). The server's stderr is watched: a stack frame in
 * its log is a finding, like a wrong status code.
 */
final class FuzzServer {

  static final String[] MODELS = {"pictures", "vectors", "words"};
  static final String[] HEADS = {"shade", "color", "is-big", "topic"};
  static final int MAX_ITEMS = 8;

  /** The codes a request may end with: its own fault, a missing model, or a size limit. */
  static final Set<Status.Code> CLIENT_CODES =
      Set.of(Status.Code.INVALID_ARGUMENT, Status.Code.NOT_FOUND, Status.Code.RESOURCE_EXHAUSTED);

  private static FuzzServer instance;

  final CerberusServer server;
  final ManagedChannel channel;
  private final ByteArrayOutputStream log = new ByteArrayOutputStream();

  private FuzzServer() throws Exception {
    PrintStream original = System.err;
    System.setErr(new PrintStream(new OutputStream() {
      @Override
      public void write(int b) {
        original.write(b);
        synchronized (log) {
          log.write(b);
        }
      }

      @Override
      public void write(byte[] b, int off, int len) {
        original.write(b, off, len);
        synchronized (log) {
          log.write(b, off, len);
        }
      }
    }, true, StandardCharsets.UTF_8));
    Path models = Path.of(FuzzServer.class.getResource("/oip").toURI());
    server = CerberusServer.start(ServerSettings.from(Map.of(
        "cerberus.port", "0",
        "cerberus.models", models.toString(),
        "cerberus.max-items-per-request", Integer.toString(MAX_ITEMS),
        "cerberus.batch.max-queue-delay-ms", "1")));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
        .maxInboundMessageSize(64 << 20).build();
    Runtime.getRuntime().addShutdownHook(new Thread(this::close));
  }

  static synchronized FuzzServer get() throws Exception {
    if (instance == null) instance = new FuzzServer();
    return instance;
  }

  /** A failed call: one of {@link #CLIENT_CODES} with a readable description. */
  static void expectClientError(StatusRuntimeException e, String what) {
    Status s = e.getStatus();
    if (!CLIENT_CODES.contains(s.getCode())) {
      throw new AssertionError(what + " ended " + s.getCode() + ": " + s.getDescription(), e);
    }
    FuzzChecks.readable(s.getDescription(), what + " " + s.getCode());
  }

  /** Fails when the server has logged a stack frame since the last call; clears the log. */
  void expectNoStackTrace(String what) {
    String text;
    synchronized (log) {
      text = log.toString(StandardCharsets.UTF_8);
      log.reset();
    }
    int at = text.indexOf("\tat ");
    if (at >= 0) {
      int from = Math.max(0, text.lastIndexOf('\n', Math.max(0, at - 2)) - 400);
      throw new AssertionError(what + ": the server logged a stack trace:\n"
          + text.substring(from, Math.min(text.length(), at + 400)));
    }
  }

  private void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.close();
  }
}
