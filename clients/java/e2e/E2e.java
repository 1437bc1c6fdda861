// The clients' shared end-to-end scenario (clients/README.md "The e2e scenario") with the Java
// library, against a running server. A single-file program run by ../e2e.sh:
//   java -cp clients/java/target/cerberus-client.jar clients/java/e2e/E2e.java HOST:PORT
// Environment: see clients/README.md. Exits 1 if any check fails.
import dev.cerberus.client.CerberusClient;
import dev.cerberus.client.CerberusException;
import dev.cerberus.client.Items;
import dev.cerberus.client.Oip;
import dev.cerberus.client.OipDecision;
import dev.cerberus.client.StreamOptions;
import dev.cerberus.client.TlsConfig;
import dev.cerberus.proto.v1.ClassifyRequest;
import dev.cerberus.proto.v1.HeadPrediction;
import dev.cerberus.proto.v1.Item;
import dev.cerberus.proto.v1.ItemResult;
import dev.cerberus.proto.v1.Prediction;
import dev.cerberus.proto.v1.Reason;
import dev.cerberus.proto.v1.Tensor;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

public class E2e {
  interface Check { void run() throws Exception; }

  static final String CORRUPT = "this is not an image";
  static Map<String, String> env = System.getenv();
  static String target, model, knownLabel, textModel, headsModel, token, ca;
  static byte[] known, unseen;
  static int streamItems;
  static Duration streamDeadline;

  static String env(String name, String def) {
    String v = env.get(name);
    return v == null || v.isEmpty() ? def : v;
  }

  static void expect(boolean cond, String msg) {
    if (!cond) throw new AssertionError(msg);
  }

  static void expectError(Status.Code code, Check call, String... needles) throws Exception {
    try {
      call.run();
    } catch (CerberusException e) {
      expect(e.code() == code, "code " + e.code() + " (" + e.serverMessage() + "), expected " + code);
      for (String n : needles) expect(e.serverMessage().contains(n), "message does not name " + n + ": " + e.serverMessage());
      return;
    }
    throw new AssertionError("no error, expected " + code);
  }

  static CerberusClient connect(String withToken, Duration deadline) {
    CerberusClient.Builder b = CerberusClient.builder().target(target).deadline(deadline);
    if (ca != null) b.tls(TlsConfig.trusting(Path.of(ca)));
    if (withToken != null) b.bearerToken(withToken);
    return b.build();
  }

  static String reason(Reason r) {
    return r.name().substring("REASON_".length()).toLowerCase();
  }

  static List<ItemResult> classify(CerberusClient c, String m, List<Item> items) {
    return c.classify(ClassifyRequest.newBuilder().setModel(m).addAllItems(items).build()).getResultsList();
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 1) { System.err.println("usage: E2e HOST:PORT"); System.exit(64); }
    Path repo = Path.of(env("CERBERUS_E2E_REPO", "."));
    target = args[0];
    model = env("CERBERUS_E2E_MODEL", "fashion");
    known = Files.readAllBytes(repo.resolve(env("CERBERUS_E2E_KNOWN", "examples/images/fashion/bag/00018.png")));
    unseen = Files.readAllBytes(repo.resolve(env("CERBERUS_E2E_UNSEEN", "examples/images/fashion/pullover/00001.png")));
    knownLabel = env("CERBERUS_E2E_KNOWN_LABEL", "bag");
    textModel = env("CERBERUS_E2E_TEXT_MODEL", null);
    headsModel = env("CERBERUS_E2E_HEADS_MODEL", null);
    token = env("CERBERUS_E2E_TOKEN", null);
    ca = env("CERBERUS_E2E_CA", null);
    streamItems = Integer.parseInt(env("CERBERUS_E2E_STREAM_ITEMS", "10000"));
    streamDeadline = Duration.ofSeconds(Long.parseLong(env("CERBERUS_E2E_STREAM_DEADLINE", "600")));
    Item good = Items.image("a", known), bad = Items.image("bad", CORRUPT.getBytes()), other = Items.image("b", unseen);

    try (CerberusClient c = connect(token, Duration.ofSeconds(120))) {
      List<Object[]> checks = new ArrayList<>();
      checks.add(new Object[] {"health", (Check) () -> expect(c.health("").name().equals("SERVING"), "not SERVING")});
      checks.add(new Object[] {"list models", (Check) () -> {
        Set<String> names = new java.util.HashSet<>();
        c.listModels().getModelsList().forEach(m -> names.add(m.getName()));
        for (String m : new String[] {model, textModel, headsModel}) expect(m == null || names.contains(m), m + " not in " + names);
      }});
      checks.add(new Object[] {"known image and unseen image", (Check) () -> {
        List<ItemResult> r = classify(c, model, List.of(Items.image("k", known), Items.image("u", unseen)));
        Prediction k = r.get(0).getPrediction(), u = r.get(1).getPrediction();
        expect(k.getDecision().equals(knownLabel) && !k.getUnknown() && k.getReason() == Reason.REASON_CLASS, "known: " + k);
        for (HeadPrediction h : k.getHeadsList()) {
          double sum = h.getProbabilitiesList().stream().mapToDouble(p -> p.getProbability()).sum();
          expect(Math.abs(sum - 1) < 1e-3, h.getHead() + " probabilities sum to " + sum);
        }
        expect(u.getUnknown() && u.getDecision().equals("unknown")
            && (u.getReason() == Reason.REASON_THRESHOLD || u.getReason() == Reason.REASON_GATE), "unseen: " + u);
      }});
      checks.add(new Object[] {"bad item beside good ones", (Check) () -> {
        List<ItemResult> r = classify(c, model, List.of(good, bad, other));
        expect(r.get(0).getId().equals("a") && r.get(1).getId().equals("bad") && r.get(2).getId().equals("b"), "order " + r);
        expect(r.get(0).hasPrediction() && r.get(2).hasPrediction(), "good items: " + r);
        expect(r.get(1).hasError() && r.get(1).getError().getCode().name().equals("INVALID_ARGUMENT"), "corrupt: " + r.get(1));
      }});
      if (headsModel != null) checks.add(new Object[] {"per-head fields", (Check) () -> {
        float[][] vecs = {{4, 0}, {0, 4}, {0, 0}};
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < vecs.length; i++) {
          items.add(Item.newBuilder().setId("" + i).setTensor(Tensor.newBuilder().addShape(2)
              .addValues(vecs[i][0]).addValues(vecs[i][1])).build());
        }
        List<ItemResult> r = classify(c, headsModel, items);
        List<List<String>> want = List.of(List.of("color"), List.of("size"), List.of());
        for (int i = 0; i < 3; i++) {
          Prediction p = r.get(i).getPrediction();
          expect(p.getAcceptedHeadsList().equals(want.get(i)), "item " + i + " accepted by " + p.getAcceptedHeadsList());
          for (HeadPrediction h : p.getHeadsList()) {
            var own = h.getOwnUnknown();
            expect(h.hasOwnUnknown() && own.getUnknown() == (own.getOodScore() > own.getThreshold()), h.getHead() + ": " + own);
            expect(reason(h.getReason()).equals(own.getUnknown() ? "threshold" : "class"), h.getHead() + " reason " + h.getReason());
          }
        }
        Prediction none = r.get(2).getPrediction();
        expect(none.getUnknown() && none.getReason() == Reason.REASON_THRESHOLD, "none of these: " + none);
        expect(!r.get(0).getPrediction().getUnknown() && !r.get(1).getPrediction().getUnknown(), "accepted items unknown");
      }});
      if (textModel != null) checks.add(new Object[] {"text", (Check) () -> {
        List<ItemResult> r = c.classifyTexts(textModel, List.of("the cat", "a bus")).getResultsList();
        expect(r.size() == 2 && r.stream().allMatch(ItemResult::hasPrediction), "texts: " + r);
      }});
      checks.add(new Object[] {"stream of " + streamItems + " items with a deadline", (Check) () -> {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        AtomicInteger errors = new AtomicInteger(), duplicates = new AtomicInteger();
        List<Item> items = new ArrayList<>(streamItems);
        for (int i = 0; i < streamItems; i++) {
          byte[] img = i % 1000 == 500 ? CORRUPT.getBytes() : (i % 2 == 0 ? known : unseen);
          items.add(Items.image("s" + i, img));
        }
        c.classifyAll(StreamOptions.forModel(model).withItemsPerMessage(100).withMaxInFlight(1024)
            .withDeadline(streamDeadline), items, r -> {
          if (!seen.add(r.getId())) duplicates.incrementAndGet();
          if (r.hasError()) errors.incrementAndGet();
        });
        expect(duplicates.get() == 0 && seen.size() == streamItems, seen.size() + " results, " + duplicates + " repeated");
        expect(errors.get() == (streamItems + 499) / 1000, errors + " item errors");
      }});
      checks.add(new Object[] {"expired deadline -> DEADLINE_EXCEEDED", (Check) () -> {
        try (CerberusClient hurried = connect(token, Duration.ofMillis(1))) {
          expectError(Status.Code.DEADLINE_EXCEEDED, () -> classify(hurried, model, List.of(good, good, good, good)));
        }
      }});
      checks.add(new Object[] {"unknown model -> NOT_FOUND", (Check) () ->
          expectError(Status.Code.NOT_FOUND, () -> classify(c, "no-such-model", List.of(good)), "no-such-model")});
      checks.add(new Object[] {"OIP v2 ModelInfer", (Check) () -> {
        List<ItemResult> ref = classify(c, model, List.of(Items.image("k", known), Items.image("u", unseen)));
        List<OipDecision> got = Oip.decisions(c.oipInfer(Oip.imageRequest(model, List.of(known, unseen))));
        for (int i = 0; i < 2; i++) {
          Prediction p = ref.get(i).getPrediction();
          OipDecision d = got.get(i);
          expect(d.decision().equals(p.getDecision()) && d.unknown() == p.getUnknown()
              && d.reason().equals(reason(p.getReason())), "item " + i + ": " + d + " vs " + p);
        }
        expectError(Status.Code.INVALID_ARGUMENT,
            () -> c.oipInfer(Oip.imageRequest(model, List.of(known, CORRUPT.getBytes()))), "item 1");
      }});
      if (token != null) checks.add(new Object[] {"token required, health open", (Check) () -> {
        for (String t : new String[] {null, "wrong"}) {
          try (CerberusClient tokenless = connect(t, Duration.ofSeconds(60))) {
            expect(tokenless.health("").name().equals("SERVING"), "health must stay open");
            expectError(Status.Code.UNAUTHENTICATED, () -> classify(tokenless, model, List.of(good)));
          }
        }
      }});

      int failed = 0;
      for (Object[] ch : checks) {
        try {
          ((Check) ch[1]).run();
          System.out.println("ok   " + ch[0]);
        } catch (Exception | AssertionError e) {
          failed++;
          System.out.println("FAIL " + ch[0] + ": " + e);
        }
      }
      System.out.println("java e2e: " + (checks.size() - failed) + " passed, " + failed + " failed"
          + (token == null ? " (no token set: token check skipped)" : ""));
      System.exit(failed == 0 ? 0 : 1);
    }
  }
}
