#!/usr/bin/python3
"""The naive peer: a Python gRPC server of the same cerberus.v1 API, written the way a team
typically writes one: grpc.server with a ThreadPoolExecutor, each request handled on its own,
one forward per item (no batching across requests), TorchScript backbone + numpy-loaded heads.

It serves every bundle under --models (bundle format v1, image bundles only): one loaded
backbone per bundle, so 16 single-head bundles are 16 backbone copies (the naive deployment).
Fair settings: torch.inference_mode, and the TorchScript profiling executor off (it made this
network ~3x slower in torch 1.13, tools/demo/make_demo_bundle.py), torch threads = cores.

  /usr/bin/python3 bench/peer/peer_server.py --models DIR --port 0 --stubs bench/target/peer-stubs
Prints "peer listening on 127.0.0.1:PORT" when ready. Binds 127.0.0.1 only.
"""
import argparse
import io
import json
import os
import sys
from concurrent import futures

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image


class Bundle:
    def __init__(self, folder):
        with open(os.path.join(folder, "bundle.json")) as f:
            self.m = json.load(f)
        if self.m["input"]["kind"] != "image":
            raise SystemExit(f"{folder}: the peer serves image bundles only")
        self.name = self.m["name"]
        self.version = self.m["version"]
        img = self.m["input"]["image"]
        self.size = (img["height"], img["width"])
        self.scale = float(img.get("scale", 255.0))
        self.mean = torch.tensor(img.get("mean", [0.0, 0.0, 0.0])).view(3, 1, 1)
        self.std = torch.tensor(img.get("std", [1.0, 1.0, 1.0])).view(3, 1, 1)
        self.backbone = torch.jit.load(os.path.join(folder, self.m["backbone"]["file"]), map_location="cpu").eval()
        self.heads = []
        for h in self.m["heads"]:
            layers = []
            for l in h["layers"]:
                w = torch.from_numpy(np.load(os.path.join(folder, l["weight"])))
                b = torch.from_numpy(np.load(os.path.join(folder, l["bias"])))
                layers.append((w, b, l.get("activation", "none")))
            self.heads.append((h["name"], h["kind"], h["labels"], layers))
        u = self.m.get("unknown", {"method": "none"})
        self.method = u.get("method", "none")
        self.threshold = float(u.get("threshold", 0.0) or 0.0)
        names = [h[0] for h in self.heads]
        self.decision = names.index(u["head"]) if u.get("head") in names else 0
        with torch.inference_mode():  # warm up
            self.predict(torch.zeros(3, *self.size))

    def preprocess(self, data):
        im = Image.open(io.BytesIO(data)).convert("RGB")
        x = torch.from_numpy(np.asarray(im, dtype=np.float32).copy()).permute(2, 0, 1).unsqueeze(0)
        x = F.interpolate(x, size=self.size, mode="bilinear", align_corners=False)[0]
        return (x / self.scale - self.mean) / self.std

    def predict(self, x):
        feats = self.backbone(x.unsqueeze(0))[0]
        out = []
        for name, kind, labels, layers in self.heads:
            z = feats
            for w, b, act in layers:
                z = z @ w.T + b
                if act == "relu":
                    z = torch.relu(z)
                elif act == "tanh":
                    z = torch.tanh(z)
                elif act == "gelu":
                    z = F.gelu(z)
            if kind == "binary":
                p1 = torch.sigmoid(z)[0].item()
                probs = [1.0 - p1, p1]
            else:
                probs = torch.softmax(z, 0).tolist()
            out.append((name, labels, probs))
        return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--stubs", required=True)
    ap.add_argument("--workers", type=int, default=10, help="grpc thread pool (the usual example value)")
    a = ap.parse_args()
    sys.path.insert(0, a.stubs)
    import grpc
    from cerberus.v1 import classifier_pb2 as pb
    from cerberus.v1 import classifier_pb2_grpc as rpc

    torch.set_grad_enabled(False)
    torch._C._jit_set_profiling_executor(False)
    bundles = {}
    for name in sorted(os.listdir(a.models)):
        d = os.path.join(a.models, name)
        versions = sorted(os.listdir(d)) if os.path.isdir(d) else []
        if versions:
            b = Bundle(os.path.join(d, versions[-1]))
            bundles[b.name] = b

    class Service(rpc.ClassifierServicer):
        def _classify(self, b, items, first_index):
            results = []
            for i, item in enumerate(items):
                try:
                    with torch.inference_mode():
                        heads = b.predict(b.preprocess(item.image))
                except Exception as e:  # one bad item never fails the others
                    results.append(pb.ItemResult(id=item.id, index=first_index + i,
                                                 error=pb.ItemError(code=pb.INVALID_ARGUMENT, message=str(e))))
                    continue
                hp = [pb.HeadPrediction(head=n, label=labels[int(np.argmax(p))],
                                        probabilities=[pb.LabelProbability(label=l, probability=q) for l, q in zip(labels, p)])
                      for n, labels, p in heads]
                dp = heads[b.decision][2]
                score = 1.0 - max(dp) if b.method == "max_softmax" else 0.0
                unknown = score > b.threshold
                results.append(pb.ItemResult(id=item.id, index=first_index + i, prediction=pb.Prediction(
                    decision="unknown" if unknown else hp[b.decision].label, unknown=unknown,
                    ood_score=score, ood_method=b.method, threshold=b.threshold, heads=hp)))
            return results

        def Classify(self, request, context):
            b = bundles.get(request.model)
            if b is None:
                context.abort(grpc.StatusCode.NOT_FOUND, f"model {request.model} not found")
            return pb.ClassifyResponse(model=b.name, version=b.version, results=self._classify(b, request.items, 0))

        def ClassifyStream(self, request_iterator, context):
            b = None
            n = 0
            for req in request_iterator:
                if req.model:
                    b = bundles.get(req.model)
                    if b is None:
                        context.abort(grpc.StatusCode.NOT_FOUND, f"model {req.model} not found")
                yield pb.ClassifyStreamResponse(model=b.name, version=b.version, results=self._classify(b, req.items, n))
                n += len(req.items)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=a.workers),
                         options=[("grpc.max_receive_message_length", 64 << 20)])
    rpc.add_ClassifierServicer_to_server(Service(), server)
    port = server.add_insecure_port(f"127.0.0.1:{a.port}")
    server.start()
    print(f"peer listening on 127.0.0.1:{port} with models: {', '.join(bundles)}", flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
