"""`tune`: a study over a preset's settings, then its best settings scored once on the test
period beside naive.

The output directory holds study.db (the study: re-running the same command resumes it),
best.toml (`seqcast run --config best.toml`, `seqcast compare --models best.toml`),
history.csv and history.png (every trial's score and the best so far) and test/, the best
settings' run over the test period (the only time the test period is read).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from seqcast.cluster import Cluster
from seqcast.data.load import Loaded
from seqcast.errors import SeqcastError
from seqcast.experiment import Experiment
from seqcast.io import plain, to_csv, to_toml, write_file
from seqcast.models import registry
from seqcast.report import charts
from seqcast.result import Result
from seqcast.settings import Evaluation
from seqcast.tune.search import Folds, Search, history, open_study, optimize
from seqcast.tune.space import Dimension

LABEL = "best"  # the tuned model's name in the test run, as `compare --models best.toml`


@dataclass
class Tuned:
    directory: Path
    settings: dict[str, Any]  # the best trial's neural settings
    score: float  # its mean fold MAE / naive MAE
    history: pd.DataFrame  # one row per finished trial
    result: Result  # the best settings over the test period, beside naive


@dataclass
class Tuning:
    """What `tune` does; `run(data)` does it."""

    model: str = "gru"
    trials: int = 20  # finished (complete or pruned) trials the study ends with
    space: dict[str, Dimension] | None = None  # None: the preset's default space
    folds: Folds = field(default_factory=Folds)
    seed: int = 0
    seeds: tuple[int, ...] = (0, 1, 2)  # of the test-period run
    jobs: int = 1
    storage: str | None = None  # None: sqlite:///<out>/study.db
    study: str | None = None  # None: the model's name

    def run(
        self, data: Loaded, out: str | Path, cluster: Cluster | None = None, report: bool = True
    ) -> Tuned:
        self._check()
        search = Search(self.model, self.space or registry.space(self.model), self.folds, self.seed)
        search.check(data)
        directory = Path(out)
        directory.mkdir(parents=True, exist_ok=True)
        storage = self.storage or f"sqlite:///{directory / 'study.db'}"
        study = open_study(storage, self.study or self.model, search, data)
        optimize(search, data, study, storage, self.trials, self.jobs, cluster)
        best = _best(study)
        settings = best.user_attrs["settings"]
        result = self._test(data, settings, cluster)
        table = history(study)
        self._write(directory, settings, best, table, result, report)
        return Tuned(directory, settings, float(best.value), table, result)

    def _check(self) -> None:
        """Refuse, before any file or trial, what would fail only after the whole study."""
        if self.trials < 1 or self.jobs < 1:
            raise SeqcastError("--trials and --jobs must be at least 1")
        if not self.seeds:
            raise SeqcastError("--seeds must be at least 1: the best settings are tested over them")
        registry.space(self.model)  # an unknown model, or one with nothing to tune

    def _test(self, data: Loaded, settings: dict[str, Any], cluster: Cluster | None) -> Result:
        experiment = Experiment(
            {LABEL: registry.make(self.model, settings)},
            Evaluation(test_days=self.folds.test_days),
            self.seeds,
        )
        return experiment.run(data, cluster)

    def _write(
        self,
        directory: Path,
        settings: dict[str, Any],
        best: Any,
        table: pd.DataFrame,
        result: Result,
        report: bool,
    ) -> None:
        from seqcast import runs

        about = (
            f"seqcast tune: the best of {len(table)} trials of '{self.model}', trial"
            f" {best.number}: mean MAE / naive MAE {best.value:.4f} over {self.folds.count}"
            f" folds of {self.folds.days} days before the last {self.folds.test_days} days"
        )
        write_file(directory / "best.toml", to_toml({"model": self.model, **settings}, about))
        write_file(directory / "history.csv", to_csv(table, float_format="%.10g", index=False))
        write_file(directory / "history.png", _history_png(table, self.model))
        runs.save(result, directory / "test", report=report)


def _best(study: Any) -> Any:
    try:
        return study.best_trial
    except ValueError:
        raise SeqcastError(
            "no trial finished all its folds (every one pruned or failed); run more --trials"
        ) from None


def _history_png(table: pd.DataFrame, model: str) -> bytes:
    rows = [
        {"trial": r["trial"], "state": r["state"], "score": r["score"], "best": r["best so far"]}
        for r in plain(table.to_dict(orient="records"))
    ]
    spec = charts.search_history(rows, f"Tuning '{model}': trials and the best so far")
    return charts.to_png({**spec, "width": 640})
