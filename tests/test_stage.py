"""The evaluation stage: run once, its results kept as data (a loaded run reads them back)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from seqcast import runs
from seqcast.data.load import read_prices
from seqcast.experiment import Experiment
from seqcast.models import registry
from seqcast.settings import Evaluation

from .conftest import random_walk, write_yahoo_csv


def test_the_model_confidence_set_keeps_the_best_and_drops_the_clearly_worse(
    tmp_path: Path,
) -> None:
    data = read_prices(write_yahoo_csv(random_walk(500, seed=4), tmp_path / "p.csv"))
    models = {name: registry.make(name) for name in ("drift", "ma:30")}
    result = Experiment(models, Evaluation(test_days=200)).run(data)
    kept = result.confidence_sets[1]
    assert "naive" in kept and "ma:30" not in kept
    assert result.summary(1).loc["ma:30", "MAE/naive"] > 1.5  # the dropped one is worse
    loaded = runs.load(runs.save(result, tmp_path / "run", report=False))
    assert loaded.confidence_sets == result.confidence_sets  # read back, not recomputed
    assert loaded.verdicts == result.verdicts


def test_a_loaded_run_reads_its_scores_rather_than_scoring_again(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from seqcast.evaluate import stage

    data = read_prices(write_yahoo_csv(random_walk(300), tmp_path / "p.csv"))
    result = Experiment({"drift": registry.make("drift")}, Evaluation(test_days=60)).run(data)
    directory = runs.save(result, tmp_path / "run", report=False)

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("loading a run scored it again")

    monkeypatch.setattr(stage, "score", refuse)
    monkeypatch.setattr(stage, "evaluate", refuse)
    loaded = runs.load(directory)
    pd.testing.assert_frame_equal(loaded.scores, result.scores)
