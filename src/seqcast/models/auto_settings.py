"""The settings of `auto` (the parameters of `AutoForecaster`), light enough for --help."""

from __future__ import annotations

from dataclasses import dataclass

from seqcast.errors import SeqcastError
from seqcast.options import name_list, option

MIN_DAYS = 30  # the fewest validation days a DM test is run on: its t approximation needs
# some tens of loss differences, and price changes have heavy tails


# The defaults were chosen on selection years only (bench/auto_selection.py: 65 periods of
# the BTC file and the panel, none in a file's last 365 rows; level x validation days x
# candidate set), by a rule written before the runs: no setting significantly worse than
# naive anywhere, then the most periods at <= 1.000x naive, then the lowest mean.
DEFAULT_CANDIDATES = ("drift", "ma:3", "ma:7", "ma:30", "snaive:5", "snaive:7")


@dataclass(frozen=True)
class AutoSettings:
    candidates: tuple[str, ...] = option(
        DEFAULT_CANDIDATES,
        "Models auto may choose instead of naive (comma-separated model names).",
        parse=name_list,
        shown=",".join(DEFAULT_CANDIDATES) + " (the README's protocol)",
    )
    gate: float = option(
        0.01,
        "auto uses a candidate only when its one-sided Diebold-Mariano p against naive,"
        " Holm-corrected over the candidates, is below this on the validation period.",
    )
    validation_days: int = option(
        90, "Out-of-sample days before each fit that auto judges its candidates on."
    )


@dataclass(frozen=True)
class Gate:
    """When a candidate may replace naive."""

    level: float = 0.01  # Holm-adjusted one-sided DM p below which a candidate passes
    validation_days: int = 90  # forecasts before each fit's cutoff that it is judged on

    def __post_init__(self) -> None:
        if not 0.0 < self.level < 1.0:
            raise SeqcastError(f"--gate {self.level}: use a level between 0 and 1, e.g. 0.01")
        if self.validation_days < MIN_DAYS:
            raise SeqcastError(
                f"--validation-days {self.validation_days}: a Diebold-Mariano test needs at"
                f" least {MIN_DAYS} days"
            )

    def calibration_days(self, horizon: int = 1) -> int:
        """How many days before the test the backtest must forecast (`calibration_days`)
        so that the first fit has its whole validation period at every horizon."""
        return self.validation_days + horizon - 1
