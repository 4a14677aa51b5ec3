"""Search spaces: which neural settings a tuning study tries, and over what values.

A space maps a setting to a range (`{low, high, log}`), a list of choices, or one fixed
value. Every preset has a default space; a TOML file replaces any of its entries:

    [units]              # width of the preset's layers
    low = 16
    high = 128
    log = true
    [learning_rate]
    low = 1e-4
    high = 1e-2
    log = true
    optimizer = ["adam", "rmsprop"]
    window = 30          # fixed
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from seqcast.errors import SeqcastError
from seqcast.io import read_toml
from seqcast.models import registry
from seqcast.models.spec import PRESETS
from seqcast.options import Dimension
from seqcast.settings import LOSSES, OPTIMIZERS, TRANSFORMS

# what each key may take: a value type, and the choices of a categorical one
KEYS: dict[str, tuple[type, tuple[Any, ...] | None]] = {
    "units": (int, None),
    "dropout": (float, None),
    "window": (int, None),
    "learning_rate": (float, None),
    "optimizer": (str, OPTIMIZERS),
    "batch_size": (int, None),
    "epochs": (int, None),
    "patience": (int, None),
    "val_days": (int, None),
    "transform": (str, TRANSFORMS),
    "loss": (str, LOSSES),
    "shrink": (bool, (True, False)),
}


def default_space(model: str) -> dict[str, Dimension]:
    """What a preset's study tries unless a space file says otherwise."""
    space = {
        "units": Dimension("units", 16, 128, log=True),
        "dropout": Dimension("dropout", 0.0, 0.5),
        "window": Dimension("window", 20, 120),
        "learning_rate": Dimension("learning_rate", 1e-4, 1e-2, log=True),
        "optimizer": Dimension("optimizer", choices=("adam", "rmsprop")),
        "batch_size": Dimension("batch_size", choices=(32, 64, 128)),
        "epochs": Dimension("epochs", 10, 50),
        "patience": Dimension("patience", 2, 8),
        "loss": Dimension("loss", choices=("mae", "huber", "mse")),
        "shrink": Dimension("shrink", choices=(True, False)),
    }
    if model == "tutorial":
        space["transform"] = Dimension("transform", choices=("price", "log_return"))
        space["val_days"] = Dimension("val_days", choices=(180,))  # early stopping needs one
    return space


def read_space(path: str | Path, model: str) -> dict[str, Dimension]:
    """The preset's default space with the file's entries in place of its own."""
    space = registry.space(model)
    kinds = {**{d.name: (_kind(d), d.choices) for d in space.values()}, **KEYS}
    if model not in PRESETS:  # another family: its own space names what it tunes
        kinds = {d.name: (_kind(d), None) for d in space.values()}
    for key, value in read_toml(path).items():
        space[key] = parse_dimension(str(path), key, value, kinds)
    return space


def _kind(d: Dimension) -> type:
    """A dimension's value type: KEYS' for the neural settings, else what its range holds."""
    if d.name in KEYS:
        return KEYS[d.name][0]
    if d.choices is not None:
        return type(d.choices[0])
    return int if isinstance(d.low, int) and isinstance(d.high, int) else float


def parse_dimension(
    source: str, key: str, value: Any, kinds: dict[str, tuple[type, Any]] | None = None
) -> Dimension:
    kinds = KEYS if kinds is None else kinds
    if key not in kinds:
        raise SeqcastError(f"{source}: unknown search setting '{key}'; known: {', '.join(kinds)}")
    kind, allowed = kinds[key]
    if isinstance(value, dict):
        if allowed is not None:
            raise SeqcastError(
                f"{source}: '{key}' takes a value or a list of them ({_form(allowed)}), not a range"
            )
        if set(value) - {"low", "high", "log"} or not {"low", "high"} <= set(value):
            raise SeqcastError(
                f"{source}: '{key}': a range has low, high and optionally log, not {value}"
            )
        low, high = value["low"], value["high"]
        if not (_of_kind(low, float) and _of_kind(high, float)):
            raise SeqcastError(f"{source}: '{key}': low and high must be numbers")
        if low > high:
            raise SeqcastError(f"{source}: '{key}': low ({low}) is above high ({high})")
        if value.get("log") and low <= 0:
            raise SeqcastError(f"{source}: '{key}': a log range needs low above 0")
        return Dimension(key, kind(low), kind(high), bool(value.get("log", False)))
    choices = tuple(value) if isinstance(value, list) else (value,)
    if not choices:
        raise SeqcastError(f"{source}: '{key}': an empty list of choices")
    for choice in choices:
        if not _of_kind(choice, kind) or (allowed is not None and choice not in allowed):
            raise SeqcastError(f"{source}: '{key}': {choice!r} is not {_form(allowed, kind)}")
    return Dimension(key, choices=choices)


def _of_kind(value: Any, kind: type) -> bool:
    """TOML's value fits the setting's type: an int is a float too, a bool is no number."""
    if isinstance(value, bool):
        return kind is bool
    if kind is float:
        return isinstance(value, int | float)
    return isinstance(value, kind)


def _form(allowed: tuple[Any, ...] | None, kind: type | None = None) -> str:
    if allowed is not None:
        return "one of " + ", ".join(map(str, allowed))
    return f"a {getattr(kind, '__name__', 'number')} or a {{low, high}} range"


def sample(trial: Any, space: dict[str, Dimension]) -> dict[str, Any]:
    """A trial's values (Optuna's suggest_* calls)."""
    values = {}
    for d in space.values():
        if d.choices is not None and len(d.choices) == 1:
            values[d.name] = d.choices[0]  # fixed: not a parameter of the study
        elif d.choices is not None:
            values[d.name] = trial.suggest_categorical(d.name, list(d.choices))
        elif _kind(d) is int:
            values[d.name] = trial.suggest_int(d.name, int(d.low or 0), int(d.high or 0), log=d.log)
        else:
            values[d.name] = trial.suggest_float(d.name, d.low, d.high, log=d.log)
    return values


def settings_of(model: str, values: dict[str, Any]) -> dict[str, Any]:
    """The neural settings a trial's values stand for: `units` and `dropout` become the
    preset's layer list with those widths."""
    values = dict(values)
    if model not in PRESETS:  # another family's space names its settings as they are
        registry.space(model)  # (refuses a family without a space)
        return values
    units, dropout = values.pop("units", None), values.pop("dropout", None)
    # a layer list of its own: the preset's other choices must be said outright
    settings: dict[str, Any] = {**PRESETS[model].settings, "model": model, **values}
    if units is not None or dropout is not None:
        settings["layers"] = layers_for(model, int(units or 64), float(dropout or 0.0))
    return settings


def layers_for(model: str, units: int, dropout: float) -> str:
    drop = f"dropout:{dropout:.3g}, " if dropout > 0 else ""
    if model == "mlp":
        return f"dense:{units}:relu, {drop}dense:{max(units // 2, 1)}:relu, dense:1"
    if model == "tutorial":
        return f"lstm:{units}:seq, {drop}lstm:{2 * units}, {drop}dense:1"
    return f"{model}:{units}, {drop}dense:1"
