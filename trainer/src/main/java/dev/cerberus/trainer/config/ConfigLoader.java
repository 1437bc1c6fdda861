package dev.cerberus.trainer.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cerberus.trainer.config.TrainerConfig.BackboneSpec;
import dev.cerberus.trainer.config.TrainerConfig.FineTuneSpec;
import dev.cerberus.trainer.config.TrainerConfig.HeadSpec;
import dev.cerberus.trainer.config.TrainerConfig.TopMode;
import dev.cerberus.trainer.config.TrainerConfig.SourceSpec;
import dev.cerberus.trainer.ood.ServedChoice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads a config strictly (a typo in a key names the key and the allowed ones) and checks every
 * cross-field rule before any long work starts. Relative paths resolve against the config's
 * folder so a config can be run from anywhere.
 */
public final class ConfigLoader {

  public static final Set<String> OOD_METHODS =
      Set.of("max_softmax", "energy", "mahalanobis", "knn", "gate", "fusion");
  private static final Pattern HEAD_NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]*");

  private ConfigLoader() {}

  public static ObjectMapper mapper(boolean yaml) {
    ObjectMapper m = yaml ? new ObjectMapper(new YAMLFactory()) : new ObjectMapper();
    m.setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    m.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    m.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    m.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    return m;
  }

  /** Parses and validates; throws {@link ConfigException} naming the file and field. */
  public static LoadedConfig load(Path file) {
    if (!Files.isReadable(file)) {
      throw new ConfigException(file + ": config file does not exist or is not readable");
    }
    String lower = file.getFileName().toString().toLowerCase();
    boolean yaml = lower.endsWith(".yaml") || lower.endsWith(".yml");
    if (!yaml && !lower.endsWith(".json")) {
      throw new ConfigException(file + ": config must end in .yaml, .yml or .json");
    }
    TrainerConfig config;
    try {
      config = mapper(yaml).readValue(file.toFile(), TrainerConfig.class);
    } catch (UnrecognizedPropertyException e) {
      Set<String> known = new TreeSet<>();
      e.getKnownPropertyIds().forEach(k -> known.add(String.valueOf(k)));
      throw new ConfigException(file + ": unknown key '" + e.getPropertyName() + "' at "
          + path(e) + "; allowed keys there: " + known);
    } catch (JsonProcessingException e) {
      throw new ConfigException(file + ": " + e.getOriginalMessage() + " at " + path(e)
          + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
    }
    if (config == null) {
      throw new ConfigException(file + ": config is empty");
    }
    Path base = file.toAbsolutePath().getParent();
    validate(file, config, base);
    return new LoadedConfig(file.toAbsolutePath(), base, config);
  }

  private static String path(JsonProcessingException e) {
    if (e instanceof com.fasterxml.jackson.databind.JsonMappingException m) {
      StringBuilder sb = new StringBuilder();
      for (var ref : m.getPath()) {
        if (ref.getFieldName() != null) {
          sb.append(sb.isEmpty() ? "" : ".").append(ref.getFieldName());
        } else if (ref.getIndex() >= 0) {
          sb.append('[').append(ref.getIndex()).append(']');
        }
      }
      return sb.isEmpty() ? "top level" : sb.toString();
    }
    return "top level";
  }

  static void validate(Path file, TrainerConfig c, Path base) {
    List<String> errors = new ArrayList<>();
    String f = file.toString();
    if (c.name() == null || !HEAD_NAME.matcher(c.name()).matches()) {
      errors.add("name: required, [a-z0-9][a-z0-9_.-]*, got " + c.name());
    }
    if (c.output() == null) {
      errors.add("output: required (the bundle folder to write)");
    }
    if (c.backbone() == null || (c.backbone().file() == null) == (c.backbone().split() == null)) {
      errors.add("backbone: exactly one of file (a TorchScript .pt file) and split "
          + "({trunk, top}) is required");
    } else {
      var sp = c.backbone().split();
      if (sp == null) {
        Path bb = base.resolve(c.backbone().file());
        if (!Files.isReadable(bb)) {
          errors.add("backbone.file: not readable: " + bb);
        }
      } else if (sp.trunk() == null || sp.top() == null) {
        errors.add("backbone.split: both trunk and top are required");
      } else {
        // the hint names the tool that makes this kind of split (a text user was sent to the
        // MobileNet script)
        String maker = c.input() != null && "text".equals(c.input().kind())
            ? "tools/backbone/build-minilm.sh --split-layer N --out DIR"
            : "tools/backbone/split_mobilenet.py";
        for (String[] kv : new String[][] {{"trunk", sp.trunk()}, {"top", sp.top()}}) {
          if (!Files.isReadable(base.resolve(kv[1]))) {
            errors.add("backbone.split." + kv[0] + ": not readable: " + base.resolve(kv[1])
                + " (" + maker + " makes the pair)");
          }
        }
        if (c.input() != null && !Set.of("image", "text").contains(c.input().kind())) {
          errors.add("backbone.split: supported for input.kind image and text only");
        }
      }
      var ft = c.backbone().fineTune();
      if (ft != null) {
        if (sp == null) {
          errors.add("backbone.fine_tune: needs backbone.split (the top is what is fine-tuned)");
        }
        checkFineTune(errors, "backbone.fine_tune", ft);
      }
      if (c.backbone().cacheMaxBytes() < 1) {
        errors.add("backbone.cache_max_bytes: must be >= 1, got " + c.backbone().cacheMaxBytes());
      }
      if (!Set.of("pooled", "tokens").contains(c.backbone().output())) {
        errors.add("backbone.output: must be pooled or tokens, got " + c.backbone().output());
      }
      if (c.backbone().featureSize() == null || c.backbone().featureSize() < 1) {
        errors.add("backbone.feature_size: required, >= 1");
      }
      if (c.backbone().batchSize() < 1 || c.backbone().threads() < 1) {
        errors.add("backbone.batch_size and backbone.threads: must be >= 1");
      }
    }
    if (c.input() == null || c.input().kind() == null) {
      errors.add("input.kind: required, image or text");
    } else if ("image".equals(c.input().kind())) {
      var im = c.input().image();
      if (im == null || im.width() == null || im.height() == null) {
        errors.add("input.image: width and height are required for kind image");
      } else {
        if (!Set.of("bilinear", "nearest").contains(im.resize())) {
          errors.add("input.image.resize: bilinear or nearest, got " + im.resize());
        }
        if (!Set.of("rgb", "gray").contains(im.channels())) {
          errors.add("input.image.channels: rgb or gray, got " + im.channels());
        }
        int ch = "gray".equals(im.channels()) ? 1 : 3;
        if (im.mean().size() != ch || im.std().size() != ch) {
          errors.add("input.image.mean/std: need " + ch + " values for channels " + im.channels());
        }
      }
    } else if ("text".equals(c.input().kind())) {
      var t = c.input().text();
      if (t == null || t.tokenizer() == null) {
        errors.add("input.text.tokenizer: required for kind text");
      } else if (!Files.isReadable(base.resolve(t.tokenizer()))) {
        errors.add("input.text.tokenizer: not readable: " + base.resolve(t.tokenizer()));
      }
    } else {
      errors.add("input.kind: image or text, got " + c.input().kind());
    }
    if (c.heads().isEmpty()) {
      errors.add("heads: at least one head is required");
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < c.heads().size(); i++) {
      HeadSpec h = c.heads().get(i);
      String at = "heads[" + i + "]";
      if (h.name() == null || !HEAD_NAME.matcher(h.name()).matches()) {
        errors.add(at + ".name: required, [a-z0-9][a-z0-9_.-]*, got " + h.name());
      } else if (!names.add(h.name())) {
        errors.add(at + ".name: duplicate head name " + h.name());
      }
      if (!"binary".equals(h.kind()) && !"multiclass".equals(h.kind())) {
        errors.add(at + ".kind: binary or multiclass, got " + h.kind());
      } else if ("binary".equals(h.kind()) && h.labels().size() != 2) {
        errors.add(at + ".labels: a binary head has exactly 2 labels [base, positive], got "
            + h.labels());
      } else if ("multiclass".equals(h.kind()) && h.labels().size() < 2) {
        errors.add(at + ".labels: a multiclass head needs >= 2 labels, got " + h.labels());
      }
      if (new HashSet<>(h.labels()).size() != h.labels().size()) {
        errors.add(at + ".labels: duplicate label in " + h.labels());
      }
      if (h.baseLabel() != null && (!"binary".equals(h.kind())
          || h.labels().isEmpty() || !h.baseLabel().equals(h.labels().get(0)))) {
        errors.add(at + ".base_label: only for binary heads, and must equal labels[0]");
      }
      if (h.hidden().stream().anyMatch(s -> s < 1)) {
        errors.add(at + ".hidden: layer sizes must be >= 1, got " + h.hidden());
      }
      checkOwnTop(errors, at, h, c.backbone());
    }
    if (c.gate() != null && names.contains(c.gate().name())) {
      errors.add("gate.name: " + c.gate().name() + " is already a head name");
    }
    if (c.data().train().isEmpty()) {
      errors.add("data.train: at least one source is required");
    }
    if (!Set.of("skip", "fail").contains(c.data().onCorrupt())) {
      errors.add("data.on_corrupt: skip or fail, got " + c.data().onCorrupt());
    }
    if (!Set.of("skip", "fail").contains(c.data().onEmptyLine())) {
      errors.add("data.on_empty_line: skip or fail, got " + c.data().onEmptyLine());
    }
    double vf = c.data().valFraction();
    double tf = c.data().testFraction();
    if (vf < 0 || tf < 0 || vf + tf >= 1) {
      errors.add("data.val_fraction/test_fraction: each >= 0 and sum < 1");
    }
    Set<String> tasks = new HashSet<>();
    c.heads().forEach(h -> tasks.add(h.task()));
    checkSources(errors, base, "data.train", c.data().train(), true, tasks);
    checkSources(errors, base, "data.val", c.data().val(), true, tasks);
    checkSources(errors, base, "data.test", c.data().test(), true, tasks);
    checkSources(errors, base, "outliers", c.outliers(), false, tasks);
    checkSources(errors, base, "ood_sets", c.oodSets(), false, tasks);
    Set<String> oodNames = new HashSet<>();
    for (int i = 0; i < c.oodSets().size(); i++) {
      String n = c.oodSets().get(i).name();
      if (n == null) {
        errors.add("ood_sets[" + i + "].name: required (reports name each OOD set)");
      } else if (!oodNames.add(n)) {
        errors.add("ood_sets[" + i + "].name: duplicate " + n);
      }
    }
    var ood = c.ood();
    for (String m : ood.methods()) {
      if (!OOD_METHODS.contains(m)) {
        errors.add("ood.methods: unknown method " + m + "; allowed " + new TreeSet<>(OOD_METHODS));
      }
    }
    for (String m : ood.fusion()) {
      if (!OOD_METHODS.contains(m) || "fusion".equals(m)) {
        errors.add("ood.fusion: unknown component " + m);
      }
    }
    boolean auto = ServedChoice.AUTO.equals(ood.serve());
    if (!auto && !ood.methods().contains(ood.serve())) {
      errors.add("ood.serve: " + ood.serve() + " must be one of ood.methods " + ood.methods()
          + " or auto");
    }
    if (ood.holdoutFraction() <= 0 || ood.holdoutFraction() >= 1) {
      errors.add("ood.holdout_fraction: in (0,1), got " + ood.holdoutFraction());
    }
    if (auto && c.outliers().isEmpty()) {
      errors.add("ood.serve: auto needs outliers: (it chooses on their held-out part)");
    }
    if (ood.autoMixup() < 0 || (ood.autoMixup() > 0 && !auto)) {
      errors.add("ood.auto_mixup: a count >= 0, only with ood.serve: auto, got "
          + ood.autoMixup());
    }
    if (ood.autoTies() != ServedChoice.Ties.SIMPLER && !auto) {
      errors.add("ood.auto_ties: only with ood.serve: auto");
    }
    if (ood.autoMixup() > 0 && c.heads().stream().anyMatch(h -> h.top() == TopMode.OWN)) {
      errors.add("ood.auto_mixup: needs every head on the shared top (mixed rows are scored"
          + " through every head on the decision head's features)");
    }
    if (auto && ood.methods().stream().noneMatch(m -> !"fusion".equals(m))) {
      errors.add("ood.serve: auto needs a method other than fusion in ood.methods");
    }
    boolean wantsGate = ood.methods().contains("gate")
        || (ood.methods().contains("fusion") && ood.fusion().contains("gate"));
    if (wantsGate && c.gate() == null) {
      errors.add("ood.methods: gate needs a gate: section (the gate head to train)");
    }
    PerHeadUnknownCheck.check(errors, c, wantsGate && c.gate() == null);
    FlipCheck.check(errors, c);
    SelectionCheck.check(errors, c);
    DecisionOrderCheck.check(errors, c);
    if (c.gate() != null && c.gate().hidden().stream().anyMatch(s -> s < 1)) {
      errors.add("gate.hidden: layer sizes must be >= 1, got " + c.gate().hidden());
    }
    if (c.gate() != null && c.gate().mixup() != null) {
      var mx = c.gate().mixup();
      if (mx.count() < 1) {
        errors.add("gate.mixup.count: >= 1, got " + mx.count());
      }
      if (!(mx.min() > 0 && mx.min() <= mx.max() && mx.max() < 1)) {
        errors.add("gate.mixup.min/max: need 0 < min <= max < 1, got min " + mx.min()
            + ", max " + mx.max());
      }
    }
    if ((c.gate() != null) && c.outliers().isEmpty()) {
      errors.add("gate: a gate head needs an outliers: set to learn 'out' from");
    }
    if (ood.targetTpr() <= 0 || ood.targetTpr() >= 1) {
      errors.add("ood.target_tpr: in (0,1), got " + ood.targetTpr());
    }
    if (ood.knnK() < 1 || ood.knnBankSize() < 1) {
      errors.add("ood.knn_k and ood.knn_bank_size: >= 1");
    }
    if (ood.mahalanobisShrinkage() < 0 || ood.mahalanobisShrinkage() > 1) {
      errors.add("ood.mahalanobis_shrinkage: in [0,1]");
    }
    if (ood.head() != null && !names.contains(ood.head())) {
      errors.add("ood.head: no head named " + ood.head() + "; heads are " + names);
    }
    var t = c.training();
    if (t.epochs() < 1 || t.batchSize() < 1 || t.patience() < 1) {
      errors.add("training.epochs, batch_size, patience: >= 1");
    }
    if (t.learningRate() <= 0 || t.weightDecay() < 0 || t.oeLambda() < 0) {
      errors.add("training.learning_rate > 0, weight_decay >= 0, oe_lambda >= 0");
    }
    if (!Set.of("balanced", "none").contains(t.classWeighting())) {
      errors.add("training.class_weighting: balanced or none, got " + t.classWeighting());
    }
    checkWeakSupervision(errors, c.weakSupervision(), names);
    if (!errors.isEmpty()) {
      // one problem, one line (file, field, what is allowed); several, one line each
      throw new ConfigException(errors.size() == 1 ? f + ": invalid config: " + errors.get(0)
          : f + ": invalid config:\n  - " + String.join("\n  - ", errors));
    }
  }

  private static void checkWeakSupervision(List<String> errors,
      TrainerConfig.WeakSupervisionSpec w, Set<String> heads) {
    if (w == null) {
      return;
    }
    String at = "weak_supervision.";
    if (!Set.of("hard", "soft").contains(w.mode())) {
      errors.add(at + "mode: hard or soft, got " + w.mode());
    } else if ("hard".equals(w.mode()) && w.threshold() != null
        && !(w.threshold() > 0.5 && w.threshold() <= 1)) {
      errors.add(at + "threshold: in (0.5, 1] (the least max-class probability that labels a "
          + "row), got " + w.threshold());
    } else if ("soft".equals(w.mode()) && w.threshold() != null) {
      errors.add(at + "threshold: only for mode hard (soft uses every row's probabilities)");
    }
    if (w.sources() == null) {
      return;
    }
    if (w.sources().isEmpty()) {
      errors.add(at + "sources: at least one head (leave it out for all heads)");
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < w.sources().size(); i++) {
      String s = w.sources().get(i);
      if (!heads.contains(s)) {
        errors.add(at + "sources[" + i + "]: no head named " + s + "; heads are "
            + new TreeSet<>(heads));
      } else if (!seen.add(s)) {
        errors.add(at + "sources[" + i + "]: duplicate " + s);
      }
    }
  }

  private static void checkFineTune(List<String> errors, String at, FineTuneSpec ft) {
    if (ft.epochs() < 1 || ft.batchSize() < 1) {
      errors.add(at + ".epochs and batch_size: must be >= 1");
    }
    if (!(ft.learningRate() > 0) || !(ft.headLearningRate() > 0) || ft.weightDecay() < 0
        || ft.oeLambda() < 0) {
      errors.add(at + ": learning rates must be > 0, weight_decay and oe_lambda >= 0");
    }
  }

  /** {@code heads[i].top: own} needs a split backbone; {@code fine_tune} only with an own top. */
  private static void checkOwnTop(List<String> errors, String at, HeadSpec h, BackboneSpec bb) {
    boolean own = h.top() == TopMode.OWN;
    if (own && bb != null && bb.split() == null) {
      errors.add(at + ".top: own needs backbone.split (trunk + top); backbone.file is unsplit, "
          + "so there is no top to copy");
    }
    if (h.fineTune() != null) {
      if (!own) {
        errors.add(at + ".fine_tune: only for a head with top: own (shared tops use "
            + "backbone.fine_tune)");
      }
      checkFineTune(errors, at + ".fine_tune", h.fineTune());
      if (h.fineTune().objective() != null) {
        errors.add(at + ".fine_tune.objective: only for backbone.fine_tune (an own top is "
            + "trained for its own head only)");
      }
    }
  }

  private static void checkSources(List<String> errors, Path base, String at,
      List<SourceSpec> sources, boolean labelled, Set<String> tasks) {
    for (int i = 0; i < sources.size(); i++) {
      SourceSpec s = sources.get(i);
      String where = at + "[" + i + "]";
      int set = (s.images() != null ? 1 : 0) + (s.jsonl() != null ? 1 : 0) + (s.text() != null ? 1 : 0);
      if (set != 1) {
        errors.add(where + ": exactly one of images, jsonl, text");
        continue;
      }
      String p = s.images() != null ? s.images() : s.jsonl() != null ? s.jsonl() : s.text();
      Path path = base.resolve(p);
      if (s.images() != null ? !Files.isDirectory(path) : !Files.isReadable(path)) {
        errors.add(where + ": not readable: " + path);
      }
      if (labelled && s.text() != null) {
        errors.add(where + ".text: plain text files are unlabelled; use jsonl for labelled text");
      }
      if (labelled && s.images() != null && (s.task() == null || !tasks.contains(s.task()))) {
        errors.add(where + ".task: an image folder labels one task; got " + s.task()
            + ", tasks are " + tasks);
      }
      if (s.limit() < 0) {
        errors.add(where + ".limit: >= 0");
      }
    }
  }
}
