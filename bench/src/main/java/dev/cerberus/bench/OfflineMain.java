package dev.cerberus.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.ServableModel;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.ModelInput;
import dev.cerberus.model.input.PreparedInput;
import dev.cerberus.proto.v1.Item;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The offline ceiling: the same graph in-process, no gRPC. Runs in its own JVM (launched by the
 * harness with the server jar on the class path, so engine, natives and settings are the
 * server's) while no server runs. For each batch size: warm up, then time {@code forward} on
 * batches of already prepared items (the ceiling), and separately prepare + forward on one
 * thread. Prints one JSON object on stdout.
 *
 * <p>Args: bundleDir workload batchSizes(comma) secondsPerSize warmUpSeconds
 */
public final class OfflineMain {

  private OfflineMain() {}

  public static void main(String[] args) throws Exception {
    Path bundle = Path.of(args[0]);
    List<Item> items = Workload.items(args[1]);
    int[] sizes = Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray();
    double seconds = Double.parseDouble(args[3]);
    double warmUp = Double.parseDouble(args[4]);
    ObjectMapper json = new ObjectMapper();
    ObjectNode out = json.createObjectNode();
    out.put("bundle", bundle.toString());
    out.put("workload", args[1]);
    out.put("intra_op_threads", System.getProperty("ai.djl.pytorch.num_threads"));
    out.put("graph_optimizer", System.getProperty("ai.djl.pytorch.graph_optimizer", "true (default)"));
    ArrayNode results = out.putArray("results");
    try (ServableModel model = ServableModel.load(bundle, new GraphOptions("cpu", sizes))) {
      InputLimits limits = InputLimits.defaults();
      List<ModelInput> inputs = new ArrayList<>();
      for (Item it : items) inputs.add(toInput(it));
      List<PreparedInput> prepared = new ArrayList<>();
      for (ModelInput in : inputs) prepared.add(model.prepare(in, limits));
      for (int b : sizes) {
        List<List<PreparedInput>> batches = new ArrayList<>();
        List<List<ModelInput>> raw = new ArrayList<>();
        for (int s = 0; s < 16; s++) {
          List<PreparedInput> pb = new ArrayList<>(b);
          List<ModelInput> rb = new ArrayList<>(b);
          for (int i = 0; i < b; i++) {
            pb.add(prepared.get((s * b + i) % prepared.size()));
            rb.add(inputs.get((s * b + i) % inputs.size()));
          }
          batches.add(pb);
          raw.add(rb);
        }
        long warmEnd = System.nanoTime() + (long) (warmUp * 1e9);
        int s = 0;
        while (System.nanoTime() < warmEnd) model.forward(batches.get(s++ % batches.size()));
        // forward only (prepared items): the ceiling
        long t0 = System.nanoTime();
        long n = 0;
        List<Double> batchMs = new ArrayList<>();
        while (System.nanoTime() - t0 < seconds * 1e9) {
          long b0 = System.nanoTime();
          model.forward(batches.get(s++ % batches.size()));
          batchMs.add((System.nanoTime() - b0) / 1e6);
          n += b;
        }
        double fwdSeconds = (System.nanoTime() - t0) / 1e9;
        // prepare + forward on one thread
        long t1 = System.nanoTime();
        long m = 0;
        while (System.nanoTime() - t1 < seconds * 0.5e9) {
          List<PreparedInput> pb = new ArrayList<>(b);
          for (ModelInput in : raw.get(s++ % raw.size())) pb.add(model.prepare(in, limits));
          model.forward(pb);
          m += b;
        }
        double prepSeconds = (System.nanoTime() - t1) / 1e9;
        batchMs.sort(null);
        ObjectNode r = results.addObject();
        r.put("batch_size", b);
        r.put("items_per_s", n / fwdSeconds);
        r.put("batches", batchMs.size());
        r.put("batch_ms_p50", batchMs.get(batchMs.size() / 2));
        r.put("batch_ms_p90", batchMs.get((int) (batchMs.size() * 0.9)));
        r.put("prepare_and_forward_items_per_s", m / prepSeconds);
        System.err.printf("offline B=%d: %.1f items/s (forward), %.1f items/s (prepare+forward), batch p50 %.1f ms%n",
            b, n / fwdSeconds, m / prepSeconds, batchMs.get(batchMs.size() / 2));
      }
    }
    System.out.println(json.writeValueAsString(out));
    System.exit(0);
  }

  static ModelInput toInput(Item it) {
    return switch (it.getInputCase()) {
      case IMAGE -> new ModelInput.Image(it.getImage().toByteArray());
      case TEXT -> new ModelInput.Text(it.getText());
      case TENSOR -> {
        long[] shape = it.getTensor().getShapeList().stream().mapToLong(Long::longValue).toArray();
        float[] v = new float[it.getTensor().getValuesCount()];
        for (int i = 0; i < v.length; i++) v[i] = it.getTensor().getValues(i);
        yield new ModelInput.FloatTensor(shape, v);
      }
      default -> throw new IllegalArgumentException("item without input");
    };
  }
}
