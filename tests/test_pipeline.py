import json
from pathlib import Path

import pandas as pd
import pytest

from seqcast.config import RunConfig
from seqcast.errors import SeqcastError
from seqcast.pipeline import predict_from_run, run_experiment, save_run

from .conftest import TINY, write_yahoo_csv

RUN_FILES = {
    "config.json",
    "model.json",
    "model.safetensors",
    "metrics.json",
    "predictions.csv",
    "history.csv",
    "plot.png",
}


def _config(path: Path, **overrides: object) -> RunConfig:
    return RunConfig(data=str(path), test_days=30, forecaster={**TINY, **overrides})


def test_same_seed_gives_identical_metrics(price_csv: Path) -> None:
    first = run_experiment(_config(price_csv, seed=7))
    second = run_experiment(_config(price_csv, seed=7))
    pd.testing.assert_frame_equal(first.scores, second.scores)
    other = run_experiment(_config(price_csv, seed=8))
    assert not first.scores.equals(other.scores)  # the seed really matters


def test_naive_scores_are_the_hand_computed_ones(price_csv: Path, series: pd.Series) -> None:
    result = run_experiment(_config(price_csv))
    test = series.iloc[-30:].to_numpy()
    yesterday = series.iloc[-31:-1].to_numpy()
    assert result.scores.loc["naive", "MAE"] == pytest.approx(abs(test - yesterday).mean())
    ratio = result.scores.loc["tutorial", "MAE"] / result.scores.loc["naive", "MAE"]
    assert result.scores.loc["tutorial", "MAE/naive"] == pytest.approx(ratio)


def test_saved_run_reloads_to_identical_forecasts(price_csv: Path, tmp_path: Path) -> None:
    result = run_experiment(_config(price_csv, model="gru", val_days=20, patience=1))
    directory = save_run(result, tmp_path / "runs" / "r1")
    assert {p.name for p in directory.iterdir()} == RUN_FILES
    reloaded = predict_from_run(directory)
    pd.testing.assert_frame_equal(reloaded.table, result.table)
    pd.testing.assert_series_equal(reloaded.next_day, result.next_day)
    metrics = json.loads((directory / "metrics.json").read_text())
    assert metrics["scores"]["gru"]["MAE"] == result.scores.loc["gru", "MAE"]
    saved = pd.read_csv(directory / "predictions.csv", index_col="date", parse_dates=True)
    assert list(saved.columns) == ["true", "predicted", "naive"]
    pd.testing.assert_series_equal(
        saved["predicted"], result.table["gru"], check_names=False, check_freq=False, atol=1e-6
    )
    config = json.loads((directory / "config.json").read_text())
    assert config["config"]["forecaster"]["model"] == "gru"
    assert config["resolved"]["transform"] == "log_return"


def test_predict_on_a_longer_file_uses_the_saved_model(
    price_csv: Path, series: pd.Series, tmp_path: Path
) -> None:
    result = run_experiment(_config(price_csv))
    directory = save_run(result, tmp_path / "run")
    longer = pd.concat(
        [
            series,
            series.iloc[-5:].set_axis(
                pd.date_range(series.index[-1] + pd.Timedelta(days=1), periods=5)
            ),
        ]
    )
    reloaded = predict_from_run(directory, write_yahoo_csv(longer, tmp_path / "longer.csv"))
    assert reloaded.next_day.index[0] == longer.index[-1] + pd.Timedelta(days=1)
    assert reloaded.table["cutoff"].iloc[0] == result.table["cutoff"].iloc[0]


def test_rerun_replaces_a_run_but_never_a_user_directory(price_csv: Path, tmp_path: Path) -> None:
    result = run_experiment(_config(price_csv))
    save_run(result, tmp_path / "run")
    save_run(result, tmp_path / "run")  # replacing an earlier run is fine
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prices.csv", "run"]
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(SeqcastError, match="exists and is not a seqcast run"):
        save_run(result, tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_too_short_for_window_and_test(tmp_path: Path, series: pd.Series) -> None:
    path = write_yahoo_csv(series.iloc[:35], tmp_path / "short.csv")
    with pytest.raises(SeqcastError, match=r"35 rows, but the window, validation and test period"):
        run_experiment(_config(path))


def test_unknown_setting_is_named() -> None:
    with pytest.raises(SeqcastError, match="unknown setting"):
        RunConfig.from_dict({"data": "x.csv", "epoch": 3})
