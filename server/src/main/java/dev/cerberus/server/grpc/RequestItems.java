package dev.cerberus.server.grpc;

import dev.cerberus.model.input.ModelInput;
import dev.cerberus.proto.v1.Item;
import dev.cerberus.server.inference.CallContext;
import dev.cerberus.server.inference.ItemOutcome;
import dev.cerberus.server.inference.ServedModel;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The items of one request message, split into those with an input (sent to the model) and
 * those without (answered INVALID_ARGUMENT here), and put back together in request order.
 */
record RequestItems(List<ModelInput> inputs, int[] positions, List<Item> items) {

  static RequestItems of(List<Item> items) {
    List<ModelInput> inputs = new ArrayList<>(items.size());
    int[] positions = new int[items.size()];
    for (int i = 0; i < items.size(); i++) {
      ModelInput input = ProtoMapper.toInput(items.get(i));
      if (input != null) {
        positions[inputs.size()] = i;
        inputs.add(input);
      }
    }
    return new RequestItems(inputs, positions, items);
  }

  /**
   * The outcomes of the items with an input. When every item lacks one there is nothing to
   * compute: each is answered "no input" (not "the request has no items", which it has).
   */
  CompletableFuture<List<ItemOutcome>> classify(ServedModel model, CallContext context) {
    if (inputs.isEmpty() && !items.isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    return model.classify(inputs, context);
  }

  /** One outcome per request item, in request order. */
  ItemOutcome[] merge(List<ItemOutcome> computed) {
    ItemOutcome[] all = new ItemOutcome[items.size()];
    for (int k = 0; k < computed.size(); k++) {
      all[positions[k]] = computed.get(k);
    }
    for (int i = 0; i < all.length; i++) {
      if (all[i] == null) {
        all[i] = new ItemOutcome.ItemFailure(Status.Code.INVALID_ARGUMENT, ProtoMapper.NO_INPUT);
      }
    }
    return all;
  }

  /** Every item failed the same way (the call as a whole was refused). */
  ItemOutcome[] failAll(Status.Code code, String message) {
    ItemOutcome[] all = new ItemOutcome[items.size()];
    java.util.Arrays.fill(all, new ItemOutcome.ItemFailure(code, message));
    return all;
  }
}
