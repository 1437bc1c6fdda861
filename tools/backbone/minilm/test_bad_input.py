#!/usr/bin/python3
"""Bad input to the MiniLM converter: one-line errors that name the file and what was expected,
exit code 2, and no output or temporary folder left behind. Small synthetic ONNX files only
(no download): /usr/bin/python3 -m unittest discover -s tools/backbone/minilm -p 'test_*.py'
"""
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import onnx_weights  # noqa: E402

CONVERT = os.path.join(HERE, "convert.py")


def _onnx(path, initializers, nodes=()):
    """Writes an ONNX model holding `initializers` ({name: array}) and `nodes`."""
    inits = [numpy_helper.from_array(np.asarray(v), name=k) for k, v in initializers.items()]
    graph = helper.make_graph(list(nodes), "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])], inits)
    onnx.save(helper.make_model(graph), path)
    return path


class ReadTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def assertRejected(self, path, *fragments):
        with self.assertRaises(onnx_weights.NotTheModel) as e:
            onnx_weights.read(path)
        msg = str(e.exception)
        self.assertNotIn("\n", msg)
        for f in (path, "6 layers, hidden 384") + fragments:
            self.assertIn(f, msg)

    def test_garbage_is_not_an_onnx_model(self):
        with open(self.path("x.onnx"), "wb") as f:
            f.write(b"\x00\x01 definitely not protobuf " * 50)
        self.assertRejected(self.path("x.onnx"), "not an ONNX model")

    def test_missing_file(self):
        self.assertRejected(self.path("absent.onnx"), "no such file")

    def test_wider_bert_names_the_shape(self):
        p = _onnx(self.path("wide.onnx"), {"embeddings.word_embeddings.weight": np.zeros((30522, 768), np.float32)})
        self.assertRejected(p, "embeddings.word_embeddings.weight has shape [30522, 768], not [30522, 384]")

    def test_seventh_layer_is_unexpected(self):
        p = _onnx(self.path("deep.onnx"), {"encoder.layer.6.output.dense.bias": np.zeros(384, np.float32)})
        self.assertRejected(p, "unexpected weight encoder.layer.6.output.dense.bias")

    def test_incomplete_model_names_a_missing_weight(self):
        p = _onnx(self.path("part.onnx"), {"embeddings.LayerNorm.bias": np.zeros(384, np.float32)})
        self.assertRejected(p, "missing weight embeddings.word_embeddings.weight")

    def test_matmul_weight_without_bias(self):
        w = {"onnx::MatMul_1": np.zeros((384, 384), np.float32)}
        p = _onnx(self.path("nobias.onnx"), w, [helper.make_node("MatMul", ["x", "onnx::MatMul_1"], ["y"])])
        self.assertRejected(p, "MatMul weight onnx::MatMul_1 is not followed by exactly one bias Add")


class ConvertCliTest(unittest.TestCase):
    def test_bad_onnx_is_one_line_exit_2_and_writes_nothing(self):
        with tempfile.TemporaryDirectory() as tmp:
            bad = os.path.join(tmp, "model.onnx")
            with open(bad, "w") as f:
                f.write("not a model")
            tok = os.path.join(tmp, "tokenizer.json")
            special = {"[PAD]": 0, "[UNK]": 100, "[CLS]": 101, "[SEP]": 102}
            vocab = {f"t{i}": i for i in range(30522) if i not in special.values()}
            vocab.update(special)
            with open(tok, "w") as f:
                f.write('{"model": {"type": "WordPiece", "vocab": %s}}' % str(vocab).replace("'", '"'))
            out = os.path.join(tmp, "out")
            r = subprocess.run([sys.executable, CONVERT, "--onnx", bad, "--tokenizer", tok, "--out", out],
                               capture_output=True, text=True, timeout=300)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertEqual(r.stderr.count("\n"), 1, r.stderr)
            self.assertIn(f"error: {bad}: not an ONNX model", r.stderr)
            self.assertNotIn("Traceback", r.stderr)
            self.assertEqual(sorted(os.listdir(tmp)), ["model.onnx", "tokenizer.json"])

    def test_wrong_tokenizer_is_one_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            tok = os.path.join(tmp, "tokenizer.json")
            with open(tok, "w") as f:
                f.write('{"model": {"type": "BPE", "vocab": {"a": 0}}}')
            r = subprocess.run([sys.executable, CONVERT, "--onnx", tok, "--tokenizer", tok, "--out", os.path.join(tmp, "o")],
                               capture_output=True, text=True, timeout=300)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertEqual(r.stderr.strip(), f"error: {tok}: BPE with 1 tokens; expected the BERT uncased "
                             "WordPiece tokenizer.json of all-MiniLM-L6-v2 (30522 tokens)")


if __name__ == "__main__":
    unittest.main()
