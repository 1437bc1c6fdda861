"""A plain PyTorch BERT encoder shaped like all-MiniLM-L6-v2, written for TorchScript.

Parameter names follow Hugging Face (`embeddings.*`, `encoder.layer.<i>.*`) so that a state
dict read from the ONNX export loads strictly. Three scriptable wrappers share the pieces:
  Backbone: forward(input_ids, attention_mask, token_type_ids) -> last hidden state [B,T,H];
            embed(...) -> mean-pooled, L2-normalised sentence embedding [B,H]
  Trunk:    forward(input_ids, attention_mask, token_type_ids) -> hidden after the trunk's layers
  Top:      forward(hidden, attention_mask) -> hidden after the remaining layers
No dropout and no buffers: train() and eval() compute the same function, and every weight is a
registered Parameter (so DJL's trainParam=true can fine-tune a top).
"""
import math
from typing import Dict, List

import torch
from torch import nn

HIDDEN = 384
HEADS = 12
FFN = 1536
LAYERS = 6
VOCAB = 30522
POSITIONS = 512
TYPES = 2
LN_EPS = 1e-12


def extended_mask(attention_mask: torch.Tensor) -> torch.Tensor:
    """Hugging Face's additive mask: 0 where attended, float32 min where padded, shaped
    [B,1,1,T] to broadcast over heads and query positions. A large finite value (not -inf)
    keeps a fully padded row finite, exactly as the ONNX export does. The literal is
    torch.finfo(torch.float32).min, which TorchScript cannot evaluate; the model is float32."""
    m = attention_mask[:, None, None, :].to(torch.float32)
    return (1.0 - m) * -3.4028234663852886e38


class Embeddings(nn.Module):
    def __init__(self):
        super().__init__()
        self.word_embeddings = nn.Embedding(VOCAB, HIDDEN)
        self.position_embeddings = nn.Embedding(POSITIONS, HIDDEN)
        self.token_type_embeddings = nn.Embedding(TYPES, HIDDEN)
        self.LayerNorm = nn.LayerNorm(HIDDEN, eps=LN_EPS)

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor) -> torch.Tensor:
        # positions are computed, not stored: the export's position_ids buffer is just arange
        pos = torch.arange(input_ids.size(1), dtype=torch.long, device=input_ids.device)
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        x = x + self.position_embeddings(pos)[None, :, :]
        return self.LayerNorm(x)


class SelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.query = nn.Linear(HIDDEN, HIDDEN)
        self.key = nn.Linear(HIDDEN, HIDDEN)
        self.value = nn.Linear(HIDDEN, HIDDEN)
        # plain int/float attributes: TorchScript cannot read module-level globals
        self.heads = HEADS
        self.head_size = HIDDEN // HEADS
        self.hidden = HIDDEN
        self.scale = math.sqrt(HIDDEN // HEADS)

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        return x.view(x.size(0), x.size(1), self.heads, self.head_size).permute(0, 2, 1, 3)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        q, k, v = self._heads(self.query(x)), self._heads(self.key(x)), self._heads(self.value(x))
        # same order of operations as the export: scale after q.k, then add the mask
        scores = torch.matmul(q, k.transpose(-1, -2)) / self.scale + mask
        ctx = torch.matmul(torch.softmax(scores, dim=-1), v)
        return ctx.permute(0, 2, 1, 3).reshape(x.size(0), x.size(1), self.hidden)


class DenseNorm(nn.Module):
    """dense -> residual add -> LayerNorm (BERT's attention.output and output blocks)."""

    def __init__(self, n_in: int):
        super().__init__()
        self.dense = nn.Linear(n_in, HIDDEN)
        self.LayerNorm = nn.LayerNorm(HIDDEN, eps=LN_EPS)

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(x) + residual)


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.self = SelfAttention()
        self.output = DenseNorm(HIDDEN)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.output(self.self(x, mask), x)


class Intermediate(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(HIDDEN, FFN)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # exact erf GELU, as the export's Erf nodes compute (not the tanh approximation)
        return nn.functional.gelu(self.dense(x))


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention = Attention()
        self.intermediate = Intermediate()
        self.output = DenseNorm(FFN)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        a = self.attention(x, mask)
        return self.output(self.intermediate(a), a)


class Encoder(nn.Module):
    """Holds a contiguous range of layers under their original indices, so a top's parameters
    are still called `encoder.layer.4.*` and load from the full state dict unchanged."""

    def __init__(self, indices: List[int]):
        super().__init__()
        self.layer = nn.ModuleDict({str(i): Layer() for i in indices})

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        for layer in self.layer.values():
            x = layer(x, mask)
        return x


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.embeddings = Embeddings()
        self.encoder = Encoder(list(range(LAYERS)))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor) -> torch.Tensor:
        x = self.embeddings(input_ids, token_type_ids)
        return self.encoder(x, extended_mask(attention_mask))

    @torch.jit.export
    def embed(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
              token_type_ids: torch.Tensor) -> torch.Tensor:
        """sentence-transformers pooling: mean over attended tokens, then L2 normalisation."""
        h = self.forward(input_ids, attention_mask, token_type_ids)
        m = attention_mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * m).sum(1) / torch.clamp(m.sum(1), min=1e-9)
        return nn.functional.normalize(pooled, p=2.0, dim=1)


class Trunk(nn.Module):
    def __init__(self, split: int):
        super().__init__()
        self.embeddings = Embeddings()
        self.encoder = Encoder(list(range(split)))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor) -> torch.Tensor:
        x = self.embeddings(input_ids, token_type_ids)
        return self.encoder(x, extended_mask(attention_mask))


class Top(nn.Module):
    def __init__(self, split: int):
        super().__init__()
        self.encoder = Encoder(list(range(split, LAYERS)))

    def forward(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        if self.training:
            # a DJL predictor's output is an inference tensor, which autograd refuses to save
            # for backward; a copy made here is an ordinary tensor, so trunk output can be fed
            # straight into a training step
            hidden = hidden.clone()
        return self.encoder(hidden, extended_mask(attention_mask))


def load_strict(module: nn.Module, weights: Dict[str, torch.Tensor]) -> nn.Module:
    """Loads the entries of `weights` that `module` declares; every declared one must exist."""
    mine = module.state_dict().keys()
    missing = [k for k in mine if k not in weights]
    if missing:
        raise KeyError(f"missing weights: {missing[:3]}")
    module.load_state_dict({k: weights[k] for k in mine}, strict=True)
    return module.eval()
