package dev.cerberus.model.bundle;

import dev.cerberus.model.bundle.BundleManifest.BackboneSpec;
import dev.cerberus.model.bundle.BundleManifest.InputSpec;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One validated source bundle of a merge with the checksums the merge compares.
 *
 * @param label how errors name the bundle (its folder as given)
 * @param bundle the validated bundle
 * @param manifestSha256 sha256 of its bundle.json (provenance of the merged bundle)
 * @param backboneSha256 sha256 of {@code backbone.file}, or of {@code backbone.split.trunk}
 * @param topSha256 sha256 of {@code backbone.split.top}; null for a whole backbone
 * @param tokenizerSha256 sha256 of the text tokenizer; null for other inputs
 */
record MergeSource(
    String label,
    Bundle bundle,
    String manifestSha256,
    String backboneSha256,
    String topSha256,
    String tokenizerSha256) {

  static MergeSource read(Path dir) throws BundleException, IOException {
    Bundle b = BundleReader.read(dir);
    BundleManifest m = b.manifest();
    BackboneSpec bb = m.backbone();
    boolean split = bb.split() != null;
    String backbone = BundleWriter.sha256(b.resolve(split ? bb.split().trunk() : bb.file()));
    String top = split ? BundleWriter.sha256(b.resolve(bb.split().top())) : null;
    String tokenizer = InputSpec.TEXT.equals(m.input().kind())
        ? BundleWriter.sha256(b.resolve(m.input().text().tokenizer())) : null;
    return new MergeSource(dir.toString(), b, BundleWriter.sha256(b.resolve(BundleReader.MANIFEST)),
        backbone, top, tokenizer);
  }

  BundleManifest manifest() {
    return bundle.manifest();
  }

  boolean split() {
    return manifest().backbone().split() != null;
  }

  /** sha256 of a file of this bundle (a manifest path). */
  String sha256(String relative) throws IOException {
    return BundleWriter.sha256(bundle.resolve(relative));
  }
}
