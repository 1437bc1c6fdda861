package dev.cerberus.bench;

import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import dev.cerberus.model.GraphOptions;
import dev.cerberus.model.HeadPrediction;
import dev.cerberus.model.ItemPrediction;
import dev.cerberus.model.ServableModel;
import dev.cerberus.model.input.InputLimits;
import dev.cerberus.model.input.PreparedInput;
import dev.cerberus.proto.v1.Item;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cerberus bench device-check}: is a device (a GPU) usable for serving, and what does it
 * buy? Loads one bundle twice, on a reference device (the CPU) and on the device under test,
 * runs the same prepared items through both, and checks every head's probabilities and every
 * unknown verdict against the reference within a stated tolerance; then times forward of
 * prepared batches on both, batch size by batch size, in the same process and run.
 *
 * <p>Exit codes: 0 outputs agree, 1 they do not, 2 the device is missing (one line says why).
 * On a CPU-only machine {@code --device cpu} runs the whole check against itself, which is what
 * the default test run does; the GPU run is for a machine that has one (tools/gpu/gpu-check.sh).
 */
@Command(name = "device-check", mixinStandardHelpOptions = true,
    description = "Same bundle on a reference device and a device under test: outputs equal within "
        + "a tolerance, then forward throughput by batch size on both.")
final class DeviceCheck implements Callable<Integer> {

  @Option(names = "--bundle", defaultValue = "models/fashion/1") Path bundle;
  @Option(names = "--workload", defaultValue = "images:examples/images/fashion",
      description = "Items (Workload spec; default: ${DEFAULT-VALUE}).") String workload;
  @Option(names = "--device", defaultValue = "gpu", description = "Device under test (cpu|gpu).")
  String device;
  @Option(names = "--reference-device", defaultValue = "cpu") String referenceDevice;
  @Option(names = "--batch-sizes", split = ",", defaultValue = "1,8,32,128") List<Integer> batchSizes;
  @Option(names = "--seconds", defaultValue = "3", description = "Timed seconds per batch size and device.")
  double seconds;
  @Option(names = "--tolerance", defaultValue = "1e-3",
      description = "Largest allowed |p_device - p_reference| over every head and item (fp32 kernels "
          + "differ between devices in the last bits; 1e-3 is far below any decision margin).")
  double tolerance;
  @Option(names = "--out", defaultValue = "bench/results/device-check.md") Path out;

  @Override
  public Integer call() throws Exception {
    for (String d : List.of(device, referenceDevice)) {
      String problem = deviceProblem(d);
      if (problem != null) {
        System.err.println("device-check: " + problem);
        return 2;
      }
    }
    Path bundleDir = Root.resolve(bundle);
    List<Item> items = Workload.items(workload);
    int[] sizes = batchSizes.stream().mapToInt(Integer::intValue).toArray();
    try (ServableModel ref = ServableModel.load(bundleDir, new GraphOptions(referenceDevice, sizes));
        ServableModel dut = ServableModel.load(bundleDir, new GraphOptions(device, sizes))) {
      List<PreparedInput> refIn = prepare(ref, items);
      List<PreparedInput> dutIn = prepare(dut, items);
      Agreement agreement = compare(ref, refIn, dut, dutIn);
      List<String> rows = new ArrayList<>();
      for (int b : sizes) {
        double refRate = itemsPerSecond(ref, refIn, b);
        double dutRate = itemsPerSecond(dut, dutIn, b);
        rows.add(String.format(Locale.ROOT, "| %d | %.1f | %.1f | %.2f |", b, refRate, dutRate,
            dutRate / refRate));
        System.err.printf(Locale.ROOT, "device-check B=%d: %s %.1f items/s, %s %.1f items/s%n", b,
            referenceDevice, refRate, device, dutRate);
      }
      String report = report(items.size(), agreement, rows);
      Path target = Root.resolve(out);
      Files.createDirectories(target.toAbsolutePath().getParent());
      Files.writeString(target, report);
      System.out.print(report);
      return agreement.passes(tolerance) ? 0 : 1;
    }
  }

  /** Why the engine cannot run on {@code name}, or null when it can. */
  static String deviceProblem(String name) {
    if (!"gpu".equals(name)) {
      return "cpu".equals(name) ? null : "unknown device " + name + " (cpu or gpu)";
    }
    Engine engine = Engine.getEngine("PyTorch");
    if (!engine.hasCapability(StandardCapabilities.CUDA)) {
      return "libtorch " + engine.getVersion() + " here is a CPU build; see docs/gpu.md for "
          + "running the CUDA build (PYTORCH_LIBRARY_PATH, PYTORCH_FLAVOR)";
    }
    return engine.getGpuCount() == 0 ? "libtorch has CUDA but sees no GPU (driver, "
        + "CUDA_VISIBLE_DEVICES)" : null;
  }

  private static List<PreparedInput> prepare(ServableModel model, List<Item> items)
      throws Exception {
    List<PreparedInput> prepared = new ArrayList<>();
    for (Item it : items) {
      prepared.add(model.prepare(OfflineMain.toInput(it), InputLimits.defaults()));
    }
    return prepared;
  }

  /** The largest differences between the two devices' answers to the same items. */
  record Agreement(int items, double maxProbabilityDiff, double maxOodScoreDiff,
      int decisionFlips) {
    boolean passes(double tolerance) {
      return maxProbabilityDiff <= tolerance && decisionFlips == 0;
    }
  }

  private static Agreement compare(ServableModel ref, List<PreparedInput> refIn, ServableModel dut,
      List<PreparedInput> dutIn) {
    double maxP = 0;
    double maxOod = 0;
    int flips = 0;
    int chunk = 32;
    for (int start = 0; start < refIn.size(); start += chunk) {
      int end = Math.min(refIn.size(), start + chunk);
      List<ItemPrediction> a = ref.forward(refIn.subList(start, end));
      List<ItemPrediction> b = dut.forward(dutIn.subList(start, end));
      for (int i = 0; i < a.size(); i++) {
        maxOod = Math.max(maxOod, Math.abs(a.get(i).oodScore() - b.get(i).oodScore()));
        flips += a.get(i).decision().equals(b.get(i).decision()) ? 0 : 1;
        for (int h = 0; h < a.get(i).heads().size(); h++) {
          HeadPrediction ha = a.get(i).heads().get(h);
          HeadPrediction hb = b.get(i).heads().get(h);
          for (int k = 0; k < ha.probabilities().length; k++) {
            maxP = Math.max(maxP, Math.abs(ha.probabilities()[k] - hb.probabilities()[k]));
          }
        }
      }
    }
    return new Agreement(refIn.size(), maxP, maxOod, flips);
  }

  /** Forward of prepared batches of {@code size} for about {@link #seconds}, after a warm-up. */
  private double itemsPerSecond(ServableModel model, List<PreparedInput> prepared, int size) {
    List<PreparedInput> batch = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      batch.add(prepared.get(i % prepared.size()));
    }
    long warmEnd = System.nanoTime() + (long) (Math.min(1.0, seconds) * 1e9);
    while (System.nanoTime() < warmEnd) {
      model.forward(batch);
    }
    long start = System.nanoTime();
    long items = 0;
    while (System.nanoTime() - start < seconds * 1e9) {
      model.forward(batch);
      items += size;
    }
    return items / ((System.nanoTime() - start) / 1e9);
  }

  private String report(int items, Agreement a, List<String> rows) {
    StringBuilder md = new StringBuilder();
    md.append("# Device check: ").append(device).append(" vs ").append(referenceDevice)
        .append("\n\n");
    md.append(String.format(Locale.ROOT, "Bundle `%s`, %d items (`%s`), one process, forward of "
        + "prepared batches only (no decoding), %.1f s per batch size and device; intra-op "
        + "threads %s.%n%n", bundle, items, workload, seconds,
        System.getProperty("ai.djl.pytorch.num_threads", "libtorch default")));
    md.append(String.format(Locale.ROOT, "Agreement: max |dp| %.2e (tolerance %.0e), max |d ood "
        + "score| %.2e, decision flips %d of %d: %s%n%n", a.maxProbabilityDiff(), tolerance,
        a.maxOodScoreDiff(), a.decisionFlips(), a.items(), a.passes(tolerance) ? "PASS" : "FAIL"));
    md.append("| batch size | ").append(referenceDevice).append(" items/s | ").append(device)
        .append(" items/s | ratio |\n|---:|---:|---:|---:|\n");
    rows.forEach(r -> md.append(r).append('\n'));
    return md.toString();
  }
}
