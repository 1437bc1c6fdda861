package dev.cerberus.model.bundle;

import dev.cerberus.model.bundle.BundleManifest.LayerSpec;
import dev.cerberus.model.heads.DenseLayer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes a bundle folder in format v1: arrays, head weights, copied backbone files and the
 * manifest. The one way bundles are produced (the trainer, tests, tools); {@link #finish} reads
 * the result back through {@link BundleReader}, so a bundle that would not load is never
 * reported as written.
 *
 * <p>{@link #replacing} stages the bundle in a hidden sibling folder and moves it into place
 * only after it validated, so a failed or refused write never leaves a half-written bundle
 * where a server looks, and never replaces a good one. {@link #close} removes a staging folder
 * that was not finished.
 *
 * <pre>{@code
 * try (BundleWriter w = BundleWriter.replacing(dir)) {
 *   w.copyFile(backbonePt, "backbone.pt");
 *   List<LayerSpec> layers = w.writeHead("category", denseLayers);
 *   w.writeArray("ood/means.npy", new int[] {k, f}, means);
 *   Bundle b = w.finish(manifest);   // writes bundle.json, validates, moves into place
 * }
 * }</pre>
 */
public final class BundleWriter implements AutoCloseable {

  /** The destination; equals {@link #dir} unless staged. */
  private final Path target;
  /** Where files are written now. */
  private final Path dir;
  private boolean finished;

  private BundleWriter(Path target, Path dir) {
    this.target = target;
    this.dir = dir;
  }

  /** Starts a bundle in {@code dir} (created when missing), written in place. */
  public static BundleWriter create(Path dir) throws IOException {
    Path d = dir.toAbsolutePath().normalize();
    Files.createDirectories(d);
    return new BundleWriter(d, d);
  }

  /**
   * Starts a bundle that replaces {@code out} when {@link #finish} succeeds. Regular files
   * already in {@code out} that the new bundle does not write (a model card, licence notices)
   * are carried over.
   */
  public static BundleWriter replacing(Path out) throws IOException {
    Path target = out.toAbsolutePath().normalize();
    Files.createDirectories(target.getParent());
    Path staging = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".tmp");
    return new BundleWriter(target, staging);
  }

  /** Where files are being written now (a staging folder until {@link #finish}). */
  public Path dir() {
    return dir;
  }

  /** Writes a float32 .npy at a bundle-relative path. */
  public String writeArray(String rel, int[] shape, float[] data) throws IOException {
    Npy.write(target(rel), shape, data);
    return rel;
  }

  /** Writes a float32 .npy at a bundle-relative path. */
  public String writeArray(String rel, Npy.Array array) throws IOException {
    Npy.write(target(rel), array);
    return rel;
  }

  /** Writes a UTF-8 text file (a report, metrics) at a bundle-relative path. */
  public String writeText(String rel, String text) throws IOException {
    Files.writeString(target(rel), text, StandardCharsets.UTF_8);
    return rel;
  }

  /**
   * Copies a file (a backbone, a tokenizer, a fine-tuned top) into the bundle. The bytes are
   * streamed into a new file, so the copy gets the usual mode rather than the source's: a
   * temporary source is owner-only, and a server may run as another user.
   */
  public String copyFile(Path source, String rel) throws IOException {
    try (InputStream in = Files.newInputStream(source)) {
      Files.copy(in, target(rel), StandardCopyOption.REPLACE_EXISTING);
    }
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

  /**
   * Writes {@code bundle.json} and validates the whole bundle by reading it back; a staged
   * bundle then takes its final name (replacing what was there).
   */
  public Bundle finish(BundleManifest manifest) throws IOException, BundleException {
    writeText(BundleReader.MANIFEST, BundleJson.mapper().writeValueAsString(manifest) + "\n");
    Bundle read = BundleReader.read(dir);
    if (dir.equals(target)) {
      finished = true;
      return read;
    }
    publish();
    finished = true;
    return new Bundle(target, read.manifest(), read.headLayers(), read.oodArrays());
  }

  private void publish() throws IOException {
    if (Files.exists(target)) {
      try (Stream<Path> old = Files.list(target)) {
        for (Path p : old.filter(Files::isRegularFile).toList()) {
          if (!Files.exists(dir.resolve(p.getFileName()))) {
            Files.copy(p, dir.resolve(p.getFileName()));
          }
        }
      }
      deleteTree(target);
    }
    // createTempDirectory makes the folder owner-only; a bundle is read by a server that may
    // run as another user, so it gets the usual rwxr-xr-x before it takes its final name
    if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    Files.move(dir, target, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Removes the staging folder of a bundle that was not finished; nothing otherwise. */
  @Override
  public void close() throws IOException {
    if (!finished && !dir.equals(target)) {
      deleteTree(dir);
    }
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

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }
}
