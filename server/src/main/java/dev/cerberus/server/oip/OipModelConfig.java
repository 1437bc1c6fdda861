package dev.cerberus.server.oip;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cerberus.model.bundle.BundleManifest;
import dev.cerberus.model.bundle.BundleManifest.HeadSpec;
import dev.cerberus.proto.oip.DataType;
import dev.cerberus.proto.oip.ModelConfig;
import dev.cerberus.proto.oip.ModelDynamicBatching;
import dev.cerberus.proto.oip.ModelInput;
import dev.cerberus.proto.oip.ModelInstanceGroup;
import dev.cerberus.proto.oip.ModelMetadataResponse.TensorMetadata;
import dev.cerberus.proto.oip.ModelOutput;
import dev.cerberus.proto.oip.ModelParameter;
import dev.cerberus.proto.oip.ModelTensorReshape;
import dev.cerberus.proto.oip.ModelVersionPolicy;
import dev.cerberus.server.inference.BatcherSettings;
import dev.cerberus.server.inference.ServedModel;
import java.util.Arrays;
import java.util.List;

/**
 * Triton's ModelConfig of one model version, built from what is actually served: the bundle's
 * input and outputs (the same tensors ModelMetadata lists), the batcher's settings and the
 * device. Shapes follow Triton's convention for batching models: {@code max_batch_size} > 0 and
 * {@code dims} without the batch dimension; a per-item scalar is {@code dims [1]} with an empty
 * {@code reshape}, i.e. wire shape {@code [batch]}.
 */
final class OipModelConfig {

  private static final ObjectMapper JSON = new ObjectMapper();

  private OipModelConfig() {}

  /**
   * @param loadedVersions the model's loaded versions
   * @param everyFolderLoaded false when some version folder of the model is not being served
   *     (unloaded or failed): the policy then lists the loaded versions
   * @param device the engine device (cerberus.engine.device)
   */
  static ModelConfig of(ServedModel model, List<String> loadedVersions, boolean everyFolderLoaded,
      String device) {
    BatcherSettings batcher = model.batcherSettings();
    BundleManifest manifest = model.manifest();
    OipInputDecoder decoder = OipInference.decoder(model);
    ModelConfig.Builder config = ModelConfig.newBuilder()
        .setName(model.name())
        .setPlatform(OipTensors.PLATFORM)
        .setBackend("pytorch")
        .setVersionPolicy(policy(loadedVersions, everyFolderLoaded))
        .setMaxBatchSize(batcher.maxBatchSize())
        .setDynamicBatching(ModelDynamicBatching.newBuilder()
            .setMaxQueueDelayMicroseconds(batcher.maxQueueDelayNanos() / 1000))
        .addInstanceGroup(ModelInstanceGroup.newBuilder()
            .setName(model.name())
            .setKind("gpu".equals(device) ? ModelInstanceGroup.Kind.KIND_GPU
                : ModelInstanceGroup.Kind.KIND_CPU)
            .setCount(batcher.inferenceThreads()));
    if (manifest.backbone() != null && manifest.backbone().file() != null) {
      config.setDefaultModelFilename(manifest.backbone().file());
    }
    long[] inShape = decoder.expectedShape();
    ModelInput.Builder input = ModelInput.newBuilder().setName(OipTensors.INPUT)
        .setDataType(dataType(decoder.expectedDatatype()));
    itemDims(Arrays.copyOfRange(inShape, 1, inShape.length), input::addDims,
        () -> input.setReshape(ModelTensorReshape.getDefaultInstance()));
    config.addInput(input);
    for (TensorMetadata t : new OipOutputs(model.name(), manifest).metadata()) {
      ModelOutput.Builder output = ModelOutput.newBuilder().setName(t.getName())
          .setDataType(dataType(t.getDatatype()));
      long[] shape = t.getShapeList().stream().mapToLong(Long::longValue).toArray();
      itemDims(Arrays.copyOfRange(shape, 1, shape.length), output::addDims,
          () -> output.setReshape(ModelTensorReshape.getDefaultInstance()));
      config.addOutput(output);
    }
    parameters(config, model, manifest, device);
    return config.build();
  }

  /** Item dims, or [1] with an empty reshape for a per-item scalar. */
  private static void itemDims(long[] dims, java.util.function.LongConsumer add,
      Runnable scalar) {
    if (dims.length == 0) {
      add.accept(1);
      scalar.run();
    } else {
      for (long d : dims) add.accept(d);
    }
  }

  private static ModelVersionPolicy policy(List<String> loaded, boolean everyFolderLoaded) {
    boolean numeric = loaded.stream().allMatch(v -> v.matches("\\d{1,18}"));
    if (everyFolderLoaded || !numeric) {
      return ModelVersionPolicy.newBuilder().setAll(ModelVersionPolicy.All.getDefaultInstance())
          .build();
    }
    ModelVersionPolicy.Specific.Builder specific = ModelVersionPolicy.Specific.newBuilder();
    loaded.forEach(v -> specific.addVersions(Long.parseLong(v)));
    return ModelVersionPolicy.newBuilder().setSpecific(specific).build();
  }

  private static void parameters(ModelConfig.Builder config, ServedModel model,
      BundleManifest manifest, String device) {
    BatcherSettings batcher = model.batcherSettings();
    put(config, "input_kind", manifest.input().kind());
    put(config, "device", device);
    put(config, "max_items_per_request", String.valueOf(batcher.maxItemsPerRequest()));
    put(config, "queue_capacity", String.valueOf(batcher.queueCapacity()));
    put(config, "heads", String.join(",", manifest.heads().stream().map(HeadSpec::name).toList()));
    for (HeadSpec head : manifest.heads()) {
      try {
        put(config, "labels." + head.name(), JSON.writeValueAsString(head.labels()));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static void put(ModelConfig.Builder config, String key, String value) {
    config.putParameters(key, ModelParameter.newBuilder().setStringValue(value).build());
  }

  /** An OIP datatype name as Triton's enum (BYTES is TYPE_STRING there). */
  static DataType dataType(String datatype) {
    return switch (datatype) {
      case "BYTES" -> DataType.TYPE_STRING;
      case "BOOL" -> DataType.TYPE_BOOL;
      case "FP32" -> DataType.TYPE_FP32;
      case "FP64" -> DataType.TYPE_FP64;
      case "INT64" -> DataType.TYPE_INT64;
      case "INT32" -> DataType.TYPE_INT32;
      case "UINT8" -> DataType.TYPE_UINT8;
      default -> DataType.TYPE_INVALID;
    };
  }
}
