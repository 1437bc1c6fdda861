#!/usr/bin/env bash
# GPU check for a machine with an NVIDIA GPU (docs/gpu.md). Run from the repository root:
#
#   PYTORCH_LIBRARY_PATH=/path/to/libtorch/lib tools/gpu/gpu-check.sh [bundle] [batch sizes]
#
# 1. the driver sees a GPU (nvidia-smi);
# 2. libtorch loads with CUDA and computes on the GPU (bin/cerberus engine-check --device gpu);
# 3. the bundle's outputs on the GPU equal the CPU's within 1e-3 on every head and item, with no
#    decision flipped, and forward throughput CPU vs GPU by batch size
#    (bin/cerberus bench device-check; report in bench/results/device-check-gpu.md).
# Exit code: 0 all passed, else the failing step's code. Nothing is downloaded.
set -euo pipefail
cd "$(dirname "$0")/../.."
bundle="${1:-models/fashion/1}"
sizes="${2:-1,8,32,128,256}"

if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L; then
  echo "gpu-check: no NVIDIA GPU visible (nvidia-smi missing or found none)" >&2
  exit 3
fi
if [ -z "${PYTORCH_LIBRARY_PATH:-}" ]; then
  echo "gpu-check: set PYTORCH_LIBRARY_PATH to the lib folder of a CUDA build of libtorch" \
       "$(sed -n 's/.*<libtorch.version>\(.*\)<.*/\1/p' pom.xml | head -1) (docs/gpu.md)" >&2
  exit 3
fi
export PYTORCH_FLAVOR="${PYTORCH_FLAVOR:-cu128}"
echo "== engine-check on the GPU (libtorch from $PYTORCH_LIBRARY_PATH, flavor $PYTORCH_FLAVOR)"
bin/cerberus engine-check --device gpu
echo "== $bundle: GPU vs CPU outputs and throughput, batch sizes $sizes"
bin/cerberus bench device-check --device gpu --bundle "$bundle" --batch-sizes "$sizes" \
  --out bench/results/device-check-gpu.md
