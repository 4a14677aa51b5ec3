"""Files on disk: a run directory written atomically (readers see the old run or the new,
never half), strict JSON, CSV, and weights as safetensors (loading executes no code).

Every read turns a missing or damaged file into one SeqcastError naming it.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from seqcast.errors import SeqcastError

MARKER = "config.json"  # every run directory has one; nothing else is ever replaced
# Beside a run while it is written: .<run>.<pid>-<hex>.new (staged) and .old (retired);
# seqcast 0.2.0 retired to .<run>.old-<hex>.
LEFTOVER = re.compile(
    r"\.(?P<name>.+)\.(?:(?P<pid>\d+)-[0-9a-f]{8}\.(?P<kind>new|old)|old-[0-9a-f]{8})"
)


def write_directory(target: Path, files: dict[str, bytes]) -> None:
    """Write `files` (names may hold one '/') into a fresh directory beside `target`, then
    swap it into place. What an earlier write killed in the middle left in the folder is
    cleared first (`_clear_leftovers`)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _clear_leftovers(target.parent)
    if target.exists() and not (target / MARKER).is_file():
        raise SeqcastError(f"{target}: exists and is not a seqcast run; choose another name")
    staging, retired = _beside(target, "new"), _beside(target, "old")
    try:
        staging.mkdir()  # as any new directory: the umask's permissions (mkdtemp's are 0700)
        for name, data in files.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_bytes(data)
        if target.exists():
            target.rename(retired)
        staging.rename(target)
        shutil.rmtree(retired, ignore_errors=True)
    except BaseException:
        if retired.exists() and not target.exists():
            retired.rename(target)
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _beside(target: Path, kind: str) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.{kind}")


def _clear_leftovers(folder: Path) -> None:
    """What a write killed (SIGKILL, power loss) left in `folder`: a staged copy is removed;
    a retired copy is removed, or put back if the kill came before the new copy took its
    place. A live writer's copies (its process still runs) are left alone."""
    for path in folder.iterdir():
        found = LEFTOVER.fullmatch(path.name)
        if not found or not path.is_dir() or _alive(found["pid"]):
            continue
        run, staged = folder / found["name"], found["kind"] == "new"
        if not staged and not (path / MARKER).is_file():
            continue  # named like a retired run, but not one: not ours to touch
        if staged or run.exists():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.rename(run)


def _alive(pid: str | None) -> bool:
    if pid is None:  # seqcast 0.2.0's names: no process to ask
        return False
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, OverflowError):  # ended, or never a process id
        return False
    except PermissionError:  # another user's process
        return True
    return True


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


def check_writable(directory: Path) -> None:
    """Refuse, before any training, an output place that cannot be written (read-only, full,
    or a file in the way), creating nothing: a probe file in the nearest existing folder."""
    existing = directory.absolute()
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise SeqcastError(f"{existing}: a file is in the way of the run directory {directory}")
    try:
        with tempfile.NamedTemporaryFile(dir=existing, prefix=".seqcast-probe-"):
            pass
    except OSError as exc:
        raise SeqcastError(
            f"{existing}: cannot write the run there ({exc.strerror or exc}); choose another place"
        ) from None
