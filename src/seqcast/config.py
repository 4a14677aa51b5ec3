"""Run settings: one frozen dataclass, filled from a TOML file and/or CLI options."""

from __future__ import annotations

import dataclasses
import inspect
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seqcast.errors import SeqcastError
from seqcast.neural import NeuralForecaster

FORECASTER_KEYS = tuple(inspect.signature(NeuralForecaster).parameters)


@dataclass(frozen=True)
class RunConfig:
    data: str  # the price file
    target: str = "Close"  # the column to forecast
    test_days: int = 60  # the tutorial's test period: the last 60 days
    show_naive: bool = True  # draw the naive forecast in the plot
    forecaster: dict[str, Any] = field(default_factory=dict)  # NeuralForecaster parameters

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any], source: str = "settings") -> RunConfig:
        """Build from flat settings (run fields and forecaster parameters side by side)."""
        run_keys = {f.name for f in dataclasses.fields(cls)} - {"forecaster"}
        unknown = set(values) - run_keys - set(FORECASTER_KEYS) - {"forecaster"}
        if unknown:
            raise SeqcastError(
                f"{source}: unknown setting(s) {', '.join(sorted(unknown))};"
                f" known: {', '.join(sorted(run_keys | set(FORECASTER_KEYS)))}"
            )
        if "data" not in values:
            raise SeqcastError(f"{source}: no data file given; use --data FILE")
        forecaster = dict(values.get("forecaster", {}))
        forecaster.update({k: v for k, v in values.items() if k in FORECASTER_KEYS})
        return cls(**{k: v for k, v in values.items() if k in run_keys}, forecaster=forecaster)


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
