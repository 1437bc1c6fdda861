package dev.cerberus.server.oip;

import dev.cerberus.model.bundle.BundleManifest;
import dev.cerberus.proto.oip.ModelMetadataResponse;
import dev.cerberus.proto.oip.ModelMetadataResponse.TensorMetadata;
import java.util.List;

/** ModelMetadata of one model version: its single input, its outputs, platform "cerberus". */
final class OipModelMetadata {

  private OipModelMetadata() {}

  /**
   * @param versions every loaded version of the model, newest first
   */
  static ModelMetadataResponse describe(
      String modelName, List<String> versions, BundleManifest manifest, OipInputDecoder input) {
    ModelMetadataResponse.Builder out =
        ModelMetadataResponse.newBuilder()
            .setName(modelName)
            .addAllVersions(versions)
            .setPlatform(OipTensors.PLATFORM);
    TensorMetadata.Builder in =
        TensorMetadata.newBuilder().setName(OipTensors.INPUT).setDatatype(input.expectedDatatype());
    for (long d : input.expectedShape()) in.addShape(d);
    out.addInputs(in);
    out.addAllOutputs(new OipOutputs(modelName, manifest).metadata());
    // KServe's optional properties: what a client needs to build inputs and read outputs
    out.putProperties("input_kind", manifest.input().kind());
    out.putProperties("heads", String.join(",",
        manifest.heads().stream().map(BundleManifest.HeadSpec::name).toList()));
    return out.build();
  }
}
