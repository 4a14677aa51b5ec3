import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seqcast.compare import compare, make_forecaster, save_comparison
from seqcast.errors import SeqcastError
from seqcast.report import verdict

MODELS = ["naive", "drift", "ma:3", "snaive", "gru"]
OVERRIDES = {"window": 10, "epochs": 1}


@pytest.fixture(scope="module")
def result():
    from .conftest import random_walk

    return compare(random_walk(), MODELS, seeds=2, test_days=30, overrides=OVERRIDES)


def test_summary_has_every_model_sorted_by_mae(result) -> None:
    summary = result.summary
    assert set(summary.index) == set(MODELS)
    assert summary["MAE"].is_monotonic_increasing
    assert summary.loc["gru", "seeds"] == 2 and summary.loc["drift", "seeds"] == 1
    assert summary.loc["naive", "MAE/naive"] == 1.0
    assert summary.loc["naive", "MAE std"] == 0.0
    gru = result.scores.loc["gru"]
    assert summary.loc["gru", "MAE"] == pytest.approx(gru["MAE"].mean())
    assert summary.loc["gru", "MAE std"] == pytest.approx(gru["MAE"].std(ddof=1))
    assert gru["MAE"].iloc[0] != gru["MAE"].iloc[1]  # the seeds really differ


def test_seed_mean_forecasts(result) -> None:
    means = result.mean_forecasts()
    expected = result.table[["gru@0", "gru@1"]].mean(axis=1)
    pd.testing.assert_series_equal(means["gru"], expected, check_names=False)


def test_same_command_same_table(result) -> None:
    from .conftest import random_walk

    again = compare(random_walk(), MODELS, seeds=2, test_days=30, overrides=OVERRIDES)
    pd.testing.assert_frame_equal(again.summary, result.summary)


def test_verdict_says_plainly_who_beats_naive() -> None:
    summary = pd.DataFrame(
        {"MAE/naive": [1.0, 1.2, 0.9], "DM p": [1.0, 0.01, 0.4]}, index=["naive", "a", "b"]
    )
    assert verdict(summary) == (
        "Beats the naive forecast on MAE: b (0.900x naive MAE, Diebold-Mariano p=0.40:"
        " not significant at 5%)."
    )
    assert verdict(summary.drop(index="b")) == (
        "a does NOT beat the naive forecast (yesterday's value): its MAE is 1.200x the naive MAE."
    )
    worse = summary.assign(**{"MAE/naive": [1.0, 1.2, 1.1]})
    assert verdict(worse).startswith("No model beats the naive forecast (yesterday's value) on")


def test_saved_results(result, tmp_path: Path) -> None:
    directory = save_comparison(result, tmp_path / "cmp", {"models": MODELS})
    names = {p.name for p in directory.iterdir()}
    assert names == {
        "config.json",
        "results.json",
        "results.csv",
        "forecasts.csv",
        "overlay.png",
        "mae.png",
    }
    saved = json.loads((directory / "results.json").read_text())
    assert saved["summary"]["gru"]["MAE"] == pytest.approx(result.summary.loc["gru", "MAE"])
    assert len(saved["per_seed"]) == 6  # 4 baselines once, gru twice
    csv = pd.read_csv(directory / "results.csv", index_col="model")
    assert np.allclose(csv["MAE"], result.summary["MAE"], rtol=1e-5)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("arima", "unknown model 'arima'"),
        ("ma:x", "positive whole number"),
        ("naive:3", "naive takes no parameter"),
    ],
)
def test_bad_model_names(name: str, message: str) -> None:
    with pytest.raises(SeqcastError, match=message):
        make_forecaster(name, 0, {})


def test_toml_model(tmp_path: Path) -> None:
    path = tmp_path / "small-gru.toml"
    path.write_text('layers = "gru:8, dense:1"\nwindow = 5\nepochs = 3\ndata = "ignored.csv"\n')
    forecaster = make_forecaster(str(path), 4, {"epochs": 1})
    assert forecaster.get_params()["layers"] == "gru:8, dense:1"
    assert (forecaster.window, forecaster.epochs, forecaster.seed) == (5, 1, 4)


def test_seeds_trained_together_give_what_each_gives_alone(result) -> None:
    from seqcast.backtest import backtest

    from .conftest import random_walk

    alone = make_forecaster("gru", 1, OVERRIDES)
    table, _ = backtest(random_walk(), {"gru@1": alone}, 30)
    np.testing.assert_allclose(table["gru@1"], result.table["gru@1"], rtol=1e-5)
