"""Writes the two tiny bundles the OIP tests serve (run with Debian's /usr/bin/python3, which has
torch and numpy): `vectors/1` (input kind tensor, shape [4]) and `pictures/1` (input kind image,
16x16 rgb). Weights are fixed by a seed; the files are committed, this script documents them."""
import json
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(7)
rng = np.random.default_rng(7)


def dense(folder, head, layer, out_dim, in_dim):
    os.makedirs(os.path.join(folder, "heads", head), exist_ok=True)
    w = rng.normal(0, 1, (out_dim, in_dim)).astype("<f4")
    b = rng.normal(0, 0.1, (out_dim,)).astype("<f4")
    np.save(os.path.join(folder, "heads", head, f"{layer}.weight.npy"), w)
    np.save(os.path.join(folder, "heads", head, f"{layer}.bias.npy"), b)
    return {"weight": f"heads/{head}/{layer}.weight.npy", "bias": f"heads/{head}/{layer}.bias.npy"}


class VectorBackbone(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 6)

    def forward(self, x):
        return torch.tanh(self.fc(x))


class PictureBackbone(torch.nn.Module):
    def forward(self, x):
        # [B,3,16,16] -> per-channel mean and max: 6 features
        return torch.cat([x.mean(dim=(2, 3)), x.amax(dim=(2, 3))], dim=1)


def write(name, backbone, example, input_spec, feature_size, heads, unknown):
    folder = os.path.join(HERE, name, "1")
    os.makedirs(folder, exist_ok=True)
    torch.jit.trace(backbone.eval(), example).save(os.path.join(folder, "backbone.pt"))
    manifest = {
        "schema_version": 1, "name": name, "version": "1",
        "description": f"OIP test fixture ({input_spec['kind']} input)",
        "input": input_spec,
        "backbone": {"file": "backbone.pt", "output": "pooled", "feature_size": feature_size},
        "heads": [{"name": h, "kind": kind, "labels": labels,
                   "layers": [dense(folder, h, 0, 1 if kind == "binary" else len(labels), feature_size)]}
                  for h, kind, labels in heads],
        "unknown": unknown,
    }
    with open(os.path.join(folder, "bundle.json"), "w") as f:
        json.dump(manifest, f, indent=2)


write("vectors", VectorBackbone(), torch.zeros(2, 4), {"kind": "tensor", "tensor": {"shape": [4]}}, 6,
      [("color", "multiclass", ["red", "green", "blue"]), ("is-big", "binary", ["small", "big"])],
      {"method": "max_softmax", "head": "color", "threshold": 0.6})
write("pictures", PictureBackbone(), torch.zeros(2, 3, 16, 16),
      {"kind": "image", "image": {"width": 16, "height": 16, "channels": "rgb"}}, 6,
      [("shade", "multiclass", ["dark", "mid", "light"])],
      {"method": "max_softmax", "head": "shade", "threshold": 0.6})


# ---- `words/1`: input kind text, a hand-written WordLevel tokenizer (no `tokenizers` package
# is installable here) and an embedding-mean backbone called as forward(ids, mask, type_ids).
class WordBackbone(torch.nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.emb = torch.nn.Embedding(vocab, 5)

    def forward(self, input_ids, attention_mask, token_type_ids):
        m = attention_mask.unsqueeze(-1).to(torch.float32)
        return (self.emb(input_ids) * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)


words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "cat", "dog", "car", "bus", "café", "the", "a"]
vocab = {w: i for i, w in enumerate(words)}


def special(token):
    return {"id": vocab[token], "content": token, "single_word": False, "lstrip": False,
            "rstrip": False, "normalized": False, "special": True}


tokenizer = {
    "version": "1.0", "truncation": None, "padding": None,
    "added_tokens": [special(t) for t in words[:4]],
    "normalizer": {"type": "Lowercase"},
    "pre_tokenizer": {"type": "Whitespace"},
    "post_processor": {
        "type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                   {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
        "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                 {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                 {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
        "special_tokens": {t: {"id": t, "ids": [vocab[t]], "tokens": [t]} for t in ["[CLS]", "[SEP]"]},
    },
    "decoder": None,
    "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "[UNK]"},
}
folder = os.path.join(HERE, "words", "1")
os.makedirs(folder, exist_ok=True)
with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as f:
    json.dump(tokenizer, f, ensure_ascii=False, indent=1)
ids = torch.ones(2, 8, dtype=torch.int64)
torch.jit.trace(WordBackbone(len(words)).eval(), (ids, ids, ids * 0)).save(os.path.join(folder, "backbone.pt"))
manifest = {
    "schema_version": 1, "name": "words", "version": "1", "description": "OIP test fixture (text input)",
    "input": {"kind": "text", "text": {"tokenizer": "tokenizer.json", "max_tokens": 8, "pooling": "mean"}},
    "backbone": {"file": "backbone.pt", "output": "pooled", "feature_size": 5},
    "heads": [{"name": "topic", "kind": "multiclass", "labels": ["animal", "vehicle"],
               "layers": [dense(folder, "topic", 0, 2, 5)]}],
    "unknown": {"method": "none"},
}
with open(os.path.join(folder, "bundle.json"), "w") as f:
    json.dump(manifest, f, indent=2)
