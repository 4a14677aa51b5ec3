"""Every setting seqcast takes, declared once: name, default, one line of help.

Three groups follow the data's path: how a file is loaded (`LoadOptions`), how a neural
model is built and trained (`NeuralSettings`, the parameters of `NeuralForecaster`), and how
forecasts are evaluated (`Evaluation`). The CLI makes its options from these fields, a TOML
config uses the same names, and a saved run records them. This module imports nothing heavy:
`seqcast --help` reads it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from seqcast.data.layouts import FORMATS
from seqcast.errors import SeqcastError
from seqcast.models.names import LOSSES, OPTIMIZERS, TRANSFORMS
from seqcast.models.spec import DEFAULT, PRESETS

STRATEGIES = ("recursive", "direct")
INTERVALS = ("conformal", "adaptive", "scaled")
MAX_HORIZON = 90


def option(
    default: Any,
    help: str,
    *,
    flag: str | None = None,
    choices: tuple[str, ...] | None = None,
    parse: Callable[[str], Any] | None = None,
    shown: str | None = None,
    cli: bool = True,
) -> Any:
    """A setting: its default, its help line and, for the CLI, an optional flag name, the
    allowed values, a parser for text (lists), how the default reads in --help, and whether
    it is an option at all (`cli=False`: set by seqcast itself)."""
    meta: dict[str, Any] = {"help": help, "flag": flag, "choices": choices, "parse": parse}
    meta |= {"shown": shown, "cli": cli}
    return field(default=default, metadata=meta)


def seed_list(text: str) -> int | tuple[int, ...]:
    """'3' -> 3 (a count of seeds); '1,5,9' -> (1, 5, 9) (the seeds themselves)."""
    try:
        numbers = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise SeqcastError(f"--seeds '{text}': give a count (3) or a list (1,5,9)") from None
    return numbers[0] if len(numbers) == 1 and "," not in text else numbers


def level_list(text: str) -> tuple[float, ...]:
    """'80,95' -> (80.0, 95.0)."""
    try:
        return tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise SeqcastError(f"--levels '{text}': give percentages, e.g. 80,95") from None


def name_list(text: str) -> tuple[str, ...]:
    """'naive, gru' -> ('naive', 'gru')."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


@dataclass(frozen=True)
class LoadOptions:
    """How a price file becomes one clean daily series."""

    format: str = option("auto", "Force a file layout.", choices=FORMATS)
    date_col: str | None = option(None, "Time-stamp column, for files no layout describes.")
    target: str | None = option(
        None, "Column to forecast.", flag="--target", shown="the layout's price column"
    )
    duplicates: str = option(
        "error", "Two rows for one day: refuse, or keep one.", choices=("error", "first", "last")
    )
    gaps: str = option(
        "ffill",
        "Missing days: carry the last price forward, leave them out, or refuse.",
        choices=("ffill", "drop", "error"),
    )
    max_gap: int = option(7, "Longest run of missing days --gaps ffill may fill.")
    bad_rows: str = option(
        "error", "Empty, text or <= 0 prices: refuse, or drop the row.", choices=("error", "drop")
    )
    series_col: str | None = option(
        None, "Column naming the series of a long file (a symbol or asset): one series each."
    )
    calendar: str = option(
        "auto",
        "Which days the series has: every day, or trading days (no weekends; holidays are"
        " gaps). auto: trading when the file has no weekend rows.",
        choices=("auto", "daily", "trading"),
    )

    def __post_init__(self) -> None:
        check_choices(self)
        if self.max_gap < 1:
            raise SeqcastError("--max-gap must be at least 1 day")


@dataclass(eq=False)
class NeuralSettings:
    """The parameters of a neural forecaster: the default preset (`gru`, chosen by the
    README's protocol) with the tutorial's window, epochs, batch and optimizer; a setting left
    at None takes the preset's choice (see `models.spec.PRESETS`)."""

    model: str = option(
        DEFAULT,
        "Preset: " + "; ".join(f"{name}: {p.about}" for name, p in PRESETS.items()) + ".",
    )
    layers: str | None = option(
        None,
        "Layer list instead of the preset's, e.g. 'gru:32:seq, gru:16, dense:1'.",
        shown="the preset's",
    )
    window: int = option(60, "Past days in each input window.")
    transform: str | None = option(
        None, "What the network predicts.", choices=TRANSFORMS, shown="the preset's"
    )
    epochs: int = option(50, "Training epochs (at most, with early stopping).")
    batch_size: int = option(64, "Windows per training batch.")
    optimizer: str = option("rmsprop", "Optimizer, with Keras' defaults.", choices=OPTIMIZERS)
    learning_rate: float | None = option(
        None, "Learning rate.", flag="--lr", shown="the optimizer's Keras default"
    )
    loss: str | None = option(None, "Training loss.", choices=LOSSES, shown="the preset's")
    shuffle: bool = option(True, "Shuffle the windows every epoch (as Keras does).")
    val_days: int | None = option(
        None, "Days at the end of training held out for early stopping.", shown="the preset's"
    )
    patience: int | None = option(
        None,
        "Epochs without a better validation loss before stopping; 0 = off.",
        shown="the preset's",
    )
    seed: int = option(0, "Random seed (the first of several with --seeds).")
    strategy: str = option(
        "recursive",
        "Beyond one day: feed each forecast back (recursive), or train one network with an"
        " output per day (direct).",
        choices=STRATEGIES,
    )
    horizon: int = option(
        1, "Days the direct strategy's network outputs (from --horizon).", cli=False
    )
    features: tuple[str, ...] = option(
        (),
        "Past covariates each window sees beside the price: log_range, oc_return,"
        " log_volume, weekday (comma-separated).",
        parse=name_list,
        shown="none",
    )
    shrink: bool | None = option(
        None,
        "Shrink toward naive: naive + w * (model - naive), w in [0, 1] chosen on the"
        " validation tail of every fit.",
        shown="the preset's",
    )
    ensemble: int = option(1, "Seeds averaged into one forecast (a seed ensemble).")
    combine: str = option("mean", "How an ensemble's members combine.", choices=("mean", "median"))
    pooled: bool = option(
        False,
        "With several series: one network learns from all of them (each scaled on its own"
        " training part), instead of one per series.",
    )


@dataclass(frozen=True)
class Evaluation:
    """Which days are forecast, how often models are refit, and over which seeds."""

    test_days: int = option(60, "Days at the end that are forecast (the test period).")
    start: str | None = option(None, "First test date (YYYY-MM-DD), instead of --test-days.")
    refit_every: int | None = option(
        None, "Refit every K days of the test period.", shown="never: fit once"
    )
    train_days: int | None = option(
        None, "Train on the last N days before each fit (sliding window).", shown="all of them"
    )
    horizon: int = option(1, f"Days ahead forecast from every origin (1 to {MAX_HORIZON}).")
    levels: tuple[float, ...] = option(
        (), "Prediction-interval levels in percent, e.g. 80,95.", parse=level_list, shown="none"
    )
    intervals: str = option(
        "adaptive",
        "How intervals are calibrated on past out-of-sample errors: split conformal over a"
        " rolling window, adaptive (conformal whose level the recent misses steer: chosen on"
        " the selection years, README), or conformal on volatility-scaled errors.",
        choices=INTERVALS,
    )
    calibration_days: int = option(
        365,
        "Days before the test period forecast out of sample to calibrate intervals; also"
        " the rolling window of errors each interval reads.",
    )
    seeds: int | tuple[int, ...] | None = option(
        None,
        "Seeds per neural model: a count (3 = --seed, --seed + 1, --seed + 2) or a list (1,5,9).",
        parse=seed_list,
        shown="1 for run, 3 for compare",
    )

    def __post_init__(self) -> None:
        if self.refit_every is not None and self.refit_every < 1:
            raise SeqcastError(f"--refit-every {self.refit_every}: use 1 or more, or leave it out")
        if self.train_days is not None and self.train_days < 1:
            raise SeqcastError(f"--train-days {self.train_days}: use 1 or more, or leave it out")
        if isinstance(self.seeds, int) and self.seeds < 1:
            raise SeqcastError(f"--seeds {self.seeds}: at least 1 seed")
        if not 1 <= self.horizon <= MAX_HORIZON:
            raise SeqcastError(f"--horizon {self.horizon}: forecast 1 to {MAX_HORIZON} days ahead")
        for level in self.levels:
            if not 0 < level < 100:
                raise SeqcastError(f"--levels {level:g}: a level is a percentage between 0 and 100")
        if self.levels and self.calibration_days < self.horizon:
            raise SeqcastError("--calibration-days must be at least the --horizon")
        check_choices(self)

    def seed_list(self, first: int, default_count: int) -> tuple[int, ...]:
        """The seeds to run: the listed ones, or a count of them starting at `first`."""
        if isinstance(self.seeds, tuple | list):
            return tuple(self.seeds)
        return tuple(range(first, first + (self.seeds or default_count)))


def check_choices(settings: object) -> None:
    """Refuse a value outside a setting's choices, naming the option."""
    for f in dataclasses.fields(settings):  # type: ignore[arg-type]
        value, choices = getattr(settings, f.name), f.metadata.get("choices")
        if choices and value is not None and value not in choices:
            flag = f.metadata.get("flag") or "--" + f.name.replace("_", "-")
            raise SeqcastError(f"{flag} '{value}': choose one of {', '.join(choices)}")


def keys(group: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(group))


def pick(group: type, values: dict[str, Any]) -> dict[str, Any]:
    """The entries of `values` that are settings of `group`."""
    names = keys(group)
    return {k: v for k, v in values.items() if k in names}
