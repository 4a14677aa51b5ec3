"""An experiment's result: the long forecast table, the scores (points and intervals), the
fitted models, the settings and the timings. It forecasts again without training."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from seqcast.data.load import check_length
from seqcast.evaluate.backtest import long_table
from seqcast.evaluate.intervals import add_intervals, column_names, interval_scores, volatility
from seqcast.evaluate.metrics import naive_scale, score_table
from seqcast.models.base import Forecaster, future_dates
from seqcast.report.tables import verdict


@dataclass
class Result:
    settings: dict[str, Any]  # everything needed to run it again (see Experiment.run)
    table: pd.DataFrame  # cutoff, date, h, y, a column per model run (and its intervals)
    scores: pd.DataFrame  # one row per (column, h): model, seed, h and every point metric
    fitted: dict[str, Forecaster]  # column -> the forecaster fitted at the last refit
    seconds: dict[str, float]  # wall time per model (all its seeds and refits)
    calibration: pd.DataFrame | None = None  # out-of-sample forecasts before the test period
    intervals: pd.DataFrame | None = None  # one row per (column, h, level): interval metrics
    next_days: pd.DataFrame | None = None  # date x model (+ intervals): after the data ends

    @classmethod
    def build(
        cls,
        settings: dict[str, Any],
        table: pd.DataFrame,
        fitted: dict[str, Forecaster],
        seconds: dict[str, float],
        calibration: pd.DataFrame | None = None,
        series: pd.Series | None = None,
        frame: pd.DataFrame | None = None,
    ) -> Result:
        """Score the table. With the series at hand: intervals (when levels are asked for
        and the table has none yet), their scores, and the forecasts after it ends."""
        columns = settings["columns"]
        runs = [c for cols in columns.values() for c in cols]
        scores = _label(score_table(table, runs, settings["naive_scale"]), columns)
        result = cls(settings, table, scores, fitted, seconds, calibration)
        if series is not None:
            if result.levels and calibration is not None:
                vol = volatility(series)
                if column_names(runs[0], result.levels[0])[0] not in table:
                    result.table = result._with_intervals(table, calibration, vol)
                result.intervals = _label(
                    interval_scores(result.table, runs, result.levels, vol), columns
                )
            result.next_days = result.forecast(series, result.horizon, frame)
        return result

    @property
    def columns(self) -> dict[str, list[str]]:
        return self.settings["columns"]

    @property
    def runs(self) -> list[str]:
        return [c for cols in self.columns.values() for c in cols]

    @property
    def test_days(self) -> int:
        return int(self.settings["evaluation"]["test_days"])

    @property
    def horizon(self) -> int:
        return int(self.settings["evaluation"].get("horizon", 1))

    @property
    def levels(self) -> tuple[float, ...]:
        return tuple(self.settings["evaluation"].get("levels", ()))

    def summary(self, h: int = 1) -> pd.DataFrame:
        """One row per model at horizon h, best mean MAE first: `seeds`, the mean of every
        metric over seeds and its standard deviation (`<metric> std`), and for shrunk models
        `w`, the shrinkage weight of their last fits."""
        summary = _summarize(self.scores[self.scores["h"] == h], ["model"]).sort_values("MAE")
        fits = self.settings.get("fits", {})
        weights = {
            model: [fits[c]["w"] for c in columns if "w" in fits.get(c, {})]
            for model, columns in self.columns.items()
        }
        if any(weights.values()):
            summary["w"] = [np.mean(weights[m]) if weights[m] else np.nan for m in summary.index]
            summary["w std"] = [
                np.std(weights[m], ddof=1) if len(weights[m]) > 1 else 0.0 for m in summary.index
            ]
        return summary

    def interval_summary(self) -> pd.DataFrame | None:
        """One row per (model, h, level): interval metrics, mean and std over seeds."""
        if self.intervals is None:
            return None
        return _summarize(self.intervals, ["model", "h", "level"])

    def forecast(
        self, series: pd.Series, horizon: int = 1, frame: pd.DataFrame | None = None
    ) -> pd.DataFrame:
        """Each model's forecast of the `horizon` days after `series` ends (`frame`: the
        file's other columns, for models with covariates), from the fitted models (no
        training), averaged over seeds, with its intervals where the run has them (each
        seed's bounds averaged): date x (model, model-lo-80, ...)."""
        dates = future_dates(series.index, horizon, series.attrs.get("calendar"))
        future = pd.DataFrame(
            {"cutoff": series.index[-1], "date": dates, "h": np.arange(1, horizon + 1), "y": np.nan}
        )
        for column in self.runs:
            future[column] = self.fitted[column].forecast(series, horizon, frame).to_numpy()
        if self.levels and self.calibration is not None:
            known = [self.calibration, self.table, self._newer(series, frame)]
            future = self._with_intervals(
                future, pd.concat(known, ignore_index=True), volatility(series)
            )
        out = pd.DataFrame(index=dates)
        for label, cols in self.columns.items():
            out[label] = future[cols].mean(axis=1).to_numpy()
            for level in self.levels if self.calibration is not None else ():
                for side in (0, 1):
                    names = [column_names(c, level)[side] for c in cols]
                    out[column_names(label, level)[side]] = future[names].mean(axis=1).to_numpy()
        return out

    def _newer(self, series: pd.Series, frame: pd.DataFrame | None) -> pd.DataFrame:
        """Forecasts of the fitted models from the days `series` has after the run's table
        ends, whose truth is known: out of sample too (the models were fitted before), so
        their errors join the calibration of new intervals."""
        first = int(series.index.searchsorted(self.table["cutoff"].max(), side="right")) + 1
        if first >= len(series):
            return self.table.iloc[:0]
        origins = np.arange(first, len(series))  # their cutoffs are all newer than the table's
        paths = {c: self.fitted[c].predict(series, origins, self.horizon, frame) for c in self.runs}
        return long_table(series, first, self.horizon, paths)

    def _with_intervals(
        self, table: pd.DataFrame, known: pd.DataFrame, vol: pd.Series
    ) -> pd.DataFrame:
        evaluation = self.settings["evaluation"]
        return add_intervals(
            table,
            known,
            self.runs,
            self.levels,
            evaluation["intervals"],
            int(evaluation["calibration_days"]),
            vol,
        )

    def replay(self, series: pd.Series, frame: pd.DataFrame | None = None) -> Result:
        """Forecast the last `test_days` of `series` and the days after it with the saved
        models, without training (the models as fitted at the last refit)."""
        test_days = self.test_days
        first_test = len(series) - test_days
        check_length(
            series,
            max(f.min_history() for f in self.fitted.values()) + test_days,
            str(self.settings["data"].get("file", "data")),
            "the saved models' windows and the test period",
        )
        positions = np.arange(first_test, len(series))
        paths = {
            column: self.fitted[column].predict(series, positions, self.horizon, frame)
            for column in self.runs
        }
        table = long_table(series, first_test, self.horizon, paths)
        settings = {**self.settings, "naive_scale": naive_scale(series.to_numpy()[:first_test])}
        return Result.build(settings, table, self.fitted, {}, self.calibration, series, frame)

    def to_dict(self) -> dict[str, Any]:
        """What `--json` prints and results.json holds (strict JSON once through `plain`)."""
        horizons = sorted(self.scores["h"].unique())
        intervals = self.interval_summary()
        return {
            "settings": self.settings,
            "verdict": {int(h): verdict(self.summary(int(h))) for h in horizons},
            "summary": [
                {"model": model, "h": int(h), **row}
                for h in horizons
                for model, row in self.summary(int(h)).to_dict(orient="index").items()
            ],
            "scores": self.scores.to_dict(orient="records"),
            "intervals": None
            if intervals is None
            else intervals.reset_index().to_dict(orient="records"),
            "next": None if self.next_days is None else _next_dict(self.next_days),
            "seconds": self.seconds,
        }


def _summarize(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Mean and standard deviation over seeds of every metric, per `keys`, with `seeds`."""
    spare = [c for c in ("seed", "column", "h", "level") if c not in keys]
    values = rows.drop(columns=spare, errors="ignore")
    grouped = values.groupby(keys, sort=False)
    mean, std = grouped.mean(), grouped.std(ddof=1).fillna(0.0)
    summary = mean.join(std.add_suffix(" std"))
    summary.insert(0, "seeds", grouped.size())
    return summary


def _next_dict(next_days: pd.DataFrame) -> list[dict[str, Any]]:
    frame = next_days.copy()
    frame.insert(0, "date", [str(d.date()) for d in frame.index])
    return frame.to_dict(orient="records")


def _label(raw: pd.DataFrame, columns: dict[str, list[str]]) -> pd.DataFrame:
    """Rows per column -> with the model label and seed in front."""
    owner = {column: label for label, cols in columns.items() for column in cols}
    scores = raw.reset_index() if "column" not in raw else raw.copy()
    scores.insert(0, "model", scores["column"].map(owner))
    seeds = scores["column"].str.extract(r"@(-?\d+)$")[0]
    scores.insert(1, "seed", pd.to_numeric(seeds).astype("Int64"))
    return scores


@dataclass
class Panel:
    """The results of several series, and how each model did over all of them."""

    results: dict[str, Result]  # series name -> its result

    def summary(self, h: int = 1) -> pd.DataFrame:
        """One row per model: over the series, the mean and median MAE / naive MAE, mean
        MASE and directional accuracy, how many series it beats naive on, and on how many
        it is significantly worse (DM p < 0.05 with a higher MAE)."""
        rows = []
        for name, result in self.results.items():
            for model, row in result.summary(h).iterrows():
                rows.append({"series": name, "model": model, **row.to_dict()})
        table = pd.DataFrame(rows)
        grouped = table.groupby("model", sort=False)
        ratio = grouped["MAE/naive"]
        worse = (table["MAE/naive"] > 1) & (table["DM p"] < 0.05)
        summary = pd.DataFrame(
            {
                "series": grouped.size(),
                "MAE/naive": ratio.mean(),
                "MAE/naive std": ratio.std(ddof=1).fillna(0.0),
                "median MAE/naive": ratio.median(),
                "beats naive": grouped.apply(lambda g: int((g["MAE/naive"] < 1).sum())),
                "worse": worse.groupby(table["model"]).sum().astype(int),
                "MASE": grouped["MASE"].mean(),
                "DA%": grouped["DA%"].mean(),
            }
        )
        summary.insert(0, "seeds", grouped["seeds"].max())
        return summary.sort_values("MAE/naive")

    def to_dict(self) -> dict[str, Any]:
        pooled = self.summary(1)
        return {
            "series": list(self.results),
            "pooled": [{"model": m, **row} for m, row in pooled.to_dict(orient="index").items()],
            "per_series": {name: result.to_dict() for name, result in self.results.items()},
        }
