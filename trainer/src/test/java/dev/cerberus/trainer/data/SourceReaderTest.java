package dev.cerberus.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cerberus.trainer.config.TrainerConfig.SourceSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceReaderTest {

  @TempDir Path dir;

  static final Map<String, List<String>> TASKS = Map.of(
      "topic", List.of("base", "sport"), "colour", List.of("red", "blue"));

  private SourceReader reader(boolean failOnEmpty) {
    return new SourceReader(dir, TASKS, failOnEmpty, 1);
  }

  private static SourceSpec jsonl(String f) {
    return new SourceSpec(null, null, f, null, null, null);
  }

  @Test
  void jsonlLabelsAnySubsetOfTasks() throws IOException {
    Files.writeString(dir.resolve("m.jsonl"), """
        {"text": "a match", "labels": {"topic": "sport"}}

        {"text": "a tomato", "labels": {"colour": "red", "topic": "base"}}
        {"text": "nothing known"}
        """);
    SourceReader r = reader(false);
    List<Sample> s = r.readLabelled(List.of(jsonl("m.jsonl")));
    assertThat(s).hasSize(3);
    assertThat(s.get(0).labels()).containsExactly(Map.entry("topic", "sport"));
    assertThat(s.get(1).labels()).hasSize(2);
    assertThat(s.get(2).labels()).isEmpty();
    assertThat(r.skippedEmptyLines()).isEqualTo(1);
  }

  @Test
  void jsonBooleansLabelABaseVsXTask() throws IOException {
    // true = the positive label (labels[1]), false = the base (labels[0])
    Files.writeString(dir.resolve("b.jsonl"), """
        {"text": "a match", "labels": {"topic": true}}
        {"text": "a recipe", "labels": {"topic": false}}
        {"text": "a red ball", "labels": {"colour": "red"}}
        """);
    List<Sample> s = reader(false).readLabelled(List.of(jsonl("b.jsonl")));
    assertThat(s.get(0).labels()).containsExactly(Map.entry("topic", "sport"));
    assertThat(s.get(1).labels()).containsExactly(Map.entry("topic", "base"));
  }

  @Test
  void unknownLabelNamesFileAndLine() throws IOException {
    Files.writeString(dir.resolve("m.jsonl"), """
        {"text": "ok", "labels": {"topic": "sport"}}
        {"text": "bad", "labels": {"topic": "cooking"}}
        """);
    assertThatThrownBy(() -> reader(false).readLabelled(List.of(jsonl("m.jsonl"))))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("m.jsonl:2")
        .hasMessageContaining("'cooking'")
        .hasMessageContaining("[base, sport]");
  }

  @Test
  void unknownTaskAndBrokenJsonAreErrors() throws IOException {
    Files.writeString(dir.resolve("a.jsonl"), "{\"text\": \"x\", \"labels\": {\"mood\": \"happy\"}}\n");
    assertThatThrownBy(() -> reader(false).readLabelled(List.of(jsonl("a.jsonl"))))
        .hasMessageContaining("a.jsonl:1").hasMessageContaining("task 'mood'");
    Files.writeString(dir.resolve("b.jsonl"), "{\"text\": \"x\"\n");
    assertThatThrownBy(() -> reader(false).readLabelled(List.of(jsonl("b.jsonl"))))
        .hasMessageContaining("b.jsonl:1").hasMessageContaining("not valid JSON");
  }

  @Test
  void emptyLinePolicyFail() throws IOException {
    Files.writeString(dir.resolve("t.txt"), "one\n\nthree\n");
    SourceSpec text = new SourceSpec("fortunes", null, null, "t.txt", null, null);
    assertThat(reader(false).readUnlabelled(text)).hasSize(2);
    assertThatThrownBy(() -> reader(true).readUnlabelled(text))
        .hasMessageContaining("t.txt:2").hasMessageContaining("on_empty_line");
  }

  @Test
  void imageFolderLabelMustBeKnownAndEmptyOutlierSetIsAnError() throws IOException {
    Files.createDirectories(dir.resolve("imgs/red"));
    Files.createDirectories(dir.resolve("imgs/green"));
    Files.writeString(dir.resolve("imgs/red/a.png"), "x");
    SourceSpec folder = new SourceSpec(null, "imgs", null, null, "colour", null);
    assertThatThrownBy(() -> reader(false).readLabelled(List.of(folder)))
        .hasMessageContaining("green").hasMessageContaining("[red, blue]");
    Files.createDirectories(dir.resolve("empty"));
    assertThatThrownBy(() -> reader(false).readUnlabelled(
        new SourceSpec("letters", "empty", null, null, null, null)))
        .hasMessageContaining("letters: the set is empty");
  }

  @Test
  void seededSplitIsDeterministicAndDisjoint() {
    List<Sample> all = new java.util.ArrayList<>();
    for (int i = 0; i < 100; i++) {
      all.add(new Sample(new Item.Text("t" + i, "x"), Map.of()));
    }
    Splits a = Splits.of(all, List.of(), List.of(), 0.1, 0.2, 7);
    Splits b = Splits.of(all, List.of(), List.of(), 0.1, 0.2, 7);
    assertThat(a.train()).hasSize(70).isEqualTo(b.train());
    assertThat(a.val()).hasSize(10);
    assertThat(a.test()).hasSize(20).doesNotContainAnyElementsOf(a.train());
  }
}
