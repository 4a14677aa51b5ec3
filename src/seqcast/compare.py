"""`compare`: several models and seeds over one walk-forward backtest, summarised honestly.

Model names: the baselines `naive`, `drift`, `ma[:K]`, `snaive[:K]`, any preset
(`tutorial`, `mlp`, `rnn`, `lstm`, `gru`) or a TOML file of forecaster settings.
Baselines are deterministic and run once; neural models run once per seed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.base import clone

from seqcast.artifacts import to_csv, to_json, write_directory
from seqcast.backtest import backtest
from seqcast.base import Forecaster
from seqcast.baselines import (
    DriftForecaster,
    MovingAverageForecaster,
    NaiveForecaster,
    SeasonalNaiveForecaster,
)
from seqcast.config import FORECASTER_KEYS, read_toml
from seqcast.errors import SeqcastError
from seqcast.metrics import score_table
from seqcast.neural import NeuralForecaster
from seqcast.plot import forecast_figure, mae_bars
from seqcast.report import verdict
from seqcast.spec import PRESETS

BASELINES: dict[str, Callable[..., Forecaster]] = {
    "naive": NaiveForecaster,
    "drift": DriftForecaster,
    "ma": MovingAverageForecaster,
    "snaive": SeasonalNaiveForecaster,
}


@dataclass
class Comparison:
    table: pd.DataFrame  # date-indexed: cutoff, y, naive, one column per model run
    columns: dict[str, list[str]]  # model -> its table columns, one per seed
    scores: pd.DataFrame  # one row per (model, seed): every metric
    summary: pd.DataFrame  # one row per model, best mean MAE first: <metric>, <metric> std
    seconds: dict[str, float]  # wall time per model, all seeds together

    def mean_forecasts(self) -> pd.DataFrame:
        """The table with one column per model: its forecast averaged over seeds."""
        means = self.table[["cutoff", "y"]].copy()
        for model, columns in self.columns.items():
            means[model] = self.table[columns].mean(axis=1)
        return means


def make_forecaster(name: str, seed: int, overrides: dict[str, Any]) -> Forecaster:
    """The forecaster a model name stands for (baselines have no seed)."""
    kind, _, arg = name.partition(":")
    if kind in BASELINES:
        if arg and kind in ("naive", "drift"):
            raise SeqcastError(f"model '{name}': {kind} takes no parameter")
        if not arg:
            return BASELINES[kind]()
        if not arg.isdigit() or int(arg) < 1:
            raise SeqcastError(f"model '{name}': the window must be a positive whole number")
        return BASELINES[kind](int(arg))
    if name in PRESETS:
        return NeuralForecaster(model=name, **{**overrides, "seed": seed})
    if name.endswith(".toml"):
        settings = {k: v for k, v in read_toml(name).items() if k in FORECASTER_KEYS}
        return NeuralForecaster(**{**settings, **overrides, "seed": seed})
    raise SeqcastError(
        f"unknown model '{name}'; use {', '.join(BASELINES)}, a preset"
        f" ({', '.join(PRESETS)}) or a .toml file"
    )


def compare(
    series: pd.Series,
    models: list[str],
    seeds: int = 3,
    test_days: int = 60,
    refit_every: int | None = None,
    train_days: int | None = None,
    overrides: dict[str, Any] | None = None,
    on_done: Callable[[str, int, float], None] | None = None,
) -> Comparison:
    """Backtest every model (neural ones once per seed) over the last `test_days`.

    `overrides` are forecaster settings applied to every neural model (epochs, window...).
    """
    if seeds < 1:
        raise SeqcastError("--seeds must be at least 1")
    labels = [Path(m).stem if m.endswith(".toml") else m for m in models]
    if len(set(labels)) != len(labels):
        raise SeqcastError(f"a model is named twice in {', '.join(models)}")
    # The naive forecast is every score's reference, so it always runs.
    table, _ = backtest(series, {"naive": NaiveForecaster()}, test_days, refit_every, train_days)
    columns: dict[str, list[str]] = {}
    seconds: dict[str, float] = {}
    for name, label in zip(models, labels, strict=True):
        start = time.perf_counter()
        forecaster = make_forecaster(name, 0, overrides or {})
        runs: dict[str, Forecaster] = {label: forecaster}  # a baseline: one run says all
        if isinstance(forecaster, NeuralForecaster):
            runs = {f"{label}@{s}": clone(forecaster).set_params(seed=s) for s in range(seeds)}
        new = {column: f for column, f in runs.items() if column not in table}  # naive is there
        if new:
            # All seeds of a model in one backtest: they train together as one network.
            run_table, _ = backtest(series, new, test_days, refit_every, train_days)
            table[list(new)] = run_table[list(new)]
        columns[label] = list(runs)
        seconds[label] = time.perf_counter() - start
        if on_done is not None:
            on_done(label, len(runs), seconds[label])
    keys = [(label, seed) for label, cols in columns.items() for seed in range(len(cols))]
    train = series.iloc[: len(series) - test_days]
    scores = score_table(table, [c for cols in columns.values() for c in cols], train)
    scores.index = pd.MultiIndex.from_tuples(keys, names=["model", "seed"])
    return Comparison(table, columns, scores, summarize(scores), seconds)


def summarize(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation over seeds of every metric, best mean MAE first."""
    grouped = scores.groupby(level="model", sort=False)
    mean, std = grouped.mean(), grouped.std(ddof=1).fillna(0.0)
    summary = mean.join(std.add_suffix(" std"))
    summary.insert(0, "seeds", grouped.size())
    return summary.sort_values("MAE")


def save_comparison(result: Comparison, directory: Path, settings: dict[str, Any]) -> Path:
    """Write results.csv/.json, forecasts.csv and the two figures, atomically."""
    means = result.mean_forecasts()
    models = [m for m in result.summary.index if m != "naive"]
    test = f"{means.index[0].date()} .. {means.index[-1].date()}"
    overlay = forecast_figure(means, models, f"One-step forecasts, {test} (mean over seeds)")
    results = {
        "settings": settings,
        "verdict": verdict(result.summary),
        "summary": result.summary.to_dict(orient="index"),
        "per_seed": [
            {"model": model, "seed": seed, **row}
            for (model, seed), row in result.scores.to_dict(orient="index").items()
        ],
        "seconds": result.seconds,
    }
    files = {
        "config.json": to_json(settings),
        "results.json": to_json(results),
        "results.csv": to_csv(result.summary, float_format="%.6g"),
        "forecasts.csv": to_csv(result.table, index_label="date"),
        "overlay.png": overlay,
        "mae.png": mae_bars(result.summary, f"MAE over {test}, mean +- std over seeds"),
    }
    write_directory(directory, files)
    return directory
