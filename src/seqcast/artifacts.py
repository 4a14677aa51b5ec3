"""A run directory on disk, written atomically: readers see the old run or the new, never half."""

from __future__ import annotations

import json
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import safetensors.torch

from seqcast.errors import SeqcastError
from seqcast.neural import NeuralForecaster

MARKER = "config.json"  # every run directory has one; nothing else is ever replaced


def write_directory(target: Path, files: dict[str, bytes]) -> None:
    """Write `files` into a fresh directory beside `target`, then swap it into place."""
    target = Path(target)
    if target.exists() and not (target / MARKER).is_file():
        raise SeqcastError(f"{target}: exists and is not a seqcast run; choose another --name")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        if target.exists():
            retired = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
            target.rename(retired)
            staging.rename(target)
            shutil.rmtree(retired)
        else:
            staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def to_json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, default=str) + "\n").encode()


def to_csv(frame: pd.DataFrame, float_format: str = "%.6f", **kwargs: Any) -> bytes:
    return frame.to_csv(float_format=float_format, **kwargs).encode()


def checkpoint_files(forecaster: NeuralForecaster) -> dict[str, bytes]:
    """Weights as safetensors (loading executes no code) and the settings to rebuild the model."""
    weights, meta = forecaster.checkpoint()
    return {"model.safetensors": safetensors.torch.save(weights), "model.json": to_json(meta)}


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise SeqcastError(f"{path}: missing; is {path.parent} a seqcast run directory?") from None
    except json.JSONDecodeError as exc:
        raise SeqcastError(f"{path}: damaged ({exc}); rerun 'seqcast run'") from None


def load_checkpoint(directory: Path) -> NeuralForecaster:
    meta = read_json(directory / "model.json")
    weights_path = directory / "model.safetensors"
    if not weights_path.is_file():
        raise SeqcastError(f"{weights_path}: missing; rerun 'seqcast run'")
    weights = safetensors.torch.load(weights_path.read_bytes())
    return NeuralForecaster.from_checkpoint(weights, meta)
