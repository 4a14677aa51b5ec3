"""Files on disk: a run directory written atomically (readers see the old run or the new,
never half), strict JSON, CSV, and weights as safetensors (loading executes no code).

Every read turns a missing or damaged file into one SeqcastError naming it.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from seqcast.errors import SeqcastError

MARKER = "config.json"  # every run directory has one; nothing else is ever replaced


def write_directory(target: Path, files: dict[str, bytes]) -> None:
    """Write `files` (names may hold one '/') into a fresh directory beside `target`, then
    swap it into place."""
    target = Path(target)
    if target.exists() and not (target / MARKER).is_file():
        raise SeqcastError(f"{target}: exists and is not a seqcast run; choose another name")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for name, data in files.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
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


def write_file(path: Path, data: bytes) -> None:
    """Write one file atomically: a reader (or a killed writer) sees the old file or the new."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        staging.write_bytes(data)
        staging.replace(path)
    finally:
        staging.unlink(missing_ok=True)


def plain(data: Any) -> Any:
    """`data` with NaN and infinities as None and NumPy scalars as Python ones: what strict
    JSON parsers (JavaScript, jq, Go) accept."""
    if isinstance(data, dict):
        return {str(k): plain(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [plain(v) for v in data]
    if isinstance(data, np.generic):
        data = data.item()
    if isinstance(data, float) and not math.isfinite(data):
        return None
    if isinstance(data, str | int | float | bool) or data is None:
        return data
    return str(data)  # dates, paths


def to_json(data: Any) -> bytes:
    return (json.dumps(plain(data), indent=2, allow_nan=False) + "\n").encode()


def to_csv(frame: pd.DataFrame, float_format: str = "%.17g", **kwargs: Any) -> bytes:
    """CSV with every float in full (what a reloaded run must reproduce to the bit)."""
    return frame.to_csv(float_format=float_format, **kwargs).encode()


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise SeqcastError(f"{path}: missing; is {path.parent} a seqcast run directory?") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SeqcastError(f"{path}: damaged ({exc}); rerun to write it again") from None


def read_csv(path: Path, **kwargs: Any) -> pd.DataFrame:
    """A CSV `to_csv` wrote; its floats read back to the bit (pandas' default parser may
    miss the last bit of a 17-digit number)."""
    try:
        return pd.read_csv(path, float_precision="round_trip", **kwargs)
    except FileNotFoundError:
        raise SeqcastError(f"{path}: missing; is {path.parent} a seqcast run directory?") from None
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SeqcastError(f"{path}: damaged ({reason}); rerun to write it again") from None


def to_safetensors(arrays: dict[str, np.ndarray]) -> bytes:
    from safetensors.numpy import save

    return save({k: np.ascontiguousarray(v) for k, v in arrays.items()})


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    from safetensors.numpy import load

    try:
        return load(path.read_bytes())
    except FileNotFoundError:
        raise SeqcastError(f"{path}: missing; rerun to write the weights again") from None
    except Exception as exc:  # safetensors raises its own error types for damaged headers
        raise SeqcastError(f"{path}: damaged weights ({_first_line(exc)})") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def read_toml(path: str | Path) -> dict[str, Any]:
    """Settings from a TOML file; keys are the CLI's option names with underscores."""
    import tomllib

    path = Path(path)
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise SeqcastError(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise SeqcastError(f"{path}: not valid TOML ({exc})") from None


def to_toml(settings: dict[str, Any], comment: str = "") -> bytes:
    """Flat settings as TOML (what `read_toml` reads back); unset (None) ones are left out."""
    lines = [f"# {line}" for line in comment.splitlines()]
    for key, value in settings.items():
        if value is not None:
            lines.append(f"{key} = {_toml_value(value)}")
    return ("\n".join(lines) + "\n").encode()


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value))  # a TOML basic string: JSON's escapes are TOML's
