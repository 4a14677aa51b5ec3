"""Intervals from quantile heads: `quantile` uses them as they are, `cqr` conformalises them on
the calibration days without reading past any cutoff; a learning model without heads is
refused; a run with heads saves and replays to the same intervals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seqcast import runs
from seqcast.data.load import Loaded
from seqcast.errors import SeqcastError
from seqcast.evaluate.intervals import add_intervals, volatility
from seqcast.experiment import Experiment
from seqcast.models import registry
from seqcast.settings import Evaluation
from seqcast.vocabulary import interval_columns, quantile_columns

from .conftest import random_walk


def _heads_table(n: int = 400, squeeze: float = 0.5, seed: int = 0) -> pd.DataFrame:
    """One-day forecasts of log-normal noise around 100 whose 80% heads are `squeeze`
    times too narrow: cutoff, date, h, y, m and m's quantile columns."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2021-01-01", periods=n + 1, freq="D")
    y = 100.0 * np.exp(0.02 * rng.standard_normal(n))
    half = squeeze * 1.2816 * 0.02  # the true 80% half-width on the log scale, squeezed
    lo, hi = quantile_columns("m", 80.0)
    table = pd.DataFrame(
        {"cutoff": dates[:-1], "date": dates[1:], "h": 1, "y": y, "m": 100.0}
        | {lo: 100.0 * np.exp(-half), hi: 100.0 * np.exp(half)}
    )
    return table


def _intervals(table: pd.DataFrame, method: str, split: int = 200) -> pd.DataFrame:
    prices = pd.Series(100.0, index=pd.date_range("2020-12-31", periods=len(table) + 2))
    calibration, test = table.iloc[:split], table.iloc[split:].reset_index(drop=True)
    return add_intervals(test, calibration, ["m"], (80.0,), method, 150, volatility(prices))


def test_cqr_corrects_heads_that_are_too_narrow_and_quantile_keeps_them() -> None:
    lo, hi = interval_columns("m", 80.0)
    raw, cqr = _intervals(_heads_table(), "quantile"), _intervals(_heads_table(), "cqr")
    inside = {
        name: ((t[lo] <= t["y"]) & (t["y"] <= t[hi])).mean()
        for name, t in [("raw", raw), ("cqr", cqr)]
    }
    assert inside["raw"] < 0.6  # half as wide as the truth's 80% interval
    assert 0.72 <= inside["cqr"] <= 0.88  # conformalised: near the promised 80%
    assert (cqr[hi] - cqr[lo] > raw[hi] - raw[lo]).all()


def test_cqr_adaptive_comes_back_to_the_level_when_the_market_calms() -> None:
    """Heads right for a volatile calibration period, then a calm test period (BTC's
    selection year, in miniature): `cqr`'s correction over a year of scores keeps the old
    width and over-covers; ACI steering the same scores' quantile comes back near 80%."""
    lo, hi = interval_columns("m", 80.0)
    prices = pd.Series(100.0, index=pd.date_range("2020-12-31", periods=902))
    for seed in (0, 1, 2):
        rng = np.random.default_rng(seed)
        sd = np.where(np.arange(900) < 400, 0.03, 0.01)  # calm from the test's first day
        table = _heads_table(n=900, squeeze=1.5, seed=seed)  # heads 1.5 x 0.02's: 0.03's
        table["y"] = 100.0 * np.exp(sd * rng.standard_normal(900))
        calibration, test = table.iloc[:400], table.iloc[400:].reset_index(drop=True)
        found = {}
        for method in ("cqr", "cqr-adaptive"):
            t = add_intervals(test, calibration, ["m"], (80.0,), method, 365, volatility(prices))
            found[method] = float(((t[lo] <= t["y"]) & (t["y"] <= t[hi])).mean())
        assert found["cqr"] > 0.9, found  # the fixed correction over-covers
        assert abs(found["cqr-adaptive"] - 0.8) < 0.06, found
        assert found["cqr"] - found["cqr-adaptive"] > 0.05, found


@pytest.mark.parametrize("method", ["cqr", "cqr-adaptive"])
def test_a_cqr_interval_reads_no_truth_after_its_cutoff(method: str) -> None:
    table = _heads_table()
    changed = table.copy()
    when = table["date"].iloc[300]
    changed.loc[changed["date"] >= when, "y"] *= 5.0
    before, after = _intervals(table, method), _intervals(changed, method)
    lo, hi = interval_columns("m", 80.0)
    earlier = before["cutoff"] < when  # their known truths all end before the change
    for name in (lo, hi):
        assert np.array_equal(before[name][earlier], after[name][earlier])
    assert not np.allclose(before[hi][~earlier], after[hi][~earlier])  # the check can fail


def _small(settings: dict | None = None) -> dict:
    return {"window": 20, "kernel": 5, "epochs": 2, "val_days": 40, **(settings or {})}


def test_a_learning_model_without_heads_is_refused_before_training() -> None:
    evaluation = Evaluation(test_days=30, levels=(80.0,), intervals="cqr", calibration_days=60)
    gru = registry.make("gru", {"window": 10, "epochs": 1, "layers": "gru:4, dense:1"})
    experiment = Experiment({"gru": gru}, evaluation)
    with pytest.raises(SeqcastError, match="gru has no quantile heads; use a direct deep"):
        experiment.run(Loaded(random_walk(n=300), "yahoo", source="generated"))


def test_a_run_with_heads_saves_and_replays_its_intervals(tmp_path: Path) -> None:
    evaluation = Evaluation(
        test_days=30, horizon=2, levels=(80.0,), intervals="cqr", calibration_days=60
    )
    model = registry.make("dlinear", _small())
    data = Loaded(random_walk(n=360), "yahoo", source="generated")
    experiment = Experiment({"dlinear": model}, evaluation)
    assert experiment.runs()["dlinear"]["dlinear@0"].get_params()["quantile_levels"] == (80.0,)
    result = experiment.run(data)
    assert result.intervals is not None
    columns = set(result.table.columns)
    assert set(quantile_columns("dlinear@0", 80.0)) <= columns  # the heads' own bounds
    assert set(interval_columns("naive", 80.0)) <= columns  # naive: conformal beside them
    assert result.next_days is not None and "dlinear-hi-80" in result.next_days
    assert result.next_days["dlinear-hi-80"].notna().all()
    directory = runs.save(result, tmp_path / "r")
    loaded = runs.load(directory)
    pd.testing.assert_frame_equal(loaded.table, result.table)
    pd.testing.assert_frame_equal(loaded.next_days, result.next_days)


@pytest.mark.parametrize("method", ["quantile", "cqr", "cqr-adaptive"])
def test_serve_answers_what_seqcast_forecast_gives(method: str, tmp_path: Path) -> None:
    from seqcast.data.load import read_prices
    from seqcast.serve.forecast import check_request, forecast
    from seqcast.serve.series import Item
    from seqcast.serve.served import load

    from .conftest import write_yahoo_csv

    walk = random_walk(n=360, seed=5)
    short = write_yahoo_csv(walk.iloc[:330], tmp_path / "short.csv")
    longer = write_yahoo_csv(walk, tmp_path / "longer.csv")  # 30 newer days join CQR's pool
    evaluation = Evaluation(
        test_days=30, horizon=3, levels=(80.0, 95.0), intervals=method, calibration_days=60
    )
    models = {"dlinear": registry.make("dlinear", _small()), "drift": registry.make("drift")}
    result = Experiment(models, evaluation).run(read_prices(short))
    directory = runs.save(result, tmp_path / "r", report=False)
    served = load("r", directory)
    for label in ("dlinear", "drift"):  # drift has no heads: conformal beside them
        loaded = read_prices(longer)
        horizon, levels, _ = check_request(served, 3, None, label)
        item = Item("x", loaded.series, loaded.frame)
        answer = forecast(served, [item], horizon, levels, label)[0]
        expected = runs.forecast_next(directory, longer, 3, model=label)[0].table
        for column in expected.columns[1:]:
            np.testing.assert_allclose(answer[column], expected[column], rtol=1e-9, atol=0)
        assert np.isfinite(np.array(answer["hi-95"], dtype=float)).all()


def test_the_cli_refuses_quantile_intervals_of_a_recursive_model(
    price_csv: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from seqcast.cli.app import app

    args = ["run", "--data", str(price_csv), "--model", "gru", "--window", "10", "--levels", "80"]
    args += ["--intervals", "quantile", "--runs-dir", str(tmp_path / "runs"), "-q"]
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code == 2
    assert "--intervals quantile: gru has no quantile heads" in refused.output
    assert "Traceback" not in refused.output and not (tmp_path / "runs").exists()


def test_cqr_adaptive_forecasts_the_next_day_as_the_next_test_day() -> None:
    """The day after the data ends gets the interval a run one day longer gives its last
    test day: ACI's level goes on over the known forecasts, heads included."""
    walk = random_walk(n=331, seed=7)
    found = []
    for days, test in ((330, 30), (331, 31)):
        evaluation = Evaluation(
            test_days=test, levels=(80.0,), intervals="cqr-adaptive", calibration_days=60
        )
        model = registry.make("dlinear", _small({"shrink": False}))
        result = Experiment({"dlinear": model}, evaluation).run(Loaded(walk.iloc[:days], "x"))
        found.append(result)
    ahead, longer = found
    last = longer.table[longer.table["h"] == 1].iloc[-1]
    run = longer.columns["dlinear"][0]  # its one seed's column
    sides = zip(interval_columns("dlinear", 80.0), interval_columns(run, 80.0), strict=True)
    for label, column in sides:
        assert ahead.next_days[label].iloc[0] == pytest.approx(last[column], rel=1e-9)
