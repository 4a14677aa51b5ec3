"""The one experiment path: forecasters and evaluation settings in, one result out.

`Experiment(models, evaluation, seeds).run(data)` backtests every model (a model with a seed
once per seed) beside the naive forecast, `horizon` days ahead from every test day, with
calibrated intervals when levels are asked for, and scores them all. The `Result` saves to
a run directory, loads back, and forecasts again without training. `seqcast run` is an
experiment with one model (and the baselines named), `seqcast compare` one with many.
"""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass, field
from typing import Any, cast

import pandas as pd

from seqcast import progress
from seqcast.cluster import Cluster
from seqcast.data.load import Loaded, check_length
from seqcast.errors import SeqcastError
from seqcast.evaluate import select
from seqcast.evaluate.backtest import Backtest, Walk, backtest_many, days_since, fit_origins
from seqcast.evaluate.intervals import check_enough, check_method
from seqcast.evaluate.metrics import naive_scale
from seqcast.evaluate.options import Evaluation
from seqcast.evaluate.stage import evaluate
from seqcast.models.base import (
    HORIZON_PARAM,
    SEEDED,
    SELECTS,
    STATEFUL,
    WARM,
    Forecaster,
    Selector,
    clone,
)
from seqcast.models.baselines import NaiveForecaster
from seqcast.result import Panel, Result
from seqcast.vocabulary import KEYS, SEPARATOR, run_column

FORMAT = 3  # of the run directory: 0.1.0 wrote 1, 0.2.0 wrote 2 (runs/legacy.py reads both)


@dataclass
class Experiment:
    models: dict[str, Forecaster]  # label -> forecaster; naive is always added as reference
    evaluation: Evaluation = field(default_factory=Evaluation)
    seeds: tuple[int, ...] = (0,)  # every seeded model (its tags say so) runs once per seed

    def runs(self) -> dict[str, dict[str, Forecaster]]:
        """label -> table column -> forecaster: one column per seed for seeded models; a
        model that takes a horizon (the direct strategy's width) gets the evaluation's."""
        runs: dict[str, dict[str, Forecaster]] = {}
        for label, model in self.all_models().items():
            tags = model.tags()
            if HORIZON_PARAM in tags:
                model = clone(model).set_params(horizon=self.evaluation.horizon)
            seeds = self.seeds if label in self.models else self.seeds[:1]  # a candidate: one
            if SEEDED in tags:
                runs[label] = {run_column(label, s): clone(model).set_params(seed=s) for s in seeds}
            else:
                runs[label] = {run_column(label, None): model}
        return runs

    def all_models(self) -> dict[str, Forecaster]:
        """naive, then the models, each selector (auto) after its candidates (`auto/drift`)."""
        models: dict[str, Forecaster] = {"naive": NaiveForecaster()}
        for label, model in self.models.items():
            if SELECTS in model.tags():
                for name, candidate in cast(Selector, model).candidate_models().items():
                    models[f"{label}{SEPARATOR}{name}"] = candidate
            models[label] = model
        return models

    def calibration_days(self) -> int:
        """Days forecast out of sample before the test: the intervals' calibration, and
        every selector's validation period (whichever is longer)."""
        evaluation = self.evaluation
        days = evaluation.calibration_days if evaluation.levels else 0
        for model in self.models.values():
            if SELECTS in model.tags():
                gate = cast(Selector, model).gate_()
                days = max(days, gate.calibration_days(evaluation.horizon))
        return days

    def run(self, data: Loaded, cluster: Cluster | None = None) -> Result:
        """Backtest every model on one series (each model a Ray task on `cluster`)."""
        return self._run([data], cluster)[0]

    def run_many(self, data: list[Loaded], cluster: Cluster | None = None) -> Panel:
        """Backtest every model on each series, every fit of every series trained together
        (a pooled model learns from all series at once); per-series results and a summary
        over them."""
        names = [d.name for d in data]
        if len(set(names)) != len(names):
            raise SeqcastError(f"two series are called the same: {', '.join(names)}")
        return Panel(dict(zip(names, self._run(data, cluster), strict=True)))

    def _run(self, data: list[Loaded], cluster: Cluster | None) -> list[Result]:
        evaluation, runs = self.evaluation, self.runs()
        days = [
            days_since(d.series, evaluation.start) if evaluation.start else evaluation.test_days
            for d in data
        ]
        calibration_days = self.calibration_days()
        for d, test_days in zip(data, days, strict=True):
            self._check(runs, d.series, d.source, test_days, calibration_days)
        total = sum(
            len(columns)
            * len(fit_origins(len(d.series), t, evaluation.refit_every, calibration_days))
            for columns in runs.values()
            for d, t in zip(data, days, strict=True)
        )
        progress.tell("start", total=total)
        walks = {
            label: [
                Walk(
                    d.series,
                    columns,
                    test_days,
                    evaluation.refit_every,
                    evaluation.train_days,
                    evaluation.horizon,
                    d.frame,
                    calibration_days,
                    evaluation.warm_start,
                )
                for d, test_days in zip(data, days, strict=True)
            ]
            for label, columns in runs.items()
        }
        if cluster is None:
            done = [self._local(label, len(runs[label]), w) for label, w in walks.items()]
        else:  # one Ray task per model: its seeds and series still train together
            done = cluster.map(_timed, list(walks.values()))
            progress.tell("fitted", count=total)
        seconds = {label: took for label, (_, took) in zip(walks, done, strict=True)}
        parts = [[backtests[k] for backtests, _ in done] for k in range(len(data))]
        return [
            self._result(d, t, runs, backtests, seconds)
            for d, t, backtests in zip(data, days, parts, strict=True)
        ]

    @staticmethod
    def _local(label: str, seeds: int, walks: list[Walk]) -> tuple[list[Backtest], float]:
        progress.tell("model", label=label, seeds=seeds)
        return _timed(walks)

    def _result(
        self,
        data: Loaded,
        test_days: int,
        runs: dict[str, dict[str, Forecaster]],
        backtests: list[Backtest],
        seconds: dict[str, float],
    ) -> Result:
        series, models = data.series, self.all_models()
        fitted = {name: f for b in backtests for name, f in b.fitted.items()}
        settings = {
            "format": FORMAT,
            "data": {**data.provenance(), "file": os.path.abspath(data.source)},
            "fitted_until": str(_last_cutoff(series, test_days, self.evaluation.refit_every)),
            "models": {
                label: _describe(model) for label, model in models.items() if label != "naive"
            },
            "columns": {label: list(columns) for label, columns in runs.items()},
            "runs": _run_keys(runs),
            "evaluation": {**dataclasses.asdict(self.evaluation), "test_days": test_days},
            "seeds": list(self.seeds),
            "naive_scale": naive_scale(series.to_numpy()[: len(series) - test_days]),
            "fits": {column: f.fit_info() for column, f in fitted.items() if f.fit_info()},
        }
        calibrations = [b.calibration for b in backtests if b.calibration is not None]
        calibration = _side_by_side(calibrations) if calibrations else None
        table = _side_by_side([b.table for b in backtests])
        selections = {
            label: self._select(label, runs, table, calibration, fitted, series, test_days)
            for label in runs
            if SELECTS in models[label].tags()
        }
        if selections:
            settings["selections"] = selections
        return evaluate(settings, table, fitted, seconds, calibration, series, data.frame)

    def _select(
        self,
        label: str,
        runs: dict[str, dict[str, Forecaster]],
        table: pd.DataFrame,
        calibration: pd.DataFrame | None,
        fitted: dict[str, Forecaster],
        series: pd.Series,
        test_days: int,
    ) -> dict[str, Any]:
        """A selector's column: at every fit, naive or the candidate that proved better on
        the out-of-sample days before it (evaluate/select.py); its record of every choice."""
        column = next(iter(runs[label]))
        selector = cast(Selector, fitted[column])
        mine = [
            c for name, cols in runs.items() if name.startswith(label + SEPARATOR) for c in cols
        ]
        known = pd.concat([calibration, table], ignore_index=True)
        cutoffs = select.refit_cutoffs(series.index, test_days, self.evaluation.refit_every)
        choices = select.choose(known, mine, cutoffs, selector.gate_())
        table[column] = select.apply(table, choices, column)
        if calibration is not None:  # before its first fit, a selector is naive
            calibration[column] = calibration["naive"]
        last = choices[choices["cutoff"] == choices["cutoff"].max()]
        selector.use(
            {c: fitted[c] for c in mine}, dict(zip(last["h"], last["chosen"], strict=True))
        )
        fits = choices.assign(cutoff=choices["cutoff"].dt.strftime("%Y-%m-%d"))
        return {
            "columns": mine,
            "summary": select.summarize_choices(choices),
            "fits": fits.to_dict(orient="records"),
        }

    def _check(
        self,
        runs: dict[str, dict[str, Forecaster]],
        series: pd.Series,
        source: str,
        test_days: int,
        calibration_days: int,
    ) -> None:
        """Everything that can be refused is refused before any training."""
        evaluation = self.evaluation
        forecasters = [f for columns in runs.values() for f in columns.values()]
        for forecaster in forecasters:
            forecaster.check()
        if evaluation.warm_start:
            _check_warm(self.all_models())
        if evaluation.horizon > test_days:
            raise SeqcastError(
                f"--horizon {evaluation.horizon} is longer than the {test_days}-day test period;"
                " forecast fewer days ahead or test on more days"
            )
        if evaluation.levels:
            available = calibration_days - evaluation.horizon + 1
            check_enough(evaluation.levels, available, evaluation.horizon)
            check_method(evaluation.intervals, series, test_days, calibration_days)
        needed = max(f.min_train() for f in forecasters) + test_days + calibration_days
        what = "the window, validation and test period"
        if calibration_days:
            what = "the window, validation, calibration and test period"
        check_length(series, needed, source, what)


def _check_warm(models: dict[str, Forecaster]) -> None:
    """--warm-start: every model that learns must be able to go on from its last fit (its
    tags say so), and one at least must."""
    from seqcast.models.registry import families_tagged

    learners = {label: m for label, m in models.items() if STATEFUL in m.tags()}
    cold = [label for label, m in learners.items() if WARM not in m.tags()]
    if cold or not learners:
        which = f"{', '.join(cold)} cannot" if cold else "none of the models can"
        raise SeqcastError(
            f"--warm-start: {which} start a refit from the one before it; the families that"
            f" can: {'; '.join(families_tagged(WARM))}. Leave those out or --warm-start off"
        )


def _last_cutoff(series: pd.Series, test_days: int, refit_every: int | None) -> Any:
    """The last date the models of the last refit saw (what they are saved as)."""
    return series.index[fit_origins(len(series), test_days, refit_every)[-1] - 1].date()


def _timed(walks: list[Walk]) -> tuple[list[Backtest], float]:
    start = time.perf_counter()
    return backtest_many(walks), time.perf_counter() - start


def _side_by_side(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Backtest tables of the same rows, one per model: their model columns side by side."""
    return pd.concat([tables[0], *(t.drop(columns=KEYS) for t in tables[1:])], axis=1)


def _run_keys(runs: dict[str, dict[str, Forecaster]]) -> dict[str, dict[str, Any]]:
    """Each table column's model and seed, as values (what tables and files read)."""
    return {
        column: {
            "model": label,
            "seed": model.get_params()["seed"] if SEEDED in model.tags() else None,
        }
        for label, columns in runs.items()
        for column, model in columns.items()
    }


def _describe(model: Forecaster) -> dict[str, Any]:
    about = {"class": type(model).__name__, "params": model.get_params()}
    return about | {"tags": sorted(model.tags()), "reported": list(model.REPORTED)}
