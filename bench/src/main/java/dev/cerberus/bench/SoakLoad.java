package dev.cerberus.bench;

import dev.cerberus.proto.oip.GRPCInferenceServiceGrpc;
import dev.cerberus.proto.oip.ModelInferResponse;
import dev.cerberus.proto.v1.ClassifierGrpc;
import dev.cerberus.proto.v1.ClassifyRequest;
import dev.cerberus.proto.v1.ClassifyResponse;
import dev.cerberus.proto.v1.Item;
import dev.cerberus.proto.v1.ItemResult;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The soak's unary traffic on both APIs, a weighted mix of good and bad calls; each call's
 * expected outcome is known, so every other outcome is counted as unexpected. Streams are in
 * {@link SoakStreams}.
 */
final class SoakLoad {

  /** The unary calls and their share of the mix (percent). */
  enum Call {
    CLASSIFY_GOOD(40), CLASSIFY_MIXED(15), CLASSIFY_UNKNOWN_MODEL(5), CLASSIFY_TOO_MANY(5),
    OIP_GOOD(25), OIP_BAD(10);

    final int weight;

    Call(int weight) {
      this.weight = weight;
    }

    static Call pick(Random rnd) {
      int x = rnd.nextInt(100);
      for (Call c : values()) {
        if (x < c.weight) return c;
        x -= c.weight;
      }
      return CLASSIFY_GOOD;
    }
  }

  static final String CLASSIFY = "classify";
  static final String OIP = "oip-infer";
  // generous: on a starved machine good calls took over 50 s; the soak counts losses, not speed
  static final long DEADLINE_S = 180;

  private final ManagedChannel channel;
  private final String model;
  private final SoakInputs inputs;
  private final SoakTally tally;
  private final int maxItems;

  SoakLoad(ManagedChannel channel, String model, SoakInputs inputs, SoakTally tally, int maxItems) {
    this.channel = channel;
    this.model = model;
    this.inputs = inputs;
    this.tally = tally;
    this.maxItems = maxItems;
  }

  /** One worker: calls until {@code stop} says so, {@code pauseMs} between calls. */
  void worker(int seed, BooleanSupplier stop, long pauseMs) {
    Random rnd = new Random(seed);
    while (!stop.getAsBoolean()) {
      Call c = Call.pick(rnd);
      try {
        switch (c) {
          case OIP_GOOD, OIP_BAD -> oip(c, rnd);
          default -> classify(c, rnd);
        }
      } catch (RuntimeException e) {
        tally.outcome(c + " client failure", false, String.valueOf(e));
      }
      if (pauseMs > 0) {
        try {
          Thread.sleep(pauseMs);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private void classify(Call c, Random rnd) {
    int n = switch (c) {
      case CLASSIFY_TOO_MANY -> maxItems + 1;
      case CLASSIFY_MIXED -> 2 + rnd.nextInt(4);
      default -> 1 + rnd.nextInt(4);
    };
    ClassifyRequest.Builder req = ClassifyRequest.newBuilder()
        .setModel(c == Call.CLASSIFY_UNKNOWN_MODEL ? model + "-missing" : model);
    int badAt = c == Call.CLASSIFY_MIXED ? rnd.nextInt(n) : -1;
    for (int i = 0; i < n; i++) {
      boolean bad = i == badAt || (c == Call.CLASSIFY_MIXED && rnd.nextInt(4) == 0);
      req.addItems(bad ? inputs.bad(rnd, "b" + i) : inputs.good(rnd, "g" + i));
    }
    String name = c.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    Status.Code expected = switch (c) {
      case CLASSIFY_UNKNOWN_MODEL -> Status.Code.NOT_FOUND;
      case CLASSIFY_TOO_MANY -> Status.Code.INVALID_ARGUMENT;
      default -> Status.Code.OK;
    };
    tally.sent(CLASSIFY, n);
    long t0 = System.nanoTime();
    try {
      ClassifyResponse r = ClassifierGrpc.newBlockingStub(channel)
          .withDeadlineAfter(DEADLINE_S, TimeUnit.SECONDS).classify(req.build());
      tally.answered(CLASSIFY, r.getResultsCount());
      tally.outcome(name + " call OK", expected == Status.Code.OK, "answered instead of " + expected);
      if (expected == Status.Code.OK && c == Call.CLASSIFY_GOOD) tally.unaryLatency(t0);
      if (r.getResultsCount() != n) {
        tally.outcome(name + " results missing", false, n + " items, " + r.getResultsCount() + " results");
      }
      for (ItemResult res : r.getResultsList()) itemOutcome(name, res);
    } catch (StatusRuntimeException e) {
      tally.answered(CLASSIFY, n); // the call's status answers every item of it
      tally.outcome(name + " call " + e.getStatus().getCode(), e.getStatus().getCode() == expected,
          e.getStatus().getDescription());
    }
  }

  /** A result for an item whose id says whether it was good ("g") or bad ("b"). */
  void itemOutcome(String name, ItemResult res) {
    boolean bad = res.getId().startsWith("b");
    if (res.hasPrediction()) {
      tally.outcome(name + " item prediction", !bad, "a bad item got a prediction");
    } else {
      String code = res.getError().getCode().name();
      tally.outcome(name + " item " + code, bad && "INVALID_ARGUMENT".equals(code), res.getError().getMessage());
    }
  }

  private void oip(Call c, Random rnd) {
    int n = c == Call.OIP_GOOD ? 1 + rnd.nextInt(4) : 1;
    String name = c.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    tally.sent(OIP, n);
    long t0 = System.nanoTime();
    try {
      ModelInferResponse r = GRPCInferenceServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(DEADLINE_S, TimeUnit.SECONDS)
          .modelInfer(c == Call.OIP_GOOD ? inputs.oip(model, rnd, n) : inputs.oipBad(model));
      tally.answered(OIP, n);
      boolean ok = c == Call.OIP_GOOD && r.getOutputsCount() > 0 && r.getOutputs(0).getShape(0) == n;
      tally.outcome(name + " call OK", ok, "outputs " + r.getOutputsList().stream().map(o -> o.getName() + o.getShapeList()).toList());
      if (ok) tally.unaryLatency(t0);
    } catch (StatusRuntimeException e) {
      tally.answered(OIP, n);
      Status.Code code = e.getStatus().getCode();
      tally.outcome(name + " call " + code, c == Call.OIP_BAD && code == Status.Code.INVALID_ARGUMENT,
          e.getStatus().getDescription());
    }
  }
}
