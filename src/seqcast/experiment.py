"""The one experiment path: forecasters and evaluation settings in, one result out.

`Experiment(models, evaluation, seeds).run(data)` backtests every model (a model with a seed
once per seed) beside the naive forecast and scores them all. The `Result` holds the long
forecast table, the scores, the settings and the timings; it saves to a run directory, loads
back, and forecasts again without training. `seqcast run` is an experiment with one model
(and the baselines named), `seqcast compare` one with many.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from seqcast import progress
from seqcast.data.load import Loaded, check_length
from seqcast.evaluate.backtest import backtest, days_since, fit_origins, long_table
from seqcast.evaluate.metrics import naive_scale, score_table
from seqcast.models.base import Forecaster, clone
from seqcast.models.baselines import NaiveForecaster
from seqcast.settings import Evaluation

FORMAT = 2  # of the run directory; seqcast 0.1.0 wrote format 1 (see runs.py)


@dataclass
class Experiment:
    models: dict[str, Forecaster]  # label -> forecaster; naive is always added as reference
    evaluation: Evaluation = field(default_factory=Evaluation)
    seeds: tuple[int, ...] = (0,)  # every model with a `seed` parameter runs once per seed

    def runs(self) -> dict[str, dict[str, Forecaster]]:
        """label -> table column -> forecaster: `label@seed` per seed for seeded models; a
        model with a `horizon` parameter (the direct strategy's width) gets the evaluation's."""
        runs: dict[str, dict[str, Forecaster]] = {}
        for label, model in {"naive": NaiveForecaster(), **self.models}.items():
            params = model.get_params()
            if "horizon" in params:
                model = clone(model).set_params(horizon=self.evaluation.horizon)
            if "seed" in params:
                runs[label] = {f"{label}@{s}": clone(model).set_params(seed=s) for s in self.seeds}
            else:
                runs[label] = {label: model}
        return runs

    def run(self, data: Loaded) -> Result:
        series, evaluation = data.series, self.evaluation
        test_days = (
            days_since(series, evaluation.start) if evaluation.start else evaluation.test_days
        )
        runs = self.runs()
        forecasters = [f for columns in runs.values() for f in columns.values()]
        for forecaster in forecasters:
            forecaster.check()
        needed = max(f.min_train() for f in forecasters) + test_days
        check_length(series, needed, data.source, "the window, validation and test period")
        tables: list[pd.DataFrame] = []
        fitted: dict[str, Forecaster] = {}
        seconds: dict[str, float] = {}
        refits = len(fit_origins(len(series), test_days, evaluation.refit_every))
        progress.tell("start", total=len(forecasters) * refits)
        for label, columns in runs.items():
            progress.tell("model", label=label, seeds=len(columns))
            start = time.perf_counter()
            result = backtest(
                series,
                columns,
                test_days,
                evaluation.refit_every,
                evaluation.train_days,
                evaluation.horizon,
            )
            seconds[label] = time.perf_counter() - start
            tables.append(result.table)
            fitted |= result.fitted
        table = pd.concat([tables[0], *(t.drop(columns=KEYS) for t in tables[1:])], axis=1)
        settings = {
            "format": FORMAT,
            "data": data.provenance(),
            "models": {label: _describe(model) for label, model in self.models.items()},
            "columns": {label: list(columns) for label, columns in runs.items()},
            "evaluation": {**dataclasses.asdict(evaluation), "test_days": test_days},
            "seeds": list(self.seeds),
            "naive_scale": naive_scale(series.to_numpy()[: len(series) - test_days]),
        }
        return Result.build(settings, table, fitted, seconds, series)


KEYS = ["cutoff", "date", "h", "y"]


def _describe(model: Forecaster) -> dict[str, Any]:
    meta: dict[str, Any] = {"class": type(model).__name__, "params": model.get_params()}
    return meta


@dataclass
class Result:
    settings: dict[str, Any]  # everything needed to run it again (see Experiment.run)
    table: pd.DataFrame  # cutoff, date, h, y, one column per model run
    scores: pd.DataFrame  # one row per (column, h): model, seed, h and every metric
    fitted: dict[str, Forecaster]  # column -> the forecaster fitted at the last refit
    seconds: dict[str, float]  # wall time per model (all its seeds and refits)
    series: pd.Series | None = None  # the data, when it is at hand (not after `load`)
    next_days: pd.DataFrame | None = None  # date x model: the forecasts after the data ends

    @classmethod
    def build(
        cls,
        settings: dict[str, Any],
        table: pd.DataFrame,
        fitted: dict[str, Forecaster],
        seconds: dict[str, float],
        series: pd.Series | None,
    ) -> Result:
        """Score the table; with the series at hand, forecast the days after it ends."""
        columns = settings["columns"]
        runs = [c for cols in columns.values() for c in cols]
        scores = _label(score_table(table, runs, settings["naive_scale"]), columns)
        result = cls(settings, table, scores, fitted, seconds, series)
        if series is not None:
            result.next_days = result.forecast(series)
        return result

    @property
    def columns(self) -> dict[str, list[str]]:
        return self.settings["columns"]

    @property
    def test_days(self) -> int:
        return int(self.settings["evaluation"]["test_days"])

    def summary(self, h: int = 1) -> pd.DataFrame:
        """One row per model at horizon h, best mean MAE first: `seeds`, the mean of every
        metric over seeds and its standard deviation (`<metric> std`)."""
        rows = self.scores[self.scores["h"] == h].drop(columns=["h", "seed", "column"])
        grouped = rows.groupby("model", sort=False)
        mean, std = grouped.mean(), grouped.std(ddof=1).fillna(0.0)
        summary = mean.join(std.add_suffix(" std"))
        summary.insert(0, "seeds", grouped.size())
        return summary.sort_values("MAE")

    def forecast(self, series: pd.Series, horizon: int = 1) -> pd.DataFrame:
        """Each model's forecast of the `horizon` days after `series` ends, from the fitted
        models (no training), averaged over seeds: date x model."""
        forecasts = {}
        for label, columns in self.columns.items():
            paths = [self.fitted[c].forecast(series, horizon) for c in columns]
            forecasts[label] = pd.concat(paths, axis=1).mean(axis=1)
        return pd.DataFrame(forecasts)

    def replay(self, series: pd.Series) -> Result:
        """Forecast the last `test_days` of `series` and the days after it with the saved
        models, without training (the models as fitted at the last refit)."""
        test_days, columns = self.test_days, self.columns
        first_test = len(series) - test_days
        check_length(
            series,
            max(f.min_history() for f in self.fitted.values()) + test_days,
            str(self.settings["data"].get("file", "data")),
            "the saved models' windows and the test period",
        )
        positions = np.arange(first_test, len(series))
        paths = {
            column: self.fitted[column].predict(series, positions)
            for cols in columns.values()
            for column in cols
        }
        table = long_table(series, first_test, 1, paths)
        scale = naive_scale(series.to_numpy()[:first_test])
        settings = {**self.settings, "naive_scale": scale}
        return Result.build(settings, table, self.fitted, {}, series)

    def to_dict(self) -> dict[str, Any]:
        """What `--json` prints and results.json holds (strict JSON once through `plain`)."""
        horizons = sorted(self.scores["h"].unique())
        return {
            "settings": self.settings,
            "verdict": {int(h): _verdict(self.summary(int(h))) for h in horizons},
            "summary": [
                {"model": model, "h": int(h), **row}
                for h in horizons
                for model, row in self.summary(int(h)).to_dict(orient="index").items()
            ],
            "scores": self.scores.to_dict(orient="records"),
            "next": None if self.next_days is None else _next_dict(self.next_days),
            "seconds": self.seconds,
        }


def _verdict(summary: pd.DataFrame) -> str:
    from seqcast.report.tables import verdict

    return verdict(summary)


def _next_dict(next_days: pd.DataFrame) -> list[dict[str, Any]]:
    frame = next_days.copy()
    frame.insert(0, "date", [str(d.date()) for d in frame.index])
    return frame.to_dict(orient="records")


def _label(raw: pd.DataFrame, columns: dict[str, list[str]]) -> pd.DataFrame:
    """Scores per (column, h) -> rows with the model label and seed."""
    owner = {column: label for label, cols in columns.items() for column in cols}
    scores = raw.reset_index()
    scores.insert(0, "model", scores["column"].map(owner))
    seeds = scores["column"].str.extract(r"@(-?\d+)$")[0]
    scores.insert(1, "seed", pd.to_numeric(seeds).astype("Int64"))
    return scores
