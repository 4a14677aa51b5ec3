"""`auto`: naive, unless a candidate has proven on this series' own past that it does better.

A selection stage over the walk-forward table (backtest.py), no extra training. At every fit
of the test period (a refit origin; its `cutoff` is the last date the fit saw), each
candidate is scored on the out-of-sample forecasts already in the table whose target date is
at most that cutoff — the last `validation_days` of them, at each horizon h on its own — in
two ways against naive on the same rows: MAE/naive, and a one-sided Diebold-Mariano p-value
("the candidate is more accurate than naive"), Holm-corrected over the candidates. The fit's
rows at horizon h are then naive's, bit for bit, unless some candidate's adjusted p is below
the gate's level; then the passing candidate with the lowest validation MAE is used.

Per horizon, because a candidate better than naive one day ahead (drift on a trending index)
can be worse a month ahead: each h answers its own question on its own evidence. The long
table's rows of a fit (cutoff c is served by the latest fit cutoff <= c) take that fit's
choice at their h.

`shrink_weight` measures the alternative the gate replaces (issue 21, item 2): the weight
w of naive + w * (candidate - naive) with the lowest MAE on the same validation rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from seqcast.errors import SeqcastError
from seqcast.evaluate.backtest import fit_origins
from seqcast.evaluate.significance import diebold_mariano, holm

MIN_DAYS = 30  # the fewest validation days a DM test is run on: its t approximation needs
# some tens of loss differences, and price changes have heavy tails
WEIGHTS = np.round(np.linspace(0.0, 1.0, 21), 2)  # shrinkage weights tried, as neural.py


# The defaults were chosen on selection years only (bench/auto_selection.py: 65 periods of
# the BTC file and the panel, none in a file's last 365 rows; level x validation days x
# candidate set), by a rule written before the runs: no setting significantly worse than
# naive anywhere, then the most periods at <= 1.000x naive, then the lowest mean.
DEFAULT_CANDIDATES = ("drift", "ma:3", "ma:7", "ma:30", "snaive:5", "snaive:7")


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


def refit_cutoffs(index: pd.DatetimeIndex, test_days: int, refit_every: int | None) -> list:
    """The cutoffs (last dates seen) of a backtest's fits in its test period."""
    return [index[o - 1] for o in fit_origins(len(index), test_days, refit_every)]


def choose(
    known: pd.DataFrame, candidates: Sequence[str], fit_cutoffs: Sequence, gate: Gate
) -> pd.DataFrame:
    """The choices table: one row per (fit cutoff, h) with `chosen` (naive or a candidate),
    `days` (validation rows) and per candidate its validation `MAE/naive`, raw one-sided
    DM `p` and `Holm p`. `known` is the backtest's long table (calibration and test rows):
    only rows whose target date is at most a fit's cutoff reach that fit's choice."""
    _check_columns(known, candidates)
    cutoffs = pd.DatetimeIndex(sorted(fit_cutoffs))
    rows = []
    for h, at_h in known.groupby("h", sort=True):
        at_h = at_h.sort_values("date", kind="stable")
        for cutoff in cutoffs:
            seen = at_h[at_h["date"] <= cutoff].tail(gate.validation_days)
            rows.append(_choice(seen, cutoff, int(h), candidates, gate))
    return pd.DataFrame(rows)


def _check_columns(known: pd.DataFrame, candidates: Sequence[str]) -> None:
    if not candidates:
        raise SeqcastError("--candidates: name at least one candidate (e.g. drift)")
    for name in candidates:
        if name in ("naive", "auto"):
            raise SeqcastError(f"--candidates: {name} cannot be a candidate of auto")
        if name not in known.columns:
            raise SeqcastError(
                f"--candidates: unknown candidate '{name}'; the backtest has"
                f" {', '.join(c for c in known.columns if c not in _KEYS)}"
            )


_KEYS = ("cutoff", "date", "h", "y", "naive")


def _choice(
    seen: pd.DataFrame, cutoff: pd.Timestamp, h: int, candidates: Sequence[str], gate: Gate
) -> dict:
    """One fit's choice at horizon h from the validation rows it has seen."""
    if len(seen) < MIN_DAYS:
        raise SeqcastError(
            f"validation period too short: {len(seen)} days before the fit on"
            f" {cutoff.date()} (h={h}), need at least {MIN_DAYS};"
            " use --validation-days / --calibration-days"
        )
    y, naive = seen["y"].to_numpy(), seen["naive"].to_numpy()
    naive_mae = float(np.mean(np.abs(y - naive)))
    maes = [float(np.mean(np.abs(y - seen[c].to_numpy()))) for c in candidates]
    raw = [diebold_mariano(y, seen[c].to_numpy(), naive, h, "less") for c in candidates]
    adjusted = holm(raw)
    passed = [i for i, p in enumerate(adjusted) if p < gate.level]
    chosen = candidates[min(passed, key=lambda i: maes[i])] if passed else "naive"
    row: dict = {"cutoff": cutoff, "h": h, "chosen": chosen, "days": len(seen)}
    for name, error, p, p_holm in zip(candidates, maes, raw, adjusted, strict=True):
        row[f"{name} MAE/naive"] = error / naive_mae if naive_mae > 0 else np.nan
        row[f"{name} p"] = p
        row[f"{name} Holm p"] = float(p_holm)
    return row


def apply(table: pd.DataFrame, choices: pd.DataFrame, name: str = "auto") -> np.ndarray:
    """The `auto` column of a long table whose rows were made by the fits of `choices`:
    each row (cutoff c, h) takes the column chosen by the latest fit with cutoff <= c at
    its h; naive's own floats wherever naive was chosen."""
    values = table["naive"].to_numpy(dtype=float).copy()
    chosen = _chosen_per_row(table, choices, name)
    for column in np.unique(chosen):
        if column != "naive":
            rows = chosen == column
            values[rows] = table[column].to_numpy(dtype=float)[rows]
    return values


def _chosen_per_row(table: pd.DataFrame, choices: pd.DataFrame, name: str) -> np.ndarray:
    chosen = np.full(len(table), "", dtype=object)
    for h, at_h in choices.groupby("h"):
        fits = at_h.sort_values("cutoff")
        rows = (table["h"] == h).to_numpy()
        cutoffs = pd.DatetimeIndex(table.loc[rows, "cutoff"])
        fit = np.searchsorted(pd.DatetimeIndex(fits["cutoff"]), cutoffs, side="right") - 1
        if (fit < 0).any():
            first = cutoffs[fit < 0].min().date()
            raise SeqcastError(f"{name}: a forecast from {first} precedes every fit's choice")
        chosen[rows] = fits["chosen"].to_numpy()[fit]
    if (chosen == "").any():
        missing = sorted(set(table.loc[chosen == "", "h"]))
        raise SeqcastError(f"{name}: no choice was made for horizons {missing}")
    return chosen


def summarize_choices(choices: pd.DataFrame) -> str:
    """'naive on 11 of 13 fits; drift on 2', per horizon when there are several."""
    parts = []
    for h, at_h in choices.groupby("h", sort=True):
        counts = at_h["chosen"].value_counts()
        naive = int(counts.get("naive", 0))
        others = [f"{name} on {count}" for name, count in counts.items() if name != "naive"]
        text = "; ".join([f"naive on {naive} of {len(at_h)} fits", *others])
        parts.append(text if choices["h"].nunique() == 1 else f"h={h}: {text}")
    return ". ".join(parts)


def shrink_weight(
    known: pd.DataFrame, candidate: str, cutoff: pd.Timestamp, validation_days: int, h: int = 1
) -> float:
    """The weight w in WEIGHTS whose forecast naive + w * (candidate - naive) has the lowest
    MAE on the last `validation_days` forecasts at horizon h with target date <= `cutoff`
    (the smallest such w on ties: naive is preferred)."""
    seen = known[(known["h"] == h) & (known["date"] <= cutoff)].sort_values("date")
    seen = seen.tail(validation_days)
    y, naive = seen["y"].to_numpy(), seen["naive"].to_numpy()
    move = seen[candidate].to_numpy() - naive
    errors = [np.mean(np.abs(y - (naive + w * move))) for w in WEIGHTS]
    return float(WEIGHTS[int(np.argmin(errors))])
