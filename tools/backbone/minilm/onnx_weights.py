"""Reads the weights of the all-MiniLM-L6-v2 ONNX export into a Hugging Face-named state dict,
strictly: every expected tensor present with its exact shape and float32, nothing unexpected.

The export names biases and LayerNorm/embedding tensors after the PyTorch parameters, but the
Linear weights were folded into anonymous `onnx::MatMul_<n>` initializers ([in, out] layout).
Each such MatMul is followed by an Add of a named bias (`...query.bias`), which tells whose
weight it is; the weight is transposed to nn.Linear's [out, in] layout.
"""
import os
import warnings
from typing import Dict

import numpy as np
import torch

import bert

EXPECTED = (f"all-MiniLM-L6-v2 (BERT: {bert.LAYERS} layers, hidden {bert.HIDDEN}, FFN {bert.FFN}, "
            f"vocab {bert.VOCAB}, {bert.POSITIONS} positions, float32)")


class NotTheModel(Exception):
    """The input file is not the expected model; the message is one line for the user."""


def expected_shapes() -> Dict[str, tuple]:
    return {k: tuple(v.shape) for k, v in bert.Backbone().state_dict().items()}


def _fail(path: str, what: str):
    raise NotTheModel(f"{path}: {what}; expected {EXPECTED}")


def _load_graph(path: str):
    import onnx  # imported here so that the no-torch status checks never need it
    if not os.path.isfile(path):
        raise NotTheModel(f"{path}: no such file; expected the ONNX file of {EXPECTED}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # protobuf warns on some garbage before failing
            return onnx.load(path, load_external_data=False).graph
    except Exception as e:  # protobuf raises several types on garbage input
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise NotTheModel(f"{path}: not an ONNX model ({first[:120]}); expected {EXPECTED}") from None


def _linear_weights(path: str, graph, arrays: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """Maps each anonymous MatMul weight to `<linear>.weight` through the bias Add after it."""
    consumers = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    out = {}
    for node in graph.node:
        if node.op_type != "MatMul":
            continue
        weights = [i for i in node.input if i in arrays]
        if not weights:
            continue  # activation x activation (attention scores, context)
        adds = [c for c in consumers.get(node.output[0], []) if c.op_type == "Add"]
        biases = [i for a in adds for i in a.input if i in arrays and i.endswith(".bias")]
        if len(weights) != 1 or len(biases) != 1:
            _fail(path, f"MatMul weight {weights[0]} is not followed by exactly one bias Add")
        key = biases[0][:-len(".bias")] + ".weight"
        if key in out:
            _fail(path, f"two MatMul weights share the bias {biases[0]}")
        out[key] = arrays[weights[0]].T
    return out


def read(path: str) -> Dict[str, torch.Tensor]:
    """The checked state dict of `path`, or NotTheModel with a one-line reason."""
    from onnx import numpy_helper
    graph = _load_graph(path)
    arrays = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    if not arrays:
        _fail(path, "the ONNX graph has no weights")
    named = {k: v for k, v in arrays.items() if not k.startswith("onnx::")}
    pos = named.pop("embeddings.position_ids", None)
    if pos is not None and not np.array_equal(pos.reshape(-1), np.arange(pos.size)):
        _fail(path, "embeddings.position_ids is not 0..n-1 (the model computes positions itself)")
    named.update(_linear_weights(path, graph, arrays))
    want = expected_shapes()
    unexpected = sorted(set(named) - set(want))
    if unexpected:
        _fail(path, f"unexpected weight {unexpected[0]}" + (f" (+{len(unexpected) - 1} more)" if len(unexpected) > 1 else ""))
    # shapes before completeness: a wider BERT with the same names says "hidden 768" at once
    for k, shape in want.items():
        if k in named and tuple(named[k].shape) != shape:
            _fail(path, f"{k} has shape {list(named[k].shape)}, not {list(shape)}")
        if k in named and named[k].dtype != np.float32:
            _fail(path, f"{k} is {named[k].dtype}, not float32")
    missing = [k for k in want if k not in named]
    if missing:
        _fail(path, f"missing weight {missing[0]}" + (f" (+{len(missing) - 1} more)" if len(missing) > 1 else ""))
    erf = sum(1 for n in graph.node if n.op_type == "Erf")
    if erf != bert.LAYERS:
        _fail(path, f"{erf} Erf nodes, not one exact GELU per layer")
    return {k: torch.from_numpy(np.array(v, order="C", copy=True)) for k, v in named.items()}
