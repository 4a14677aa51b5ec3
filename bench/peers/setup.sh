#!/usr/bin/env bash
# Builds the venv for bench/peers_*.py: NeuralForecast and Darts beside seqcast, torch pinned.
# The peers are benchmark-only; they never become seqcast dependencies.
#   bash bench/peers/setup.sh [VENV]   (default .venv-peers in the repository)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="${1:-$repo/.venv-peers}"
constraints="$here/constraints.txt"

python3 -m venv "$venv"
py="$venv/bin/python"
# torch first, exact pin: this machine holds the CPU wheel (see the Makefile).
"$py" -m pip install --quiet torch==2.13.0
"$py" -m pip install --quiet -c "$constraints" neuralforecast darts
"$py" -m pip install --quiet -c "$constraints" -e "$repo"

# The pin must have held: same torch, and no CUDA wheels pulled in by a peer.
"$py" - <<'PY'
import importlib.metadata as md
import torch
assert torch.__version__.startswith("2.13.0"), torch.__version__
cuda = sorted(d.metadata["Name"] for d in md.distributions() if d.metadata["Name"].lower().startswith("nvidia"))
assert not cuda, f"CUDA wheels installed: {cuda}"
print("torch", torch.__version__, "| neuralforecast", md.version("neuralforecast"), "| darts", md.version("darts"))
PY
