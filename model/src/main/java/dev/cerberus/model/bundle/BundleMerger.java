package dev.cerberus.model.bundle;

import dev.cerberus.model.bundle.BundleManifest.BackboneSpec;
import dev.cerberus.model.bundle.BundleManifest.HeadSpec;
import dev.cerberus.model.bundle.BundleManifest.InputSpec;
import dev.cerberus.model.bundle.BundleManifest.LayerSpec;
import dev.cerberus.model.bundle.BundleManifest.SplitSpec;
import dev.cerberus.model.bundle.BundleManifest.UnknownPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Merges separately trained bundles that share a trunk into one multi-head bundle whose heads
 * give the same outputs as in their source bundles (docs/bundle.md, "Merged bundles"):
 * heads keep their names and weights, each keeps reading the features it read before (the
 * shared backbone, its source's top or its own top), and each source's top-level unknown
 * policy becomes the own policy of that source's decision head, with its statistics copied
 * under {@code heads/<head>/unknown/} and its {@code features} naming the top it was fitted on
 * (its source's shared top) when that is not what the head reads. The bundle is written to a temporary folder next to the
 * output, validated by reading it back, and renamed into place: never a half-written bundle.
 */
public final class BundleMerger {

  /** Where own tops that differ from the shared top go, one file per distinct content. */
  static final String TOPS = "tops/";

  /**
   * @param name the merged bundle's {@code name}
   * @param version its {@code version}
   * @param force replace an existing output folder
   */
  public record Options(String name, String version, boolean force) {}

  private final List<MergeSource> sources;
  private final BundleWriter writer;
  private final Map<String, String> copiedTops = new HashMap<>(); // sha256 -> bundle path

  private BundleMerger(List<MergeSource> sources, BundleWriter writer) {
    this.sources = sources;
    this.writer = writer;
  }

  /** Merges {@code sourceDirs} into {@code output}; returns the merged, validated bundle. */
  public static Bundle merge(List<Path> sourceDirs, Path output, Options options)
      throws BundleException, IOException {
    if (sourceDirs.size() < 2) {
      throw new BundleException("merge needs at least two bundles, got " + sourceDirs.size());
    }
    Path out = output.toAbsolutePath().normalize();
    if (Files.exists(out) && !options.force()) {
      throw new BundleException(out + ": the output folder exists; pass --force to replace it");
    }
    List<MergeSource> sources = new ArrayList<>();
    for (Path dir : sourceDirs) sources.add(MergeSource.read(dir));
    MergeChecks.check(sources);
    Files.createDirectories(out.getParent());
    // the bundle is built one level down (tmp/bundle), so a model repository scanning
    // <name>/<version>/bundle.json never sees it before it is complete and renamed
    Path tmp = Files.createTempDirectory(out.getParent(), "." + out.getFileName() + ".merging-");
    try {
      Path building = tmp.resolve("bundle");
      new BundleMerger(sources, BundleWriter.create(building)).write(options);
      replace(building, out, tmp);
    } finally {
      deleteTree(tmp);
    }
    return BundleReader.read(out);
  }

  private void write(Options options) throws IOException, BundleException {
    MergeSource first = sources.get(0);
    BundleManifest m0 = first.manifest();
    BackboneSpec bb = m0.backbone();
    for (String file : backboneFiles(m0)) writer.copyFile(first.bundle().resolve(file), file);
    List<HeadSpec> heads = new ArrayList<>();
    Map<String, Object> metrics = new LinkedHashMap<>();
    for (MergeSource s : sources) {
      heads.addAll(heads(s));
      String prefix = s.manifest().heads().get(s.bundle().decisionHeadIndex()).name() + ".";
      s.manifest().numericMetrics().forEach((k, v) -> metrics.put(prefix + k, v));
    }
    BackboneSpec backbone = bb.split() != null
        ? new BackboneSpec(null, bb.split(), bb.output(), bb.featureSize(), null)
        : new BackboneSpec(bb.file(), null, bb.output(), bb.featureSize(), first.backboneSha256());
    // no item-level policy of its own: each source's policy now decides for its head, and the
    // overall verdict is "none of these" when no head accepts (docs/bundle.md)
    UnknownPolicy none = new UnknownPolicy(UnknownPolicy.NONE,
        m0.heads().get(first.bundle().decisionHeadIndex()).name(),
        null, null, null, null, null, null, null, null, null, null, null, null);
    BundleManifest merged = new BundleManifest(
        BundleManifest.SUPPORTED_SCHEMA_VERSION, options.name(), options.version(),
        "merged from " + String.join(", ", sources.stream().map(this::describe).toList()),
        m0.input(), backbone, m0.flipFeatures(), m0.flipTta(), heads, none, provenance(), metrics);
    writer.finish(merged);
  }

  /** The backbone files and tokenizer of the first source, copied under the same names. */
  private static List<String> backboneFiles(BundleManifest m) {
    List<String> files = new ArrayList<>();
    SplitSpec split = m.backbone().split();
    if (split != null) {
      files.add(split.trunk());
      files.add(split.top());
    } else {
      files.add(m.backbone().file());
    }
    if (InputSpec.TEXT.equals(m.input().kind())) files.add(m.input().text().tokenizer());
    return files;
  }

  private List<HeadSpec> heads(MergeSource s) throws IOException, BundleException {
    BundleManifest m = s.manifest();
    int decision = s.bundle().decisionHeadIndex();
    UnknownPolicy top = m.unknown();
    boolean carry = !UnknownPolicy.NONE.equals(top.method().toLowerCase(Locale.ROOT));
    List<HeadSpec> out = new ArrayList<>();
    for (int h = 0; h < m.heads().size(); h++) {
      HeadSpec head = m.heads().get(h);
      String at = s.label() + ": heads[" + h + "] (" + head.name() + ")";
      UnknownPolicy own = head.unknown();
      TopRef reads = own == null ? null : policyTop(s, head, own.featuresOrDefault());
      if (h == decision && carry) {
        if (own != null) {
          throw new BundleException("cannot merge " + at + ": it has its own unknown policy and"
              + " is also the decision head of the top-level one; only one can become its policy");
        }
        own = top;
        reads = policyTop(s, head, PolicyFeatures.SHARED); // the top-level policy's features
      }
      TopRef headTop = headTop(s, head);
      String ownTop = s.split() ? topOf(s, headTop) : null;
      List<LayerSpec> layers = writer.writeHead(head.name(), s.bundle().headLayers().get(h));
      UnknownPolicy policy = null;
      if (own != null) {
        policy = copyPolicy(s, head.name(), own)
            .withFeatures(s.split() && own.readsFeatures() ? features(s, reads, headTop) : null);
      }
      out.add(new HeadSpec(head.name(), head.kind(), head.labels(), layers, ownTop, policy));
    }
    return out;
  }

  /** A top file of a source bundle: its manifest path there and its sha256. */
  private record TopRef(String path, String sha256) {}

  /** The top whose output a source head's layers read: its own top, else the shared one. */
  private static TopRef headTop(MergeSource s, HeadSpec head) throws IOException {
    if (!s.split()) return null;
    return head.top() != null
        ? new TopRef(head.top(), s.sha256(head.top()))
        : new TopRef(s.manifest().backbone().split().top(), s.topSha256());
  }

  /** The top whose output a source policy of {@code head} reads, by its {@code features}. */
  private static TopRef policyTop(MergeSource s, HeadSpec head, PolicyFeatures f)
      throws IOException {
    if (!s.split()) return null;
    if (f instanceof PolicyFeatures.TopFile t) return new TopRef(t.file(), s.sha256(t.file()));
    return f instanceof PolicyFeatures.Shared
        ? new TopRef(s.manifest().backbone().split().top(), s.topSha256())
        : headTop(s, head);
  }

  /**
   * {@code features} of a carried feature policy, so that it scores in the merged bundle the
   * output of the same top file (by sha256) as in its source: absent (own) when that is what
   * its head reads, {@code shared} when it is the merged bundle's shared top, else a copy of
   * the file under {@code tops/} (shared with any head that reads the same file).
   */
  private PolicyFeatures features(MergeSource s, TopRef reads, TopRef headTop) throws IOException {
    if (reads.sha256().equals(headTop.sha256())) return null;
    if (reads.sha256().equals(sources.get(0).topSha256())) return PolicyFeatures.SHARED;
    return new PolicyFeatures.TopFile(copyTop(s, reads));
  }

  /**
   * The head's top in the merged bundle: null (the shared top) when its features come from a
   * top identical to the first source's, else a copy under {@code tops/}.
   */
  private String topOf(MergeSource s, TopRef top) throws IOException {
    return top.sha256().equals(sources.get(0).topSha256()) ? null : copyTop(s, top);
  }

  /** {@code tops/<sha256 prefix>.pt}: one copy per distinct file, whoever reads it. */
  private String copyTop(MergeSource s, TopRef top) throws IOException {
    String copied = copiedTops.get(top.sha256());
    if (copied == null) {
      copied = writer.copyFile(s.bundle().resolve(top.path()),
          TOPS + top.sha256().substring(0, 16) + ".pt");
      copiedTops.put(top.sha256(), copied);
    }
    return copied;
  }

  /** Copies the policy's statistics under {@code heads/<head>/unknown/} and renames them. */
  private UnknownPolicy copyPolicy(MergeSource s, String head, UnknownPolicy p) throws IOException {
    String folder = "heads/" + head + "/unknown/";
    java.util.function.UnaryOperator<String> rename =
        rel -> rel.startsWith(folder) ? rel : folder + rel;
    for (String rel : p.files()) writer.copyFile(s.bundle().resolve(rel), rename.apply(rel));
    return p.asHeadPolicy(rename);
  }

  private String describe(MergeSource s) {
    return s.manifest().name() + " " + s.manifest().version();
  }

  private Map<String, Object> provenance() {
    List<Map<String, Object>> list = new ArrayList<>();
    for (MergeSource s : sources) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("path", s.bundle().dir().toString());
      e.put("name", s.manifest().name());
      e.put("version", s.manifest().version());
      e.put("manifest_sha256", s.manifestSha256());
      e.put(s.split() ? "trunk_sha256" : "backbone_sha256", s.backboneSha256());
      if (s.topSha256() != null) e.put("top_sha256", s.topSha256());
      e.put("heads", s.manifest().heads().stream().map(HeadSpec::name).toList());
      e.put("unknown_method", s.manifest().unknown().method());
      e.put("provenance", s.manifest().provenance());
      list.add(e);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("merged_by", "cerberus merge");
    out.put("sources", list);
    return out;
  }

  /**
   * Renames the finished bundle into place. An existing output (--force) is first renamed into
   * {@code tmp} (deleted with it), so the output path never holds a partial bundle.
   */
  private static void replace(Path built, Path out, Path tmp) throws IOException {
    if (Files.exists(out)) Files.move(out, tmp.resolve("replaced"), StandardCopyOption.ATOMIC_MOVE);
    Files.move(built, out, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }
}
