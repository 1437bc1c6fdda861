package dev.cerberus.model.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Platform;
import org.junit.jupiter.api.Test;

class MallocTuningTest {

  @Test
  void glibcAcceptsTheServersDefaults() {
    assumeTrue(Platform.isLinux() && !Platform.C_LIBRARY_NAME.contains("musl"), "glibc only");
    MallocTuning.Outcome o = MallocTuning.apply(32 << 20, 128 << 20);
    assertThat(o.applied()).as(o.detail()).isTrue();
    assertThat(o.detail()).contains("M_MMAP_THRESHOLD=33554432").contains("M_TRIM_THRESHOLD=134217728");
  }

  @Test
  void zeroLeavesTheAllocatorAlone() {
    assertThat(MallocTuning.apply(0, 0)).isEqualTo(new MallocTuning.Outcome(false, "off (glibc defaults)"));
  }

  @Test
  void valuesGlibcWouldRefuseAreErrorsNamingTheLimit() {
    assertThatThrownBy(() -> MallocTuning.apply(64L << 20, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0..33554432");
    assertThatThrownBy(() -> MallocTuning.apply(0, -1)).isInstanceOf(IllegalArgumentException.class);
  }
}
