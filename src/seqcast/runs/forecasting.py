"""Forecasting from a saved run: the next days with the run's calibrated intervals, and a
replay of the test period on newer data, neither training anything."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from seqcast.data.load import Loaded, read_prices
from seqcast.data.options import LoadOptions
from seqcast.errors import Note, SeqcastError
from seqcast.evaluate import stage
from seqcast.io import to_csv, write_file
from seqcast.result import Result
from seqcast.runs.store import _file_name, load
from seqcast.vocabulary import bound_names, interval_columns


@dataclass
class NextDays:
    model: str  # whose forecast
    table: pd.DataFrame  # date-indexed: forecast, lo-<level>, hi-<level>
    notes: list[str]  # what the user should know (no intervals in this run, ...)


def forecast_next(
    directory: str | Path,
    data: str | Path | None = None,
    horizon: int | None = None,
    model: str | None = None,
) -> tuple[NextDays, pd.Series]:
    """The next days after `data` ends (default: the run's own file), from a saved run's
    models, with the intervals its out-of-sample errors calibrate; no training."""
    result = load(directory)
    loaded = read_run_data(result, data)
    series = loaded.series
    horizon = horizon or result.horizon
    notes = []
    if not result.levels or result.calibration is None:
        made_by = result.settings.get("seqcast", "an earlier seqcast")
        notes.append(f"this run (seqcast {made_by}) has no intervals: rerun it with --levels")
    elif horizon > result.horizon:
        raise SeqcastError(
            f"this run calibrated intervals up to {result.horizon} days ahead, not {horizon};"
            f" rerun it with --horizon {horizon}, or forecast fewer days"
        )
    model = model or default_model(result)
    if model not in result.columns:
        raise SeqcastError(f"no model '{model}' in this run; it has {', '.join(result.columns)}")
    wide = stage.forecast(result, series, horizon, loaded.frame)
    table = pd.DataFrame({"forecast": wide[model]}, index=wide.index)
    for level in result.levels if result.calibration is not None else ():
        lo, hi = interval_columns(model, level)
        table[bound_names(level)[0]], table[bound_names(level)[1]] = wide[lo], wide[hi]
    table.index.name = "date"
    return NextDays(model, table, notes), series


def default_model(result: Result) -> str:
    """The run's one model, or the best of several (lowest mean one-step MAE; the summary
    is sorted by it); naive when the run has no other."""
    models = result.models
    if len(models) <= 1:
        return models[0] if models else "naive"
    return next(str(m) for m in result.summary(1).index if m in models)


def save_forecast(directory: str | Path, next_days: NextDays, series: pd.Series) -> list[Path]:
    """forecast-<model>-<last date>.csv and .png (a fan chart) in the run directory, each
    atomic; each model's forecast keeps its own files."""
    from seqcast.report.html import fan_png  # PNG rendering: only when a forecast is saved

    directory = Path(directory)
    stem = f"forecast-{_file_name(next_days.model)}-{series.index[-1].date()}"
    files = {
        f"{stem}.csv": to_csv(next_days.table, float_format="%.10g"),
        f"{stem}.png": fan_png(series, next_days.table, next_days.model),
    }
    paths = []
    for name, data in files.items():
        write_file(directory / name, data)
        paths.append(directory / name)
    return paths


def replay(directory: str | Path, data: str | Path | None = None) -> Result:
    """Reload a run and forecast the last `test_days` of `data` (default: the run's own
    file, read as it was) and the days after it, without training."""
    result = load(directory)
    loaded = read_run_data(result, data)
    return stage.replay(result, loaded.series, loaded.frame, loaded.source)


def read_run_data(result: Result, data: str | Path | None = None) -> Loaded:
    """The run's data file (or `data`, read with the run's load options)."""
    provenance = result.settings["data"]
    options = LoadOptions(**provenance.get("options", {}))
    if data is not None:
        return read_prices(data, options)
    file = Path(provenance["file"])
    if not file.is_file():
        raise SeqcastError(
            f"{file}: the run's data file is gone (moved or deleted); give it with --data"
        )
    loaded = read_prices(file, options)
    if provenance.get("sha256") and loaded.sha256 != provenance["sha256"]:
        warnings.warn(
            f"{file} changed since the run (its sha256 differs); forecasting from it as it is",
            Note,
            stacklevel=2,
        )
    return loaded
