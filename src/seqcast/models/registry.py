"""Model names to forecasters, and saved forecasters back to live ones.

Names: the baselines `naive`, `drift`, `ma[:K]`, `snaive[:K]`; a preset (`tutorial`, `mlp`,
`rnn`, `lstm`, `gru`) or a TOML file of neural settings, either as a seed ensemble with
`*K` (`gru*5`). The neural code (and with it
PyTorch) is imported only when a neural model is named or loaded.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from seqcast.errors import SeqcastError
from seqcast.models.base import Forecaster
from seqcast.models.baselines import (
    DriftForecaster,
    MovingAverageForecaster,
    NaiveForecaster,
    SeasonalNaiveForecaster,
)
from seqcast.models.spec import PRESETS
from seqcast.settings import NeuralSettings, keys, pick

BASELINES: dict[str, Callable[..., Forecaster]] = {
    "naive": NaiveForecaster,
    "drift": DriftForecaster,
    "ma": MovingAverageForecaster,
    "snaive": SeasonalNaiveForecaster,
}


def label(name: str) -> str:
    """How a model is called in tables: its name, or a TOML file's stem (`mine*3` for
    `mine.toml*3`)."""
    base, star, count = name.partition("*")
    return (Path(base).stem if base.endswith(".toml") else base) + star + count


def make(name: str, settings: dict[str, Any] | None = None) -> Forecaster:
    """The forecaster a model name stands for; `settings` (neural settings, e.g. from the
    command line) apply to neural models, over the preset's or the file's own. `gru*5` is
    the seed ensemble of five `gru` networks."""
    base, star, count = name.partition("*")
    if star:
        if not count.isdigit() or int(count) < 2:
            raise SeqcastError(f"model '{name}': an ensemble needs a count of 2 or more (gru*5)")
        return make(base, {**(settings or {}), "ensemble": int(count)})
    kind, _, arg = name.partition(":")
    if kind in BASELINES:
        return _baseline(name, kind, arg)
    if name in PRESETS:
        return neural({**(settings or {}), "model": name})
    if name.endswith(".toml"):
        return neural({**pick(NeuralSettings, read_toml(name)), **(settings or {})})
    raise SeqcastError(
        f"unknown model '{name}'; use {', '.join(BASELINES)}, a preset"
        f" ({', '.join(PRESETS)}) or a .toml file"
    )


def _baseline(name: str, kind: str, arg: str) -> Forecaster:
    if arg and kind in ("naive", "drift"):
        raise SeqcastError(f"model '{name}': {kind} takes no parameter")
    if not arg:
        return BASELINES[kind]()
    if not arg.isdigit() or int(arg) < 1:
        raise SeqcastError(f"model '{name}': the window must be a positive whole number")
    return BASELINES[kind](int(arg))


def neural(settings: dict[str, Any]) -> Forecaster:
    from seqcast.models.neural import NeuralForecaster

    unknown = set(settings) - set(keys(NeuralSettings))
    if unknown:
        raise SeqcastError(f"unknown model setting(s): {', '.join(sorted(unknown))}")
    return NeuralForecaster(**settings)


def restore(meta: dict[str, Any], arrays: dict[str, Any]) -> Forecaster:
    """A fitted forecaster from what its `state()` returned."""
    name = meta.get("class", "NeuralForecaster")  # seqcast 0.1.0 saved neural models only
    classes = {cls.__name__: cls for cls in BASELINES.values() if isinstance(cls, type)}
    if name in classes:
        forecaster: Forecaster = classes[name](**meta["params"])
    elif name == "NeuralForecaster":
        params = {k: v for k, v in meta["params"].items() if k != "verbose"}  # gone in 0.2
        forecaster = neural(params)
    else:
        raise SeqcastError(f"unknown forecaster class '{name}'")
    forecaster.restore(meta, arrays)
    return forecaster


def read_toml(path: str | Path) -> dict[str, Any]:
    """Settings from a TOML file; keys are the CLI's option names with underscores."""
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
