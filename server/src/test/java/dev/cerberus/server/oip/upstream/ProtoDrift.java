package dev.cerberus.server.oip.upstream;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares the project's serving proto with upstream definitions, descriptor by descriptor, and
 * lists every difference that changes the wire or the generated API: a package, service, RPC,
 * message, field or enum value the project defines that no upstream file defines the same way
 * (name, number, type, label, message/enum type, streaming). A field may come from either
 * upstream (KServe's {@code properties} is not in Triton's file) but must not contradict any.
 */
public final class ProtoDrift {

  private final Map<String, List<Descriptor>> upstreamMessages = new LinkedHashMap<>();
  private final Map<String, List<EnumDescriptor>> upstreamEnums = new LinkedHashMap<>();
  private final Map<String, List<ServiceDescriptor>> upstreamServices = new LinkedHashMap<>();
  private final List<String> differences = new ArrayList<>();

  public ProtoDrift(List<FileDescriptor> upstream) {
    for (FileDescriptor file : upstream) {
      file.getMessageTypes().forEach(this::indexMessage);
      file.getEnumTypes().forEach(e -> upstreamEnums.computeIfAbsent(e.getFullName(),
          k -> new ArrayList<>()).add(e));
      file.getServices().forEach(s -> upstreamServices.computeIfAbsent(s.getFullName(),
          k -> new ArrayList<>()).add(s));
    }
  }

  private void indexMessage(Descriptor m) {
    upstreamMessages.computeIfAbsent(m.getFullName(), k -> new ArrayList<>()).add(m);
    m.getNestedTypes().forEach(this::indexMessage);
    m.getEnumTypes().forEach(e -> upstreamEnums.computeIfAbsent(e.getFullName(),
        k -> new ArrayList<>()).add(e));
  }

  /** Every difference of the project's files from upstream; empty when they agree. */
  public List<String> check(List<FileDescriptor> project) {
    differences.clear();
    for (FileDescriptor file : project) {
      if (!file.getPackage().equals("inference")) {
        differences.add(file.getName() + ": package " + file.getPackage() + ", upstream: inference");
      }
      file.getMessageTypes().forEach(this::checkMessage);
      file.getEnumTypes().forEach(this::checkEnum);
      file.getServices().forEach(this::checkService);
    }
    return List.copyOf(differences);
  }

  private void checkMessage(Descriptor mine) {
    List<Descriptor> theirs = upstreamMessages.get(mine.getFullName());
    if (theirs == null) {
      differences.add("message " + mine.getFullName() + " is not defined upstream");
      return;
    }
    for (FieldDescriptor field : mine.getFields()) {
      boolean somewhere = false;
      for (Descriptor upstream : theirs) {
        FieldDescriptor same = upstream.findFieldByNumber(field.getNumber());
        if (same == null) {
          continue;
        }
        String why = fieldDifference(field, same);
        if (why != null) {
          differences.add(field.getFullName() + " = " + field.getNumber() + ": " + why
              + " (upstream " + upstream.getFile().getName() + ")");
        }
        somewhere = true;
      }
      if (!somewhere) {
        differences.add(field.getFullName() + " = " + field.getNumber()
            + ": no upstream file defines this field number");
      }
    }
    mine.getNestedTypes().forEach(this::checkMessage);
    mine.getEnumTypes().forEach(this::checkEnum);
  }

  private static String fieldDifference(FieldDescriptor mine, FieldDescriptor theirs) {
    if (!mine.getName().equals(theirs.getName())) {
      return "named " + mine.getName() + ", upstream " + theirs.getName();
    }
    if (mine.getType() != theirs.getType()) {
      return "type " + mine.getType() + ", upstream " + theirs.getType();
    }
    if (mine.isRepeated() != theirs.isRepeated() || mine.isMapField() != theirs.isMapField()) {
      return "repeated/map " + mine.isRepeated() + "/" + mine.isMapField() + ", upstream "
          + theirs.isRepeated() + "/" + theirs.isMapField();
    }
    String mineType = typeName(mine);
    String theirType = typeName(theirs);
    if (!mineType.equals(theirType)) {
      return "of type " + mineType + ", upstream " + theirType;
    }
    return null;
  }

  private static String typeName(FieldDescriptor f) {
    return switch (f.getJavaType()) {
      case MESSAGE -> f.getMessageType().getFullName();
      case ENUM -> f.getEnumType().getFullName();
      default -> f.getType().name();
    };
  }

  private void checkEnum(EnumDescriptor mine) {
    List<EnumDescriptor> theirs = upstreamEnums.get(mine.getFullName());
    if (theirs == null) {
      differences.add("enum " + mine.getFullName() + " is not defined upstream");
      return;
    }
    for (EnumValueDescriptor value : mine.getValues()) {
      for (EnumDescriptor upstream : theirs) {
        EnumValueDescriptor same = upstream.findValueByNumber(value.getNumber());
        if (same == null || !same.getName().equals(value.getName())) {
          differences.add("enum value " + value.getFullName() + " = " + value.getNumber()
              + ": upstream has " + (same == null ? "no such number" : same.getName()));
        }
      }
    }
  }

  private void checkService(ServiceDescriptor mine) {
    List<ServiceDescriptor> theirs = upstreamServices.get(mine.getFullName());
    if (theirs == null) {
      differences.add("service " + mine.getFullName() + " is not defined upstream");
      return;
    }
    for (MethodDescriptor method : mine.getMethods()) {
      boolean somewhere = false;
      for (ServiceDescriptor upstream : theirs) {
        MethodDescriptor same = upstream.findMethodByName(method.getName());
        if (same == null) {
          continue;
        }
        somewhere = true;
        String mineSig = signature(method);
        String theirSig = signature(same);
        if (!mineSig.equals(theirSig)) {
          differences.add("rpc " + method.getFullName() + ": " + mineSig + ", upstream " + theirSig);
        }
      }
      if (!somewhere) {
        differences.add("rpc " + method.getFullName() + " is not defined upstream");
      }
    }
  }

  private static String signature(MethodDescriptor m) {
    return (m.isClientStreaming() ? "stream " : "") + m.getInputType().getFullName() + " -> "
        + (m.isServerStreaming() ? "stream " : "") + m.getOutputType().getFullName();
  }
}
