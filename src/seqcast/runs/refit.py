"""Refitting a saved run on newer data as its walk-forward would have: `seqcast track --refit`.

A run's backtest scored a schedule (refit every N days, warm or cold), and its saved models
are those of the schedule's last fit. In production the same schedule goes on: when the
data has reached the next refit's cutoff, every model is fitted again on the history up to
it (a sliding `--train-days` window where the run had one), each model that warm-starts
going on from its saved weights, optimizer state and scales when the run's refits were warm
(models/warm.py), and each selector (auto) choosing again on the out-of-sample record up to
that cutoff. What production serves is therefore what the backtest scored: a request for
another schedule is refused rather than served unscored.

Before a model is replaced, its forecasts from the days it served (after the run's test
period) are kept as the run's live record (live.csv): they are out of sample, so they go on
calibrating the intervals. The run directory is rewritten atomically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pandas as pd

from seqcast.errors import SeqcastError
from seqcast.evaluate import select, stage
from seqcast.models.base import SELECTS, WARM, FitJob, Forecaster, Selector, clone, fit_all
from seqcast.result import Result
from seqcast.runs.forecasting import read_run_data
from seqcast.runs.store import load, save


@dataclass
class Refitted:
    run: str
    warm: bool  # whether models that can went on from their last fit
    every: int  # the schedule: days between refits
    cutoffs: list[str] = field(default_factory=list)  # the refits made: each one's last day


def refit(
    directory: str | Path,
    data: str | Path | None = None,
    refit_every: int | None = None,
    warm_start: bool | None = None,
) -> Refitted:
    """Make the refits of the run at `directory` that `data` (default: the run's own file)
    has reached, on its schedule; `refit_every` and `warm_start`, when given, must be the
    run's own (what its backtest scored)."""
    directory = Path(directory)
    result = load(directory)
    every, warm = _schedule(result, directory.name, refit_every, warm_start)
    loaded = read_run_data(result, data)
    series, frame = loaded.series, loaded.frame
    done = Refitted(directory.name, warm, every)
    for origin in _due(result, series, every, loaded.source):
        first = stage.first_unseen(result, series)
        served = stage.out_of_sample(result, series, frame, first, origin)
        result.live = pd.concat([result.live, served], ignore_index=True)
        _fit(result, series, frame, origin, warm)
        cutoff = str(series.index[origin - 1].date())
        result.settings["fitted_until"] = cutoff
        result.settings.setdefault("refits", []).append({"cutoff": cutoff, "warm": warm})
        done.cutoffs.append(cutoff)
    if done.cutoffs:
        result.next_days = stage.forecast(result, series, result.horizon, frame)
        save(result, directory, report=(directory / "report.html").is_file())
    return done


def _schedule(
    result: Result, run: str, refit_every: int | None, warm_start: bool | None
) -> tuple[int, bool]:
    evaluation = result.settings["evaluation"]
    every, warm = evaluation.get("refit_every"), bool(evaluation.get("warm_start", False))
    if every is None:
        raise SeqcastError(
            f"run {run} fits once (its backtest has no --refit-every), so refits in production"
            " were never scored; rerun it with --refit-every N to refit it"
        )
    if refit_every is not None and refit_every != every:
        raise SeqcastError(
            f"--refit-every {refit_every}: run {run} was backtested refitting every {every}"
            f" days, and production refits what was scored; drop the option, or rerun the run"
            f" with --refit-every {refit_every}"
        )
    if warm_start is not None and warm_start != warm:
        was, asked = ("warm", "--no-warm-start") if warm else ("cold", "--warm-start")
        raise SeqcastError(
            f"{asked}: run {run} was backtested with {was} refits, and production refits what"
            f" was scored; drop the option, or rerun the run with {asked}"
        )
    if warm:
        stale = [c for c, f in result.fitted.items() if _warms(f) and not _carries(f)]
        if stale:
            raise SeqcastError(
                f"run {run}: {stale[0]} was saved without its optimizer state (by an earlier"
                " seqcast), so it cannot go on warm; rerun the run to refit it"
            )
    return int(every), warm


def _warms(forecaster: Forecaster) -> bool:
    return WARM in forecaster.tags()


def _carries(forecaster: Forecaster) -> bool:
    return getattr(forecaster, "moments_", None) is not None


def _due(result: Result, series: pd.Series, every: int, source: str) -> list[int]:
    """The origins (first forecast days, as positions in `series`) of the refits due: every
    `every` days after the last fit, up to the day after the data ends."""
    fitted_until = pd.Timestamp(result.settings["fitted_until"])
    if fitted_until not in series.index:
        raise SeqcastError(
            f"{source}: has no {fitted_until.date()}, the last day the run's models were"
            " fitted on; give the run's file with the newer days after it"
        )
    last = int(series.index.get_loc(fitted_until)) + 1
    return list(range(last + every, len(series) + 1, every))


def _fit(
    result: Result, series: pd.Series, frame: pd.DataFrame | None, origin: int, warm: bool
) -> None:
    """Every model fitted again on the history before `origin`; then each selector chooses
    on the out-of-sample record whose truth that history holds."""
    train_days = result.settings["evaluation"].get("train_days")
    start = 0 if train_days is None else max(0, origin - int(train_days))
    history = series.iloc[start:origin]
    past = None if frame is None else frame.iloc[start:origin]
    jobs = {
        column: FitJob(
            clone(f), history, past, 0, FitJob(f, history) if warm and _warms(f) else None
        )
        for column, f in result.fitted.items()
        if SELECTS not in f.tags()
    }
    fit_all(list(jobs.values()))
    result.fitted |= {column: job.forecaster for column, job in jobs.items()}
    fits = {column: f.fit_info() for column, f in result.fitted.items() if f.fit_info()}
    result.settings["fits"] = fits
    for label, selection in result.settings.get("selections", {}).items():
        _choose(result, label, selection, series.index[origin - 1])


def _choose(result: Result, label: str, selection: dict[str, Any], cutoff: Any) -> None:
    column = result.columns[label][0]
    selector = cast(Selector, result.fitted[column])
    known = pd.concat([result.calibration, result.table, result.live], ignore_index=True)
    choices = select.choose(known, selection["columns"], [cutoff], selector.gate_())
    selector.use(
        {c: result.fitted[c] for c in selection["columns"]},
        dict(zip(choices["h"], choices["chosen"], strict=True)),
    )
    fits = choices.assign(cutoff=choices["cutoff"].dt.strftime("%Y-%m-%d"))
    selection["fits"] = [*selection["fits"], *fits.to_dict(orient="records")]
