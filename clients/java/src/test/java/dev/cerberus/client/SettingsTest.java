package dev.cerberus.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SettingsTest {
  @Test
  void backoffGrowsExponentiallyIsCappedAndJittered() {
    RetryPolicy p = new RetryPolicy(6, Duration.ofMillis(100), Duration.ofMillis(500), 2.0, 0.2);
    assertThat(p.backoffMillis(1, () -> 0.5)).isEqualTo(100);
    assertThat(p.backoffMillis(2, () -> 0.5)).isEqualTo(200);
    assertThat(p.backoffMillis(3, () -> 0.5)).isEqualTo(400);
    assertThat(p.backoffMillis(4, () -> 0.5)).isEqualTo(500);
    assertThat(p.backoffMillis(2, () -> 0.0)).isEqualTo(160);
    assertThat(p.backoffMillis(2, () -> 0.999999)).isEqualTo(240);
  }

  @Test
  void badRetrySettingsSayWhatIsAllowed() {
    assertThatThrownBy(() -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO, 2, 0))
        .hasMessageContaining("at least 1");
    assertThatThrownBy(() -> new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(1), 2, 1.5))
        .hasMessageContaining("[0, 1)");
  }

  @Test
  void targetsParseAndRejectNonsense() {
    assertThat(Target.parse("127.0.0.1:8500")).isEqualTo(new Target("127.0.0.1", 8500));
    assertThat(Target.parse("[::1]:9").authority()).isEqualTo("[::1]:9");
    assertThatThrownBy(() -> Target.parse("localhost")).hasMessageContaining("HOST:PORT");
    assertThatThrownBy(() -> Target.parse("h:99999")).hasMessageContaining("1..65535");
    assertThatThrownBy(() -> CerberusClient.builder().build()).hasMessageContaining("no target");
  }

  @Test
  void mutualTlsNeedsCertificateAndKeyTogether() {
    assertThatThrownBy(() -> new TlsConfig(null, Path.of("c.pem"), null, null))
        .hasMessageContaining("both");
  }
}
