package dev.cerberus.server.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cerberus.model.input.InputLimits;
import io.grpc.Status;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code cerberus.admission.deadline-headroom}: a call is admitted only while its expected
 * wait fits that share of its remaining deadline (bench deadline: admitting against the whole
 * deadline delivered 25 % of saturation on time, half of it 85 %).
 */
class AdmissionHeadroomTest {

  /** One inference thread whose full batch of 16 was measured at 100 ms. */
  private static BatchCost measuredCost() {
    BatchCost cost = new BatchCost(16, 1, 1.0);
    cost.record(16, TimeUnit.MILLISECONDS.toNanos(100));
    return cost;
  }

  private static Status admit(double headroom, long leftMillis) {
    Admission admission = new Admission(
        new AdmissionSettings(100_000_000L, true, 0.2, headroom), InputLimits.defaults(),
        measuredCost());
    CallContext call = new CallContext(
        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(leftMillis), true, () -> false);
    return admission.deadline(16, 0, call, "m");
  }

  @Test
  void aWaitThatFitsTheWholeDeadlineButNotItsShareIsShed() {
    assertThat(admit(1.0, 150)).isNull();
    Status shed = admit(0.5, 150);
    assertThat(shed).isNotNull();
    assertThat(shed.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(shed.getDescription()).contains("expected wait of 100 ms")
        .contains("exceeds 50 % of the call's")
        .contains("cerberus.admission.deadline-headroom");
  }

  @Test
  void aWaitWithinTheShareIsAdmitted() {
    assertThat(admit(0.5, 400)).isNull();
  }

  @Test
  void theDefaultHeadroomIsHalf() {
    assertThat(new AdmissionSettings(1, true, 0.2).deadlineHeadroom()).isEqualTo(0.5);
  }
}
