#!/usr/bin/python3
"""Split the demo MobileNetV2 TorchScript backbone into a frozen trunk and a trainable top.

    trunk.pt: x [B,3,H,W] -> stem + blocks expanded_conv..block_<last> -> feature map [B,C,h,w]
    top.pt:   feature map  -> the remaining inverted-residual blocks + the 1x1 head conv + mean
              over space -> pooled [B,1280]
so that top(trunk(x)) == backbone(x) (checked here on random inputs, max abs difference printed).
The bundle format reads the pair as backbone.split (docs/bundle.md); the trainer fine-tunes
top.pt (backbone.fine_tune in trainer/README.md) and writes the fine-tuned copy into the bundle.
Batch-norm is already folded into the convolutions of this backbone, so the top has no
running statistics: training it changes only convolution weights and biases.

Usage: /usr/bin/python3 tools/backbone/split_mobilenet.py BACKBONE.pt OUT_DIR [--top-from 14]
Deterministic: same backbone + arguments = same outputs (the files embed no timestamps).
"""
import argparse, os, sys
from typing import List
import torch


class Trunk(torch.nn.Module):
    def __init__(self, stem, blocks: List[torch.nn.Module]):
        super().__init__()
        self.stem = stem
        self.blocks = torch.nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.contiguous(memory_format=torch.channels_last)
        return self.blocks(self.stem(x)).contiguous()


class Top(torch.nn.Module):
    def __init__(self, blocks: List[torch.nn.Module], head):
        super().__init__()
        self.blocks = torch.nn.Sequential(*blocks)
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.mean(self.head(self.blocks(x)), [2, 3]).contiguous()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("backbone")
    p.add_argument("out")
    p.add_argument("--top-from", type=int, default=14,
                   help="index of the first inverted-residual block in the top (default 14 = "
                        "block_14..block_16 + head conv; at 96 px the trunk outputs 160x3x3)")
    a = p.parse_args()
    m = torch.jit.load(a.backbone, map_location="cpu").eval()
    blocks = [b for _, b in m.blocks.named_children()]
    if not 1 <= a.top_from < len(blocks):
        sys.exit(f"--top-from must be in 1..{len(blocks) - 1}")
    trunk = torch.jit.script(Trunk(m.stem, blocks[:a.top_from])).eval()
    top = torch.jit.script(Top(blocks[a.top_from:], m.head)).eval()
    torch.manual_seed(0)
    x = torch.rand(4, 3, 96, 96)
    with torch.no_grad():
        diff = (top(trunk(x)) - m(x)).abs().max().item()
        shape = tuple(trunk(x).shape[1:])
    if diff > 1e-4:
        sys.exit(f"split does not reproduce the backbone: max abs difference {diff}")
    os.makedirs(a.out, exist_ok=True)
    trunk.save(os.path.join(a.out, "trunk.pt"))
    top.save(os.path.join(a.out, "top.pt"))
    print(f"trunk.pt -> {shape} at 96 px, top.pt -> 1280; max abs difference {diff:.2e}")


if __name__ == "__main__":
    main()
