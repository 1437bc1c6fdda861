package dev.cerberus.server.oip.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import dev.cerberus.proto.oip.GrpcServiceProto;
import dev.cerberus.proto.oip.ModelConfigProto;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The project's serving proto against the upstream files vendored verbatim in proto/upstream/
 * (compiled in test scope into package {@code inference}): any drift in package, services,
 * RPCs, messages, field numbers, names or types fails here, naming what differs.
 */
class UpstreamProtoDriftTest {

  private static final List<FileDescriptor> PROJECT =
      List.of(GrpcServiceProto.getDescriptor(), ModelConfigProto.getDescriptor());
  private static final FileDescriptor TRITON = inference.GrpcService.getDescriptor();
  private static final FileDescriptor TRITON_CONFIG = inference.ModelConfigOuterClass.getDescriptor();
  private static final FileDescriptor KSERVE = inference.OpenInferenceGrpc.getDescriptor();

  @Test
  void projectProtoMatchesTritonAndKserve() {
    ProtoDrift drift = new ProtoDrift(List.of(TRITON, TRITON_CONFIG, KSERVE));
    assertThat(drift.check(PROJECT)).isEmpty();
  }

  @Test
  void everyUpstreamRpcIsOnTheProjectService() {
    var mine = GrpcServiceProto.getDescriptor().findServiceByName("GRPCInferenceService");
    for (FileDescriptor upstream : List.of(TRITON, KSERVE)) {
      for (MethodDescriptor m : upstream.findServiceByName("GRPCInferenceService").getMethods()) {
        assertThat(mine.findMethodByName(m.getName()))
            .as("%s from %s", m.getName(), upstream.getName()).isNotNull();
      }
    }
    assertThat(mine.getMethods()).hasSize(20);
  }

  @Test
  void kserveModelMetadataPropertiesIsServed() {
    var field = GrpcServiceProto.getDescriptor().findMessageTypeByName("ModelMetadataResponse")
        .findFieldByName("properties");
    assertThat(field).isNotNull();
    assertThat(field.getNumber()).isEqualTo(6);
    assertThat(field.isMapField()).isTrue();
  }

  /** The check itself can fail: a renumbered field and an invented message are both caught. */
  @Test
  void driftIsDetected() throws Exception {
    FileDescriptorProto.Builder proto = GrpcServiceProto.getDescriptor().toProto().toBuilder();
    for (DescriptorProto.Builder message : proto.getMessageTypeBuilderList()) {
      if (message.getName().equals("ModelInferRequest")) {
        for (FieldDescriptorProto.Builder f : message.getFieldBuilderList()) {
          if (f.getName().equals("raw_input_contents")) {
            f.setNumber(17);
          }
        }
      }
    }
    proto.addMessageType(DescriptorProto.newBuilder().setName("CerberusOnly"));
    FileDescriptor drifted = FileDescriptor.buildFrom(proto.build(),
        new FileDescriptor[] {ModelConfigProto.getDescriptor()});
    List<String> found = new ProtoDrift(List.of(TRITON, TRITON_CONFIG, KSERVE))
        .check(List.of(drifted));
    assertThat(found).anyMatch(d -> d.contains("raw_input_contents = 17"))
        .anyMatch(d -> d.contains("CerberusOnly is not defined upstream"));
  }
}
