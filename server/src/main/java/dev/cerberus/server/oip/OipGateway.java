package dev.cerberus.server.oip;

import com.google.protobuf.ByteString;
import dev.cerberus.proto.oip.InferTensorContents;
import dev.cerberus.proto.oip.ModelInferRequest;
import dev.cerberus.proto.oip.ModelInferResponse;
import dev.cerberus.proto.oip.ModelInferResponse.InferOutputTensor;
import dev.cerberus.proto.oip.ModelMetadataResponse;
import dev.cerberus.server.inference.CallContext;
import dev.cerberus.server.inference.ModelRepository;
import dev.cerberus.server.inference.ServedModel;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The OIP v2 domain for other transports (the HTTP/REST front-end): the same inference,
 * metadata and raw-contents layout the gRPC service uses, so both protocols answer alike. A
 * transport translates its wire format into a {@link ModelInferRequest} and back; everything
 * between (input checks, outputs, the batcher) is shared.
 */
public final class OipGateway {

  private OipGateway() {}

  /** The platform reported by server and model metadata. */
  public static final String PLATFORM = OipTensors.PLATFORM;

  /**
   * One inference through the shared path. The future fails with a gRPC status exception on
   * any error ({@link #status} turns it into a status). Outputs come raw when the request
   * carried raw_input_contents, typed otherwise.
   */
  public static CompletableFuture<ModelInferResponse> infer(
      ServedModel model, ModelInferRequest request, CallContext context) {
    return OipInference.infer(model, request, context);
  }

  /** ModelMetadata of a model (the newest version when {@code version} is empty). */
  public static ModelMetadataResponse metadata(
      ModelRepository repository, String name, String version) {
    ServedModel model = repository.resolve(name, version);
    List<String> versions =
        repository.versions(model.name()).stream().map(ServedModel::version).toList();
    return OipModelMetadata.describe(
        model.name(), versions, model.manifest(), OipInference.decoder(model));
  }

  /** The status a failed inference future carries (INTERNAL, logged, for a bug). */
  public static Status status(Throwable error) {
    return OipInferenceService.OipStatus.of(error);
  }

  /**
   * Output {@code index} of a response in the raw layout (little-endian, BYTES elements
   * length-prefixed), whether the response carries it raw or typed.
   */
  public static ByteString rawOutput(ModelInferResponse response, int index) {
    if (response.getRawOutputContentsCount() > 0) {
      return response.getRawOutputContents(index);
    }
    InferOutputTensor tensor = response.getOutputs(index);
    InferTensorContents c = tensor.getContents();
    return switch (tensor.getDatatype()) {
      case OipTensors.BYTES -> RawContents.encodeBytes(c.getBytesContentsList());
      case OipTensors.BOOL -> {
        boolean[] values = new boolean[c.getBoolContentsCount()];
        for (int i = 0; i < values.length; i++) values[i] = c.getBoolContents(i);
        yield RawContents.encodeBool(values);
      }
      case OipTensors.FP32 -> {
        float[] values = new float[c.getFp32ContentsCount()];
        for (int i = 0; i < values.length; i++) values[i] = c.getFp32Contents(i);
        yield RawContents.encodeFp32(values);
      }
      default -> throw new IllegalStateException("no raw layout for output datatype "
          + tensor.getDatatype());
    };
  }

  /** Output {@code index} of a response as typed contents, whether it is raw or typed. */
  public static InferTensorContents typedOutput(ModelInferResponse response, int index) {
    InferOutputTensor tensor = response.getOutputs(index);
    if (response.getRawOutputContentsCount() == 0) {
      return tensor.getContents();
    }
    ByteString raw = response.getRawOutputContents(index);
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    try {
      switch (tensor.getDatatype()) {
        case OipTensors.BYTES -> c.addAllBytesContents(RawContents.decodeBytes(raw, tensor.getName()));
        case OipTensors.BOOL -> {
          for (int i = 0; i < raw.size(); i++) c.addBoolContents(raw.byteAt(i) != 0);
        }
        case OipTensors.FP32 -> {
          for (float v : RawContents.decodeFp32(raw, tensor.getName())) c.addFp32Contents(v);
        }
        default -> throw new IllegalStateException("no typed form for output datatype "
            + tensor.getDatatype());
      }
    } catch (StatusException e) {
      // the server encoded these bytes itself: a failure here is a bug, not bad input
      throw new IllegalStateException("server-encoded raw output is malformed: "
          + e.getMessage(), e);
    }
    return c.build();
  }
}
