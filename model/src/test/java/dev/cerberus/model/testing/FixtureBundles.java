package dev.cerberus.model.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The tiny test bundles of the model module (made by model/src/test/fixtures/make_fixtures.py),
 * shipped in the test-jar under {@code /bundles/<name>/}. Other modules' tests copy them into a
 * temp folder with {@link #copyTo}: a jar cannot be loaded from in place.
 *
 * <p>Bundles: {@code image} (16x16 RGB, backbone.pt, 3 heads, max_softmax), {@code flip} (flip
 * features, fusion of energy + mahalanobis + knn), {@code split} (trunk + top, one head with its
 * own top, energy), {@code text} (WordPiece tokenizer, mean pooling, buckets 8/16, gate).
 * Expected torch outputs: {@code /bundles/expected.json}.
 */
public final class FixtureBundles {

  public static final String IMAGE = "image";
  public static final String FLIP = "flip";
  public static final String SPLIT = "split";
  public static final String TEXT = "text";

  private FixtureBundles() {}

  /** Copies bundle {@code name} to {@code parent/name} and returns that folder. */
  public static Path copyTo(String name, Path parent) {
    Path dst = parent.resolve(name);
    try {
      for (String rel : index().split("\n")) {
        if (!rel.startsWith(name + "/")) continue;
        Path target = dst.resolve(rel.substring(name.length() + 1));
        Files.createDirectories(target.getParent());
        try (InputStream in = open("/bundles/" + rel)) {
          Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!Files.isRegularFile(dst.resolve("bundle.json"))) {
      throw new IllegalArgumentException("no fixture bundle named " + name);
    }
    return dst;
  }

  /** Copies every fixture bundle as {@code parent/<name>/1/} (a model repository layout). */
  public static Path repository(Path parent) {
    for (String name : new String[] {IMAGE, FLIP, SPLIT, TEXT}) {
      copyTo(name, parent.resolve(name)).toFile().renameTo(parent.resolve(name).resolve("1").toFile());
    }
    return parent;
  }

  /** The expected outputs recorded by the fixture script (JSON text). */
  public static String expectedJson() {
    return read("/bundles/expected.json");
  }

  private static String index() {
    return read("/bundles/index.txt");
  }

  private static String read(String resource) {
    try (InputStream in = open(resource)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static InputStream open(String resource) throws IOException {
    InputStream in = FixtureBundles.class.getResourceAsStream(resource);
    if (in == null) throw new IOException("missing test resource " + resource);
    return in;
  }
}
