package dev.cerberus.server.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import dev.cerberus.model.fuzz.FuzzChecks;
import dev.cerberus.proto.v1.ClassifierGrpc;
import dev.cerberus.proto.v1.ClassifyRequest;
import dev.cerberus.proto.v1.ClassifyResponse;
import dev.cerberus.proto.v1.Item;
import dev.cerberus.proto.v1.ItemResult;
import dev.cerberus.proto.v1.Tensor;
import dev.cerberus.server.grpc.MalformedRequests;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.util.concurrent.TimeUnit;

/**
 * Cerberus {@code Classify} requests from fuzz data, sent over gRPC to the real server. A call
 * either answers one result per item (each a prediction or a per-item error with a readable
 * message) or fails with INVALID_ARGUMENT, NOT_FOUND or RESOURCE_EXHAUSTED and a readable
 * description; the server never logs a stack trace. Anything else (UNKNOWN, INTERNAL, a
 * deadline, a missing result) is a finding.
 */
class ClassifyFuzzTest {

  /** Structured requests: models, versions, heads and items near the served ones. */
  @FuzzTest(maxDuration = "10s")
  void classify(FuzzedDataProvider d) throws Exception {
    FuzzServer s = FuzzServer.get();
    ClassifyRequest.Builder req = ClassifyRequest.newBuilder()
        .setModel(FuzzValues.pick(d, FuzzServer.MODELS, 64))
        .setVersion(FuzzValues.pick(d, new String[] {"", "1", "2"}, 16));
    for (int n = d.consumeInt(0, 2); n > 0; n--) req.addHeads(FuzzValues.pick(d, FuzzServer.HEADS, 16));
    for (int n = d.consumeInt(0, FuzzServer.MAX_ITEMS + 1); n > 0 && d.remainingBytes() > 0; n--) {
      req.addItems(item(d));
    }
    try {
      ClassifyResponse r = ClassifierGrpc.newBlockingStub(s.channel)
          .withDeadlineAfter(30, TimeUnit.SECONDS).classify(req.build());
      if (r.getResultsCount() != req.getItemsCount()) {
        throw new AssertionError(req.getItemsCount() + " items, " + r.getResultsCount() + " results");
      }
      for (ItemResult res : r.getResultsList()) {
        if (res.hasError()) FuzzChecks.readable(res.getError().getMessage(), "item error");
        else if (!res.hasPrediction()) throw new AssertionError("result without outcome: " + res);
      }
    } catch (StatusRuntimeException e) {
      FuzzServer.expectClientError(e, "Classify");
    }
    s.expectNoStackTrace("Classify");
  }

  /** Raw bytes as a Classify message: the protobuf parser's error paths (UTF-8, truncation). */
  @FuzzTest(maxDuration = "10s")
  void classifyBytes(byte[] body) throws Exception {
    FuzzServer s = FuzzServer.get();
    MethodDescriptor<?, ?> m = ClassifierGrpc.getClassifyMethod();
    MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(m.getType()).setFullMethodName(m.getFullMethodName())
        .setRequestMarshaller(MalformedRequests.RAW_BYTES)
        .setResponseMarshaller(MalformedRequests.RAW_BYTES).build();
    try {
      ClientCalls.blockingUnaryCall(s.channel, raw,
          CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), body);
    } catch (StatusRuntimeException e) {
      FuzzServer.expectClientError(e, "Classify (raw bytes)");
    }
    s.expectNoStackTrace("Classify (raw bytes)");
  }

  private static Item item(FuzzedDataProvider d) {
    Item.Builder it = Item.newBuilder().setId(d.consumeString(12));
    switch (d.consumeInt(0, 3)) {
      case 0 -> it.setImage(ByteString.copyFrom(FuzzValues.image(d)));
      case 1 -> it.setText(d.consumeString(d.consumeInt(0, 300)));
      case 2 -> {
        Tensor.Builder t = Tensor.newBuilder();
        for (long v : FuzzValues.shape(d)) t.addShape(v);
        for (float v : FuzzValues.floats(d)) t.addValues(v);
        it.setTensor(t);
      }
      default -> { } // no input at all
    }
    return it.build();
  }
}
