package dev.cerberus.trainer.stage;

import dev.cerberus.trainer.data.Sample;
import java.util.ArrayList;
import java.util.List;

/**
 * The feature rows each head reads, per set: {@code of(head)} is that head's
 * {@link FeatureSets}. Rows are aligned across heads (the same samples in the same order,
 * since every head's features start from the same trunk rows); only the values may differ.
 *
 * <p>Today every head reads the same matrices ({@link #shared}). A head with its own
 * fine-tuned top gets its own rows through {@link #withHead}: everything after the top stage
 * (standardisation and training, logits, OOD statistics of the decision head) reads
 * {@code of(head)} and so follows without change.
 *
 * @param heads head names in task order (the gate last, when there is one)
 * @param perHead feature sets per head, same order
 */
public record HeadFeatures(List<String> heads, List<FeatureSets> perHead) {

  public HeadFeatures {
    heads = List.copyOf(heads);
    perHead = List.copyOf(perHead);
    if (heads.size() != perHead.size() || heads.isEmpty()) {
      throw new IllegalArgumentException(heads.size() + " heads but " + perHead.size()
          + " feature sources");
    }
  }

  /** Every head reads {@code sets}. */
  public static HeadFeatures shared(List<String> heads, FeatureSets sets) {
    List<FeatureSets> same = new ArrayList<>();
    for (int i = 0; i < heads.size(); i++) {
      same.add(sets);
    }
    return new HeadFeatures(heads, same);
  }

  /**
   * The seam for per-head feature sources (a head's own fine-tuned top): {@code head} reads
   * {@code own} from now on. Its sets must hold the same samples as the others'.
   */
  public HeadFeatures withHead(String head, FeatureSets own) {
    int i = index(head);
    FeatureSets ref = perHead.get(0);
    for (SetId id : ref.sets().keySet()) {
      FeatureSet s = own.get(id);
      if (s == null || !s.samples().equals(ref.get(id).samples())) {
        throw new IllegalArgumentException("head '" + head + "': set " + id
            + " does not hold the same samples as the shared features");
      }
    }
    List<FeatureSets> next = new ArrayList<>(perHead);
    next.set(i, own);
    return new HeadFeatures(heads, next);
  }

  public FeatureSets of(int head) {
    return perHead.get(head);
  }

  public FeatureSets of(String head) {
    return perHead.get(index(head));
  }

  public int index(String head) {
    int i = heads.indexOf(head);
    if (i < 0) {
      throw new IllegalArgumentException("no head '" + head + "' in " + heads);
    }
    return i;
  }

  /** Set ids in canonical order (the same for every head). */
  public List<SetId> ids() {
    return List.copyOf(perHead.get(0).sets().keySet());
  }

  /** The samples of a set (the same for every head). */
  public List<Sample> samples(SetId id) {
    return perHead.get(0).get(id).samples();
  }

  public List<Sample> samples(SetRole role) {
    return samples(SetId.of(role));
  }
}
