"""Run settings: one frozen dataclass, filled from a TOML file and/or CLI options."""

from __future__ import annotations

import dataclasses
import inspect
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seqcast.data import LOAD_KEYS
from seqcast.errors import SeqcastError
from seqcast.neural import NeuralForecaster

FORECASTER_KEYS = tuple(inspect.signature(NeuralForecaster).parameters)


@dataclass(frozen=True)
class RunConfig:
    data: str  # the price file
    target: str | None = None  # the column to forecast; None = the layout's price column
    test_days: int = 60  # the tutorial's test period: the last 60 days
    show_naive: bool = True  # draw the naive forecast in the plot
    load: dict[str, Any] = field(default_factory=dict)  # seqcast.data.LoadOptions fields
    forecaster: dict[str, Any] = field(default_factory=dict)  # NeuralForecaster parameters

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any], source: str = "settings") -> RunConfig:
        """Build from flat settings: run fields, load options and forecaster parameters side
        by side (or already nested under `load` and `forecaster`)."""
        nested = {"load": LOAD_KEYS, "forecaster": FORECASTER_KEYS}
        run_keys = {f.name for f in dataclasses.fields(cls)} - set(nested)
        known = run_keys | set(LOAD_KEYS) | set(FORECASTER_KEYS)
        unknown = set(values) - known - set(nested)
        if unknown:
            raise SeqcastError(
                f"{source}: unknown setting(s) {', '.join(sorted(unknown))};"
                f" known: {', '.join(sorted(known))}"
            )
        if "data" not in values:
            raise SeqcastError(f"{source}: no data file given; use --data FILE")
        groups = {
            group: {**values.get(group, {}), **{k: v for k, v in values.items() if k in keys}}
            for group, keys in nested.items()
        }
        run = {k: v for k, v in values.items() if k in run_keys}
        return cls(**run, load=groups["load"], forecaster=groups["forecaster"])


def read_toml(path: str | Path) -> dict[str, Any]:
    """Flat settings from a TOML file; keys are the CLI's option names with underscores."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise SeqcastError(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise SeqcastError(f"{path}: not valid TOML ({exc})") from None
