package dev.cerberus.model.bundle;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cerberus.model.testing.FixtureBundles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A manifest value of the wrong JSON kind is named by its field path, never by a Java class. */
class ManifestErrorsTest {

  @TempDir Path tmp;

  private void assertRefused(String from, String to, String... parts) throws Exception {
    Path dir = FixtureBundles.copyTo(FixtureBundles.IMAGE, tmp);
    Path manifest = dir.resolve("bundle.json");
    String text = Files.readString(manifest);
    Files.writeString(manifest, text.replaceFirst(from, to));
    var thrown = assertThatThrownBy(() -> BundleReader.read(dir)).isInstanceOf(BundleException.class)
        .hasMessageNotContaining("BundleManifest").hasMessageNotContaining("java.");
    for (String p : parts) thrown.hasMessageContaining(p);
  }

  @Test
  void wrongKindsNameTheFieldAndWhatItNeeds() throws Exception {
    // found by BundleFuzzTest#manifestBytes: "Cannot construct instance of `...BundleManifest$ImageSpec`"
    assertRefused("\"image\": \\{", "\"image\": \"big\", \"x\": {", "input.image: needs an object");
    assertRefused("\"width\": 16", "\"width\": \"wide\"", "input.image.width: needs a whole number");
    assertRefused("\"mean\": \\[", "\"mean\": {\"a\": [", "input.image.mean: needs a list");
    assertRefused("\\{", "[{", "bundle.json: not a valid manifest");
  }
}
