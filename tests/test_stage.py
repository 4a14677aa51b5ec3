"""The evaluation stage: run once, its results kept as data (a loaded run reads them back)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

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


def test_the_next_days_adaptive_interval_goes_on_where_the_test_period_left_it() -> None:
    """ACI's level is steered by every earlier miss: the interval of the day after the data
    ends is the one the next test day would get (a run one day longer, tested from the same
    first day), not split conformal's at the nominal level. Volatility triples in the test
    period, so the two differ, and conformal's (not steered) equals its own next test day's."""
    import numpy as np

    from seqcast.data.load import Loaded

    rng = np.random.default_rng(1)
    returns = np.r_[rng.normal(0, 0.01, 300), rng.normal(0, 0.03, 81)]
    prices = pd.Series(
        100 * np.exp(np.cumsum(returns)), index=pd.date_range("2020-01-01", periods=381)
    )
    found = {}
    for method in ("conformal", "adaptive"):
        bounds = []
        for days, test in ((380, 80), (381, 81)):
            evaluation = Evaluation(
                test_days=test, levels=(80.0,), calibration_days=150, intervals=method
            )
            result = Experiment({"drift": registry.make("drift")}, evaluation).run(
                Loaded(prices.iloc[:days], "made up")
            )
            bounds.append(result)
        ahead, longer = bounds
        last = longer.table[longer.table["h"] == 1].iloc[-1]
        for side in ("drift-lo-80", "drift-hi-80"):
            assert ahead.next_days[side].iloc[0] == pytest.approx(last[side], rel=1e-12)
        found[method] = ahead.next_days["drift-lo-80"].iloc[0]
    assert found["adaptive"] < 0.995 * found["conformal"]  # steered wider after the misses
