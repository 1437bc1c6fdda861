package dev.cerberus.server.inference;

import dev.cerberus.model.ItemPrediction;
import io.grpc.Status;
import java.util.Objects;

/** The answer for one item: a prediction, or a failure that concerns only this item. */
public sealed interface ItemOutcome {

  /** The model's answer for the item. */
  record Predicted(ItemPrediction prediction) implements ItemOutcome {
    public Predicted {
      Objects.requireNonNull(prediction, "prediction");
    }
  }

  /**
   * The item was not computed. {@code code} is a gRPC status code (INVALID_ARGUMENT for a bad
   * input, RESOURCE_EXHAUSTED for an input over a resource limit, DEADLINE_EXCEEDED/CANCELLED
   * when dropped before compute, UNAVAILABLE when the model closed, INTERNAL for a failed
   * forward pass); {@code message} says what was wrong and what is allowed.
   */
  record ItemFailure(Status.Code code, String message) implements ItemOutcome {
    public ItemFailure {
      Objects.requireNonNull(code, "code");
      Objects.requireNonNull(message, "message");
    }
  }
}
