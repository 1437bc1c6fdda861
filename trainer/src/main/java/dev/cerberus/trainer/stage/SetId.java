package dev.cerberus.trainer.stage;

import java.util.Objects;

/**
 * Names one set: a fixed role ({@code SetId.of(SetRole.VAL)}), or an evaluation OOD set with
 * the name the config gives it. Typed, so an OOD set named "val" is never the validation set.
 */
public record SetId(SetRole role, String name) {

  public SetId {
    Objects.requireNonNull(role);
    Objects.requireNonNull(name);
    if (role != SetRole.OOD_EVAL && !name.equals(role.key())) {
      throw new IllegalArgumentException("a " + role + " set is named " + role.key());
    }
  }

  public static SetId of(SetRole role) {
    if (role == SetRole.OOD_EVAL) {
      throw new IllegalArgumentException("an evaluation OOD set needs a name: SetId.ood(name)");
    }
    return new SetId(role, role.key());
  }

  public static SetId ood(String name) {
    return new SetId(SetRole.OOD_EVAL, name);
  }

  public boolean isOod() {
    return role == SetRole.OOD_EVAL;
  }

  @Override
  public String toString() {
    return name;
  }
}
