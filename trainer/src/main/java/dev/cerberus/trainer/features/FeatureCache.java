package dev.cerberus.trainer.features;

import dev.cerberus.trainer.data.Item;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Features on disk, one little-endian float32 file per input, under
 * {@code DIR/<backbone sha256>-<preprocessing hash>/<aa>/<input sha256>.f32}: the backbone runs
 * once per distinct input content, and any later run (or another config on the same backbone
 * and preprocessing) reads the file instead. Writes go through a temp file and an atomic move
 * so a killed run never leaves a truncated entry.
 */
public final class FeatureCache {

  /** What one {@link #features} call did; {@code rows[i]} is null for a skipped corrupt item. */
  public record Result(float[][] rows, int cacheHits, int extracted, int corrupt,
      List<String> corruptOrigins, double extractSeconds) {
    public double extractRate() {
      return extractSeconds <= 0 ? 0 : extracted / extractSeconds;
    }
  }

  private final Path dir;
  private final int batchSize;
  private final PrintStream progressOut;

  public FeatureCache(Path root, String backboneSha256, String specKey, int batchSize,
      PrintStream progressOut) {
    this.dir = root.resolve(backboneSha256.substring(0, 16) + "-" + sha256(specKey).substring(0, 12));
    this.batchSize = batchSize;
    this.progressOut = progressOut;
  }

  public Path dir() {
    return dir;
  }

  public Result features(String label, List<Item> items, FeatureSource source) {
    float[][] rows = new float[items.size()][];
    String[] keys = new String[items.size()];
    List<Integer> missing = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      keys[i] = contentHash(items.get(i));
      Path p = entry(keys[i]);
      if (Files.exists(p)) {
        rows[i] = read(p, source.featureSize());
      }
      if (rows[i] == null) {
        missing.add(i);
      }
    }
    int hits = items.size() - missing.size();
    int corrupt = 0;
    List<String> corruptOrigins = new ArrayList<>();
    Progress progress = new Progress(label, missing.size(), progressOut);
    for (int from = 0; from < missing.size(); from += batchSize) {
      List<Integer> idx = missing.subList(from, Math.min(from + batchSize, missing.size()));
      List<Item> batch = new ArrayList<>(idx.size());
      idx.forEach(i -> batch.add(items.get(i)));
      float[][] feats = source.extract(batch);
      for (int j = 0; j < idx.size(); j++) {
        int i = idx.get(j);
        if (feats[j] == null) {
          corrupt++;
          corruptOrigins.add(items.get(i).origin());
        } else {
          rows[i] = feats[j];
          write(entry(keys[i]), feats[j]);
        }
      }
      progress.advance(idx.size());
    }
    return new Result(rows, hits, missing.size() - corrupt, corrupt, List.copyOf(corruptOrigins),
        missing.isEmpty() ? 0 : progress.seconds());
  }

  private Path entry(String key) {
    return dir.resolve(key.substring(0, 2)).resolve(key + ".f32");
  }

  private static float[] read(Path p, int size) {
    try {
      byte[] b = Files.readAllBytes(p);
      if (b.length != size * 4) {
        return null; // stale or foreign entry: recompute rather than trust it
      }
      float[] f = new float[size];
      ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
      return f;
    } catch (IOException e) {
      return null;
    }
  }

  private static void write(Path p, float[] f) {
    try {
      Files.createDirectories(p.getParent());
      ByteBuffer b = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(f);
      Path tmp = Files.createTempFile(p.getParent(), "part", ".tmp");
      Files.write(tmp, b.array());
      Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("feature cache: cannot write " + p, e);
    }
  }

  /** sha256 of the item's content: the file bytes of an image, the UTF-8 of a text. */
  public static String contentHash(Item item) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      if (item instanceof Item.ImageFile img) {
        d.update((byte) 'I');
        d.update(Files.readAllBytes(img.path()));
      } else if (item instanceof Item.Text t) {
        d.update((byte) 'T');
        d.update(t.text().getBytes(StandardCharsets.UTF_8));
      }
      return HexFormat.of().formatHex(d.digest());
    } catch (IOException e) {
      throw new UncheckedIOException(item.origin() + ": cannot read", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String sha256(Path file) throws IOException {
    try (var in = Files.newInputStream(file)) {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        d.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(d.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
