package dev.cerberus.server;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.PrintWriter;

/**
 * {@code cerberus-server engine-check [serve's flags]}: loads libtorch the way {@code serve} would
 * (same engine settings, same device), runs one small forward on the device and exits.
 *
 * <p>Why a subcommand: a container build runs it once so that DJL unpacks libtorch (about 445 MB)
 * into the image instead of into every container at start, and an operator can tell "the engine
 * or the GPU is broken" from "a bundle is broken" before any model loads.
 */
final class EngineCheck {

  /** Side of the square matrices multiplied: big enough to run a real kernel, small for a CPU. */
  private static final int SIZE = 64;

  private EngineCheck() {}

  /** 0 when the engine loads and computes right on the device, 2 when it cannot. */
  static int run(ServerSettings settings, PrintWriter out, PrintWriter err) {
    ServerMain.configureEngine(settings);
    String deviceProblem = ServerMain.deviceProblem(settings.device());
    if (deviceProblem != null) {
      err.println("engine-check failed: " + deviceProblem);
      return 2;
    }
    Device device = "gpu".equals(settings.device()) ? Device.gpu() : Device.cpu();
    long start = System.nanoTime();
    try (NDManager manager = NDManager.newBaseManager(device, "PyTorch")) {
      NDArray ones = manager.ones(new ai.djl.ndarray.types.Shape(SIZE, SIZE));
      float[] product = ones.matMul(ones).toFloatArray();
      for (float v : product) {
        if (v != SIZE) {
          err.println("engine-check failed: a " + SIZE + "x" + SIZE + " matrix product of ones on "
              + device + " gave " + v + " instead of " + SIZE);
          return 2;
        }
      }
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      err.println("engine-check failed: libtorch did not run on " + device + ": " + e.getMessage());
      return 2;
    }
    Engine engine = Engine.getEngine("PyTorch");
    out.printf("engine-check ok: PyTorch %s on %s (%d GPU(s) visible), a %dx%d product in %.0f ms%n",
        engine.getVersion(), device, engine.getGpuCount(), SIZE, SIZE,
        (System.nanoTime() - start) / 1e6);
    return 0;
  }
}
