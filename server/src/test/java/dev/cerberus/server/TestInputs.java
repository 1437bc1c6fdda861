package dev.cerberus.server;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;

/**
 * Test inputs: the model module's fixture bundles (classpath {@code bundles/<fixture>/}, from
 * the model test-jar; listed in {@code bundles/index.txt}) copied into a model repository
 * folder, and encoded images, good and bad.
 */
public final class TestInputs {

  private TestInputs() {}

  /** The fixtures, extracted from the test-jar once per JVM (the jar may be replaced under us). */
  private static Path extracted;

  private static synchronized Path extracted() throws IOException {
    if (extracted == null) {
      Path dir = Files.createTempDirectory("cerberus-fixtures");
      try (InputStream index = resource("bundles/index.txt")) {
        for (String file : new String(index.readAllBytes(), StandardCharsets.UTF_8).lines()
            .map(String::trim).filter(l -> !l.isEmpty()).toList()) {
          Path out = dir.resolve(file);
          Files.createDirectories(out.getParent());
          try (InputStream in = resource("bundles/" + file)) {
            Files.copy(in, out);
          }
        }
      }
      extracted = dir;
    }
    return extracted;
  }

  /**
   * Copies a model-module fixture bundle ({@code image}: 16x16 RGB with heads category,
   * is-bright, texture; {@code text}; {@code flip}; {@code split}) to
   * {@code <modelsRoot>/<name>/<version>/}.
   */
  public static Path installFixture(String fixture, Path modelsRoot, String name, String version) {
    Path target = modelsRoot.resolve(name).resolve(version);
    try {
      Path source = extracted().resolve(fixture);
      if (!Files.isDirectory(source)) {
        throw new IllegalStateException("no fixture '" + fixture + "' in bundles/index.txt");
      }
      try (var files = Files.walk(source)) {
        for (Path file : files.filter(Files::isRegularFile).toList()) {
          Path out = target.resolve(source.relativize(file).toString());
          Files.createDirectories(out.getParent());
          Files.copy(file, out);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return target;
  }

  private static InputStream resource(String name) throws IOException {
    InputStream in = TestInputs.class.getClassLoader().getResourceAsStream(name);
    if (in == null) {
      throw new IOException("missing test resource " + name + " (model test-jar)");
    }
    return in;
  }

  /** A PNG of the given size, a gradient keyed by {@code seed}. */
  public static byte[] png(int width, int height, int seed) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(new Color((seed * 37) & 0xff, (seed * 91) & 0xff, (seed * 53) & 0xff));
    g.fillRect(0, 0, width, height);
    g.setColor(Color.WHITE);
    g.fillOval(width / 4, height / 4, width / 2, height / 2 + (seed % 3));
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public static byte[] truncatedPng() {
    byte[] full = png(32, 32, 1);
    return java.util.Arrays.copyOf(full, full.length / 2);
  }

  public static byte[] zipBytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      zip.putNextEntry(new ZipEntry("hello.txt"));
      zip.write("not an image".getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** A valid PNG signature and IHDR declaring 50,000 x 50,000 pixels, and no image data. */
  public static byte[] hugePngHeader() {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + 25);
    b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    b.putInt(13);
    int crcFrom = b.position();
    b.put("IHDR".getBytes(StandardCharsets.US_ASCII));
    b.putInt(50_000).putInt(50_000);
    b.put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
    CRC32 crc = new CRC32();
    crc.update(b.array(), crcFrom, 17);
    b.putInt((int) crc.getValue());
    return b.array();
  }
}
