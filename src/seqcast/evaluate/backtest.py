"""Walk-forward backtests as data: one long table that metrics, plots and reports all read.

Each test day is a forecast origin: from the true history before it, every model forecasts
the next `horizon` days. The table has one row per (origin, target date):

    cutoff  date  h  y  <one column per model run>

where `cutoff` is the last date the forecast could see (Nixtla's convention) and `h` the
number of steps from it to `date`. Models are refit every `refit_every` days (never, by
default: fit once, as the tutorial does) on the data before each refit — all of it
(expanding window) or only the last `train_days` (sliding window). Every fit of the whole
backtest is handed to `fit_all` at once, so forecasters that can train together do.

With `calibration_days`, the same walk-forward runs over that many days before the test
period, on its own fits (the refit schedule extended backwards; fit once = one more fit),
so that the test period's fits and forecasts are exactly those without it: those
forecasts are out of sample, and their errors calibrate the intervals (intervals.py).

With `warm_start`, each refit of a forecaster that can (tagged `warm_starts`) continues
the one before it (models/warm.py); the test period's chain starts cold at its first fit,
so that calibration leaves it as it is here too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from seqcast.errors import SeqcastError
from seqcast.models.base import WARM, FitJob, Forecaster, clone, fit_all


def fit_origins(
    n: int, test_days: int, refit_every: int | None, calibration_days: int = 0
) -> list[int]:
    """Positions where a (re)fit happens; each fit forecasts up to the next one."""
    if not 0 < test_days < n:
        raise SeqcastError(f"--test-days must be between 1 and {n - 1}, not {test_days}")
    if refit_every is not None and refit_every < 1:
        raise SeqcastError(f"--refit-every {refit_every}: use 1 or more, or leave it out")
    start = n - test_days
    calibration = start - calibration_days
    if calibration < 1:
        raise SeqcastError(
            f"{calibration_days} calibration days and {test_days} test days leave no history"
        )
    earlier = range(calibration, start, refit_every or calibration_days) if calibration_days else []
    return [*earlier, *range(start, n, refit_every or test_days)]


@dataclass
class Backtest:
    table: pd.DataFrame  # cutoff, date, h, y, one column per forecaster: the test period
    fitted: dict[str, Forecaster]  # each forecaster as fitted at the last refit
    calibration: pd.DataFrame | None = None  # the same, for the days before the test


def backtest(
    series: pd.Series,
    forecasters: dict[str, Forecaster],
    test_days: int,
    refit_every: int | None = None,
    train_days: int | None = None,
    horizon: int = 1,
    features: pd.DataFrame | None = None,
    calibration_days: int = 0,
    warm_start: bool = False,
) -> Backtest:
    """Forecasts of the last `test_days` of `series` by each forecaster (left unfitted: every
    fit works on a clone), from every test day, `horizon` days ahead; with
    `calibration_days`, also from the days before them (`Backtest.calibration`)."""
    walk = Walk(
        series,
        forecasters,
        test_days,
        refit_every,
        train_days,
        horizon,
        features,
        calibration_days,
        warm_start,
    )
    fit_all(walk.jobs())
    return walk.result()


def backtest_many(walks: list[Walk]) -> list[Backtest]:
    """Several walks (one per series) fitted together, so that every fit of every series
    that can train with another does."""
    fit_all([job for walk in walks for job in walk.jobs()])
    return [walk.result() for walk in walks]


class Walk:
    """One series' walk-forward: the fits it needs (`jobs`), then, once they are fitted,
    its forecasts (`result`)."""

    def __init__(
        self,
        series: pd.Series,
        forecasters: dict[str, Forecaster],
        test_days: int,
        refit_every: int | None = None,
        train_days: int | None = None,
        horizon: int = 1,
        features: pd.DataFrame | None = None,
        calibration_days: int = 0,
        warm_start: bool = False,
    ):
        if horizon < 1:
            raise SeqcastError(f"--horizon {horizon}: forecast at least 1 day ahead")
        n = len(series)
        self.series, self.features, self.horizon = series, features, horizon
        self.test_days, self.calibration_days = test_days, calibration_days
        self.starts = fit_origins(n, test_days, refit_every, calibration_days)
        self.first = n - test_days - calibration_days  # the first forecast origin
        self.planned: list[tuple[int, str, FitJob]] = []
        chains = {name for name, f in forecasters.items() if warm_start and WARM in f.tags()}
        last: dict[str, FitJob] = {}  # each chain's latest fit
        for refit, origin in enumerate(self.starts):
            first = 0 if train_days is None else max(0, origin - train_days)
            history = series.iloc[first:origin]  # one object per refit: its fits share it
            past = None if features is None else features.iloc[first:origin]
            if origin == n - test_days:  # the test period's chains start cold
                last.clear()
            for name, f in forecasters.items():
                job = FitJob(clone(f), history, past, refit, last.get(name))
                last |= {name: job} if name in chains else {}
                self.planned.append((origin, name, job))
        self.names = list(forecasters)

    def jobs(self) -> list[FitJob]:
        return [job for _, _, job in self.planned]

    def result(self) -> Backtest:
        series, n, horizon = self.series, len(self.series), self.horizon
        paths = {name: np.full((n - self.first, horizon), np.nan) for name in self.names}
        ends = dict(zip(self.starts, [*self.starts[1:], n], strict=True))
        for origin, name, job in self.planned:
            end = ends[origin]  # this fit forecasts from origins origin .. end - 1
            known = series.iloc[:end]
            past = None if self.features is None else self.features[:end]
            forecasts = job.forecaster.predict(known, np.arange(origin, end), horizon, past)
            paths[name][origin - self.first : end - self.first] = forecasts
        last = self.starts[-1]
        fitted = {name: job.forecaster for origin, name, job in self.planned if origin == last}
        table = long_table(series, self.first, horizon, paths)
        if not self.calibration_days:
            return Backtest(table, fitted)
        tested = table["cutoff"] >= series.index[n - self.test_days - 1]
        test = table[tested].reset_index(drop=True)
        return Backtest(test, fitted, table[~tested].reset_index(drop=True))


def long_table(
    series: pd.Series, first_test: int, horizon: int, paths: dict[str, np.ndarray]
) -> pd.DataFrame:
    """Rows (origin t, step h) for every target date t + h - 1 inside the series."""
    n = len(series)
    origin, step = np.meshgrid(np.arange(first_test, n), np.arange(1, horizon + 1), indexing="ij")
    inside = (origin + step - 1 < n).ravel()
    origin, step = origin.ravel()[inside], step.ravel()[inside]
    target = origin + step - 1
    table = pd.DataFrame(
        {
            "cutoff": series.index[origin - 1],
            "date": series.index[target],
            "h": step,
            "y": series.to_numpy()[target],
        }
    )
    for name, values in paths.items():
        table[name] = values.ravel()[inside]
    return table


def days_since(series: pd.Series, start: str) -> int:
    """The number of days from `start` (a date) to the end of the series."""
    try:
        when = pd.Timestamp(start)
    except ValueError:
        raise SeqcastError(f"--start '{start}' is not a date; use YYYY-MM-DD") from None
    days = int((series.index >= when).sum())
    if days == 0:
        raise SeqcastError(
            f"--start {when.date()} is after the last date {series.index[-1].date()}"
        )
    if days == len(series):
        raise SeqcastError(
            f"--start {when.date()} is not after the first date {series.index[0].date()}:"
            " the models need days before the test to learn from; give a later --start"
        )
    return days
