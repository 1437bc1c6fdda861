package dev.cerberus.trainer.features;

/** Engine settings that must be in place before DJL's PyTorch engine first loads. */
public final class Backbone {

  private Backbone() {}

  /** Intra-op threads (the machine is shared), inter-op 1, offline, graph optimizer off. */
  public static void configureEngine(int threads) {
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    System.setProperty("ai.djl.pytorch.graph_optimizer", "false");
    System.setProperty("ai.djl.offline", "true");
  }
}
