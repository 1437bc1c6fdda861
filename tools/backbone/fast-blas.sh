#!/usr/bin/env bash
# Prints a folder to put first on LD_LIBRARY_PATH so that Debian's python3-torch uses OpenBLAS,
# or nothing when the system BLAS is already an optimised one.
#
#   dir=$(tools/backbone/fast-blas.sh) && [ -n "$dir" ] && export LD_LIBRARY_PATH=$dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
#
# Why: Debian's torch does its matrix products through libblas.so.3. When only libblas3 (the
# reference BLAS) provides it, MiniLM runs about 40x slower (one 32x16 batch: ~30 s instead of
# ~0.7 s on this project's 2-core machine). Installing libopenblas0-pthread as root fixes it for
# everyone; without root, this unpacks that package's .deb under build/openblas (apt-get
# download needs no root) and leaves the system untouched. Messages go to stderr.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
say() { echo "[fast-blas] $*" >&2; }

current=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
case "$current" in
  *openblas*|*blis*|*mkl*|*atlas*) exit 0 ;;   # already optimised
esac

local_dir=$ROOT/build/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread
if [ ! -e "$local_dir/libblas.so.3" ]; then
  say "system BLAS is the slow reference one (${current:-none}); unpacking libopenblas0-pthread under build/openblas"
  say "(or, as root: apt-get install -y libopenblas0-pthread)"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  if ! (cd "$tmp" && apt-get download -q libopenblas0-pthread >/dev/null 2>&1); then
    say "apt-get download libopenblas0-pthread failed: continuing with the slow BLAS"
    exit 0
  fi
  rm -rf "$ROOT/build/openblas"
  dpkg -x "$tmp"/libopenblas0-pthread_*.deb "$ROOT/build/openblas"
fi
echo "$local_dir"
