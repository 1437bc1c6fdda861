package dev.cerberus.model.bundle;

import static dev.cerberus.model.bundle.SourceBundles.Head.binary;
import static dev.cerberus.model.bundle.SourceBundles.Head.multiclass;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.HeadPrediction;
import dev.cerberus.model.ItemPrediction;
import dev.cerberus.model.bundle.BundleManifest.HeadSpec;
import dev.cerberus.model.graph.MultiHeadGraph;
import dev.cerberus.model.input.PreparedInput;
import dev.cerberus.model.testing.FixtureBundles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Merged bundles answer like their sources on the real engine: every head's probabilities
 * within 1e-5 on every item, and every source's unknown decision carried to its decision head.
 */
class BundleMergerTest {

  private static final GraphOptions CPU = new GraphOptions("cpu", new int[0]);
  private static final int ITEMS = 12;

  @TempDir Path tmp;

  private static List<PreparedInput> inputs() {
    Random r = new Random(11);
    List<PreparedInput> out = new ArrayList<>();
    for (int i = 0; i < ITEMS; i++) {
      float[] chw = new float[3 * 16 * 16];
      double shift = (i % 4) * 0.8; // spread the items so the thresholds split them
      for (int j = 0; j < chw.length; j++) chw[j] = (float) (r.nextGaussian() + shift);
      out.add(new PreparedInput.Pixels(chw));
    }
    return out;
  }

  /** Sets the source's threshold between the 6th and 7th of its scores, then loads it. */
  private static MultiHeadGraph calibrated(Bundle b, List<PreparedInput> in) throws Exception {
    double[] s;
    try (MultiHeadGraph g = MultiHeadGraph.load(b.dir(), CPU)) {
      s = g.forward(in).stream().mapToDouble(ItemPrediction::oodScore).sorted().toArray();
    }
    SourceBundles.withThreshold(b, (s[ITEMS / 2 - 1] + s[ITEMS / 2]) / 2);
    return MultiHeadGraph.load(b.dir(), CPU);
  }

  /** Every head of every source equals the merged head; decisions carry to decision heads. */
  private static void assertEquivalent(List<MultiHeadGraph> sources, MultiHeadGraph merged,
      List<PreparedInput> in) {
    List<ItemPrediction> got = merged.forward(in);
    for (MultiHeadGraph source : sources) {
      List<ItemPrediction> want = source.forward(in);
      String decisionHead = want.get(0).heads().get(source.bundle().decisionHeadIndex()).head();
      int d = merged.manifest().headIndex(decisionHead);
      int unknown = 0;
      for (int i = 0; i < ITEMS; i++) {
        for (HeadPrediction h : want.get(i).heads()) {
          HeadPrediction m = got.get(i).heads().get(merged.manifest().headIndex(h.head()));
          assertThat(m.probabilities()).as("%s item %d", h.head(), i)
              .containsExactly(h.probabilities(), within(1e-5f));
          assertThat(m.label()).isEqualTo(h.label());
        }
        HeadPrediction own = got.get(i).heads().get(d);
        assertThat(own.ownUnknown().unknown()).as("%s unknown, item %d", decisionHead, i)
            .isEqualTo(want.get(i).unknown());
        assertThat(own.ownUnknown().oodScore()).isCloseTo(want.get(i).oodScore(),
            within(1e-5f * Math.max(1, Math.abs(want.get(i).oodScore()))));
        assertThat(own.ownUnknown().oodMethod()).isEqualTo(want.get(i).oodMethod());
        assertThat(own.ownUnknown().threshold()).isEqualTo(want.get(i).threshold());
        if (want.get(i).unknown()) unknown++;
      }
      assertThat(unknown).as("%s: items on both sides of its threshold", decisionHead)
          .isBetween(1, ITEMS - 1);
    }
    for (ItemPrediction p : got) {
      assertThat(p.unknown()).isEqualTo(p.acceptedHeads().isEmpty()); // merged: no top policy
    }
  }

  @Test
  void splitSourcesWithDifferentTopsMergeIntoOneBundleThatAnswersLikeEach() throws Exception {
    Path split = FixtureBundles.copyTo(FixtureBundles.SPLIT, tmp.resolve("fixture"));
    Path top = split.resolve("top.pt");
    Path tuned = split.resolve("heads/tuned/top.pt");
    SourceBundles a = SourceBundles.at(tmp.resolve("a"), 1);
    Bundle ba = a.split(split, top,
        List.of(multiclass("a-kind", 3), binary("a-flag").withHidden(4)),
        SourceBundles.policy("max_softmax", null));
    SourceBundles b = SourceBundles.at(tmp.resolve("b"), 2);
    Bundle bb = b.split(split, tuned, List.of(binary("b-vs-x")),
        SourceBundles.knn(b.bank("ood/bank.npy", 5, 8), 2));
    SourceBundles c = SourceBundles.at(tmp.resolve("c"), 3);
    float[] eye = new float[64];
    for (int i = 0; i < 8; i++) eye[i * 9] = 0.5f;
    Bundle bc = c.split(split, top,
        List.of(multiclass("c-tuned", 2).withOwnTop(tuned), binary("c-main")),
        SourceBundles.mahalanobis("c-main", c.array("ood/means.npy", new int[] {2, 8}, c.gaussian(16, 1)),
            c.array("ood/precision.npy", new int[] {8, 8}, eye)));
    SourceBundles d = SourceBundles.at(tmp.resolve("d"), 4);
    Bundle bd = d.split(split, top, List.of(multiclass("d-own", 3).withOwnTop(tuned)),
        SourceBundles.policy("energy", null));
    List<PreparedInput> in = inputs();
    List<MultiHeadGraph> sources = new ArrayList<>();
    try {
      for (Bundle s : List.of(ba, bb, bc, bd)) sources.add(calibrated(s, in));
      Bundle merged = BundleMerger.merge(List.of(ba.dir(), bb.dir(), bc.dir(), bd.dir()),
          tmp.resolve("repo/merged/1"), new BundleMerger.Options("merged", "1", false));
      BundleManifest m = merged.manifest();
      assertThat(m.heads()).extracting(HeadSpec::name)
          .containsExactly("a-kind", "a-flag", "b-vs-x", "c-tuned", "c-main", "d-own");
      // a's heads and c-main read the shared top; every tuned-top reader shares one copy
      String copy = m.heads().get(2).top();
      assertThat(copy).startsWith("tops/");
      assertThat(m.heads()).extracting(HeadSpec::top)
          .containsExactly(null, null, copy, copy, null, copy);
      assertThat(m.heads()).extracting(h -> h.unknown() == null ? null : h.unknown().method())
          .containsExactly("max_softmax", null, "knn", null, "mahalanobis", "energy");
      assertThat(m.heads().get(2).unknown().bank()).isEqualTo("heads/b-vs-x/unknown/ood/bank.npy");
      assertThat(m.unknown().method()).isEqualTo("none");
      assertThat(m.numericMetrics()).containsKeys("a-kind.accuracy", "d-own.accuracy");
      @SuppressWarnings("unchecked")
      var provenance = (List<Map<String, Object>>) m.provenance().get("sources");
      assertThat(provenance).hasSize(4);
      assertThat(provenance.get(1).get("manifest_sha256"))
          .isEqualTo(BundleWriter.sha256(bb.dir().resolve("bundle.json")));
      try (var files = Files.list(tmp.resolve("repo/merged"))) {
        assertThat(files.map(p -> p.getFileName().toString())).containsExactly("1");
      }
      try (MultiHeadGraph g = MultiHeadGraph.load(merged.dir(), CPU)) {
        assertEquivalent(sources, g, in);
      }
    } finally {
      sources.forEach(MultiHeadGraph::close);
    }
  }

  /**
   * The user's case: every source's decision head has its own top, and its top-level feature
   * policy (knn, mahalanobis, a fusion with knn) was fitted on its source's shared top. The
   * merged policies name those features: {@code shared} when the source's shared top is the
   * merged one, the copied file when it is not, so every verdict and score is reproduced.
   */
  @Test
  void ownTopSourcesKeepTheirTopLevelFeaturePoliciesOnTheirSharedFeatures() throws Exception {
    Path split = FixtureBundles.copyTo(FixtureBundles.SPLIT, tmp.resolve("fixture"));
    Path top = split.resolve("top.pt");
    Path tuned = split.resolve("heads/tuned/top.pt");
    SourceBundles e = SourceBundles.at(tmp.resolve("e"), 7);
    Bundle be = e.split(split, top, List.of(binary("e-vs-x").withOwnTop(tuned)),
        SourceBundles.knn(e.bank("ood/bank.npy", 6, 8), 3));
    // f's shared top is the tuned file and its head's own top is the merged shared top
    SourceBundles f = SourceBundles.at(tmp.resolve("f"), 8);
    float[] eye = new float[64];
    for (int i = 0; i < 8; i++) eye[i * 9] = 0.5f;
    Bundle bf = f.split(split, tuned, List.of(multiclass("f-kind", 3).withOwnTop(top)),
        SourceBundles.mahalanobis(null, f.array("ood/means.npy", new int[] {3, 8}, f.gaussian(24, 1)),
            f.array("ood/precision.npy", new int[] {8, 8}, eye)));
    SourceBundles g = SourceBundles.at(tmp.resolve("g"), 9);
    Bundle bg = g.split(split, top,
        List.of(binary("g-side").withOwnTop(tuned), binary("g-main").withOwnTop(tuned).withHidden(4)),
        SourceBundles.fusion("g-main", SourceBundles.part("energy", null, 0.5, 0.0, 2.0),
            SourceBundles.part("knn", g.bank("ood/bank.npy", 5, 8), 1.0, 0.1, 0.5)));
    List<PreparedInput> in = inputs();
    List<MultiHeadGraph> sources = new ArrayList<>();
    try {
      for (Bundle s : List.of(be, bf, bg)) sources.add(calibrated(s, in));
      Bundle merged = BundleMerger.merge(List.of(be.dir(), bf.dir(), bg.dir()),
          tmp.resolve("out"), new BundleMerger.Options("own-tops", "1", false));
      BundleManifest m = merged.manifest();
      String copy = m.heads().get(0).top();
      assertThat(copy).startsWith("tops/");
      assertThat(m.heads()).extracting(HeadSpec::top).containsExactly(copy, null, copy, copy);
      assertThat(m.heads()).extracting(h -> h.unknown() == null ? null : h.unknown().features())
          .containsExactly(PolicyFeatures.SHARED, new PolicyFeatures.TopFile(copy), null,
              PolicyFeatures.SHARED);
      assertThat(m.heads().get(3).unknown().scores()).extracting(p -> p.features()).containsOnlyNulls();
      try (var tops = Files.list(merged.dir().resolve("tops"))) {
        assertThat(tops).hasSize(1); // the tuned file, read by three heads and one policy
      }
      try (MultiHeadGraph graph = MultiHeadGraph.load(merged.dir(), CPU)) {
        assertEquivalent(sources, graph, in);
      }
      // the same policies reading the heads' own features would give other scores: the test
      // above could fail
      Path own = tmp.resolve("own");
      BundleMerger.merge(List.of(be.dir(), bf.dir(), bg.dir()), own,
          new BundleMerger.Options("own-tops", "1", false));
      BundleManifest om = BundleReader.read(own).manifest();
      List<HeadSpec> heads = new ArrayList<>();
      for (HeadSpec h : om.heads()) {
        heads.add(h.unknown() == null ? h : h.withUnknown(h.unknown().withFeatures(null)));
      }
      BundleWriter.create(own).finish(new BundleManifest(1, om.name(), om.version(), null,
          om.input(), om.backbone(), false, heads, om.unknown(), null, null));
      try (MultiHeadGraph graph = MultiHeadGraph.load(own, CPU)) {
        float got = graph.forward(in).get(0).heads().get(0).ownUnknown().oodScore();
        assertThat(got).isNotCloseTo(sources.get(0).forward(in).get(0).oodScore(), within(1e-3f));
      }
    } finally {
      sources.forEach(MultiHeadGraph::close);
    }
  }

  @Test
  void wholeBackboneSourcesMergeAndAGateKeepsReadingItsHead() throws Exception {
    Path image = FixtureBundles.copyTo(FixtureBundles.IMAGE, tmp.resolve("fixture"));
    Bundle p = SourceBundles.at(tmp.resolve("p"), 5)
        .whole(image, List.of(multiclass("p", 4)), SourceBundles.policy("energy", null));
    Bundle q = SourceBundles.at(tmp.resolve("q"), 6).whole(image,
        List.of(binary("q-gate"), binary("q").withHidden(3)), SourceBundles.gate("q", "q-gate"));
    List<PreparedInput> in = inputs();
    List<MultiHeadGraph> sources = new ArrayList<>();
    try {
      sources.add(calibrated(p, in));
      sources.add(calibrated(q, in));
      Bundle merged = BundleMerger.merge(List.of(p.dir(), q.dir()), tmp.resolve("out"),
          new BundleMerger.Options("pq", "7", false));
      assertThat(merged.manifest().backbone().sha256())
          .isEqualTo(BundleWriter.sha256(image.resolve("backbone.pt")));
      assertThat(merged.manifest().heads().get(2).unknown().gateHead()).isEqualTo("q-gate");
      assertThat(merged.manifest().version()).isEqualTo("7");
      try (MultiHeadGraph g = MultiHeadGraph.load(merged.dir(), CPU)) {
        assertEquivalent(sources, g, in);
      }
    } finally {
      sources.forEach(MultiHeadGraph::close);
    }
    assertThat(Arrays.stream(tmp.toFile().list()).filter(n -> n.startsWith(".")).toList()).isEmpty();
  }
}
