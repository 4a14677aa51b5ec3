"""An experiment's result as a record: the long forecast table, the scores (points and
intervals), the verdicts, the fitted models, the settings and the timings; and a panel of
several series' results. Nothing here scores or forecasts: evaluate/stage.py does, once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from seqcast.vocabulary import SEPARATOR

if TYPE_CHECKING:
    from seqcast.models.base import Forecaster


@dataclass
class Result:
    """A record: what an experiment produced, as data. Scoring, intervals, the verdict and
    the next days' forecast are made once by the evaluation stage (evaluate/stage.py), and a
    loaded run reads them back instead of recomputing them."""

    settings: dict[str, Any]  # everything needed to run it again (see Experiment.run)
    table: pd.DataFrame  # cutoff, date, h, y, a column per model run (and its intervals)
    scores: pd.DataFrame  # one row per (column, h): model, seed, h and every point metric
    fitted: dict[str, Forecaster]  # column -> the forecaster fitted at the last refit
    seconds: dict[str, float]  # wall time per model (all its seeds and refits)
    calibration: pd.DataFrame | None = None  # out-of-sample forecasts before the test period
    intervals: pd.DataFrame | None = None  # one row per (column, h, level): interval metrics
    next_days: pd.DataFrame | None = None  # date x model (+ intervals): after the data ends
    verdicts: dict[int, str] = field(default_factory=dict)  # h -> the plain verdict
    confidence_sets: dict[int, list[str]] = field(default_factory=dict)  # h -> the 90% MCS
    live: pd.DataFrame | None = None  # forecasts of models since refitted in production
    # (runs/refit.py), from the days after the test period: out of sample, for intervals

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

    @property
    def models(self) -> list[str]:
        """The models the run was asked for: not naive, not a selector's candidates."""
        return [m for m in self.columns if m != "naive" and SEPARATOR not in m]

    def reported(self) -> list[str]:
        """What the run's families report of their fits (their REPORTED keys)."""
        models = self.settings["models"].values()
        return list(dict.fromkeys(k for about in models for k in about.get("reported", [])))

    def summary(self, h: int = 1) -> pd.DataFrame:
        """One row per model at horizon h, best mean MAE first: `seeds`, the mean of every
        metric over seeds and its standard deviation (`<metric> std`), and what each family
        reports of its fits (its REPORTED keys, e.g. the shrinkage weight `w`)."""
        summary = _summarize(self.scores[self.scores["h"] == h], ["model"]).sort_values("MAE")
        fits = self.settings.get("fits", {})
        for key in self.reported():
            values = {
                model: [fits[c][key] for c in columns if key in fits.get(c, {})]
                for model, columns in self.columns.items()
            }
            if all(isinstance(v, int | float) for vs in values.values() for v in vs):
                summary[key] = [
                    np.mean(values[m]) if values.get(m) else np.nan for m in summary.index
                ]
                summary[f"{key} std"] = [
                    np.std(values[m], ddof=1) if len(values.get(m, [])) > 1 else 0.0
                    for m in summary.index
                ]
            else:  # words (an ARIMA order): each distinct one, as the last fits chose them
                summary[key] = [
                    "; ".join(dict.fromkeys(map(str, values.get(m, [])))) or None
                    for m in summary.index
                ]
        return summary

    def interval_summary(self) -> pd.DataFrame | None:
        """One row per (model, h, level): interval metrics, mean and std over seeds."""
        if self.intervals is None:
            return None
        return _summarize(self.intervals, ["model", "h", "level"])

    def to_dict(self) -> dict[str, Any]:
        """What `--json` prints and results.json holds (strict JSON once through `plain`)."""
        horizons = sorted(self.scores["h"].unique())
        intervals = self.interval_summary()
        return {
            "settings": self.settings,
            "verdict": {int(h): self.verdicts.get(int(h)) for h in horizons},
            "confidence_set": {int(h): models for h, models in self.confidence_sets.items()},
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


@dataclass
class Panel:
    """The results of several series, and their overview: one row per (series, model, h)
    with the series' scores, the DM p adjusted over the series and what it says, the
    model confidence set and a selector's choices (made once by evaluate/panel.py)."""

    results: dict[str, Result]  # series name -> its result
    overview: pd.DataFrame  # series, model, h, scores, series Holm p, better, worse, MCS...

    def summary(self, h: int = 1) -> pd.DataFrame:
        """One row per model at horizon h, over the series: how many; MAE / naive MAE (mean,
        std, median, and the share of series where it is at most 1); on how many series it
        beats naive at all and significantly (`better`, `worse`: Holm over the series;
        `better BH`, `worse BH`: Benjamini-Hochberg); on how many it is in the series'
        model confidence set (NaN if none was computed); mean MASE and directional accuracy.
        Best median MAE / naive first."""
        rows = self.overview[self.overview["h"] == h]
        grouped = rows.groupby("model", sort=False)
        ratio = grouped["MAE/naive"]

        def count(column: str) -> pd.Series:
            return rows[column].astype(bool).groupby(rows["model"], sort=False).sum().astype(int)

        members = rows["MCS"].astype("boolean")
        in_set = members.fillna(False).groupby(rows["model"], sort=False).sum().astype(float)
        in_set[members.isna().groupby(rows["model"], sort=False).all()] = np.nan
        summary = pd.DataFrame(
            {
                "seeds": grouped["seeds"].max(),
                "series": grouped.size(),
                "median MAE/naive": ratio.median(),
                "MAE/naive": ratio.mean(),
                "MAE/naive std": ratio.std(ddof=1).fillna(0.0),
                "share ≤ 1": (rows["MAE/naive"] <= 1).groupby(rows["model"], sort=False).mean(),
                "beats naive": (rows["MAE/naive"] < 1).groupby(rows["model"], sort=False).sum(),
                **{key: count(key) for key in ("better", "worse", "better BH", "worse BH")},
                "in MCS": in_set,
                "MASE": grouped["MASE"].mean(),
                "DA%": grouped["DA%"].mean(),
            }
        )
        return summary.sort_values(["median MAE/naive", "MAE/naive"], kind="stable")

    def to_dict(self) -> dict[str, Any]:
        """What --json prints and results.json holds: the series, the summary one step
        ahead (`pooled`), the overview at every horizon and each series' own results."""
        pooled = self.summary(1).to_dict(orient="index")
        return {
            "series": list(self.results),
            "pooled": [{"model": m, **row} for m, row in pooled.items()],
            "overview": _records(self.overview),
            "per_series": {name: result.to_dict() for name, result in self.results.items()},
        }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dictionaries, a missing value (NaN, pandas' NA) as None."""
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
