package dev.cerberus.model.bundle;

import dev.cerberus.model.bundle.BundleManifest.LayerSpec;
import dev.cerberus.model.heads.DenseLayer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Writes a bundle folder in format v1: arrays, head weights, copied backbone files and the
 * manifest. The trainer's one way to produce bundles; {@link #finish} reads the result back
 * through {@link BundleReader}, so a bundle that would not load is never reported as written.
 *
 * <pre>{@code
 * BundleWriter w = BundleWriter.create(dir);
 * w.copyFile(backbonePt, "backbone.pt");
 * List<LayerSpec> layers = w.writeHead("category", denseLayers);
 * w.writeArray("ood/means.npy", new int[] {k, f}, means);
 * Bundle b = w.finish(manifest);   // writes bundle.json, validates
 * }</pre>
 */
public final class BundleWriter {

  private final Path dir;

  private BundleWriter(Path dir) {
    this.dir = dir.toAbsolutePath().normalize();
  }

  /** Starts a bundle in {@code dir} (created when missing). */
  public static BundleWriter create(Path dir) throws IOException {
    Files.createDirectories(dir);
    return new BundleWriter(dir);
  }

  public Path dir() {
    return dir;
  }

  /** Writes a float32 .npy at a bundle-relative path. */
  public String writeArray(String rel, int[] shape, float[] data) throws IOException {
    Npy.write(target(rel), shape, data);
    return rel;
  }

  /** Copies a file (a backbone, a tokenizer, a fine-tuned top) into the bundle. */
  public String copyFile(Path source, String rel) throws IOException {
    Files.copy(source, target(rel), StandardCopyOption.REPLACE_EXISTING);
    return rel;
  }

  /**
   * Writes a head's layers as {@code heads/<name>/<i>.weight.npy} / {@code .bias.npy} and
   * returns their manifest entries.
   */
  public List<LayerSpec> writeHead(String headName, List<DenseLayer> layers) throws IOException {
    List<LayerSpec> specs = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      DenseLayer l = layers.get(i);
      String w = writeArray("heads/" + headName + "/" + i + ".weight.npy", new int[] {l.out(), l.in()}, l.weight());
      String b = writeArray("heads/" + headName + "/" + i + ".bias.npy", new int[] {l.out()}, l.bias());
      specs.add(new LayerSpec(w, b, l.activation().manifestName()));
    }
    return specs;
  }

  /** Writes {@code bundle.json} and validates the whole bundle by reading it back. */
  public Bundle finish(BundleManifest manifest) throws IOException, BundleException {
    BundleJson.mapper().writeValue(dir.resolve(BundleReader.MANIFEST).toFile(), manifest);
    return BundleReader.read(dir);
  }

  /** Hex sha256 of a file, for {@code backbone.sha256}. */
  public static String sha256(Path file) throws IOException {
    try (DigestInputStream in =
        new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(in.getMessageDigest().digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private Path target(String rel) throws IOException {
    Path p = dir.resolve(rel).normalize();
    if (Path.of(rel).isAbsolute() || !p.startsWith(dir)) {
      throw new IOException("'" + rel + "' leaves the bundle folder " + dir);
    }
    Files.createDirectories(p.getParent());
    return p;
  }

}
