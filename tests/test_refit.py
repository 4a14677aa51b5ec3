"""Refits in production (`track --refit`, runs/refit.py): a saved run refitted on newer data
is the backtest's next refit (warm or cold, a selector's choice included), sees nothing after
its cutoff, keeps the superseded models' forecasts as its live record, and refuses a schedule
its backtest did not score."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

from seqcast import runs
from seqcast.cli.app import app
from seqcast.data.load import read_prices
from seqcast.errors import SeqcastError
from seqcast.experiment import Experiment
from seqcast.models import registry
from seqcast.models.auto import AutoForecaster
from seqcast.settings import Evaluation

from .conftest import TINY, random_walk, write_yahoo_csv

GRU = {**TINY, "layers": "gru:6, dropout:0.2, dense:1", "epochs": 3, "warm_epochs": 2}
DLINEAR = {"window": 12, "kernel": 5, "val_days": 30, "epochs": 3, "warm_epochs": 2}
MODELS = {"gru": GRU, "dlinear": DLINEAR}
_t = np.arange(330)  # a cycle a network learns more of with every epoch, over a random walk
SERIES = random_walk(330, seed=5) * np.exp(0.05 * np.sin(2 * np.pi * _t / 15))


def _run(folder: Path, days: int, test_days: int, warm: bool, models: dict | None = None) -> Path:
    """A run on the first `days` of SERIES: refit every 30 days, two seeds."""
    data = write_yahoo_csv(SERIES.iloc[:days], folder / f"data-{days}.csv")
    made = models or {"gru": registry.make("gru", GRU)}
    evaluation = Evaluation(test_days=test_days, refit_every=30, warm_start=warm)
    result = Experiment(made, evaluation, seeds=(0, 1)).run(read_prices(data))
    return runs.save(result, folder / f"run-{days}", report=False)


def _forecasts(result: runs.store.Result, series: pd.Series) -> dict[str, np.ndarray]:
    origins = np.arange(300, len(series))
    return {c: result.fitted[c].predict(series, origins, 1, None) for c in result.runs}


@pytest.mark.parametrize(
    ("warm", "model"),
    [(True, "gru"), (False, "gru"), (True, "dlinear")],
)
def test_a_refit_in_production_is_the_backtests_next_refit(
    tmp_path: Path, warm: bool, model: str
) -> None:
    """A run on 290 days (fits at days 240 and 270) refitted on 320 days makes the fit at
    day 300; a run on the 320 days, tested on the same first day, made that fit in its
    backtest. Their models forecast alike, and the live record holds the 270 fit's forecasts
    of days 290..299 as that backtest's table has them."""
    models = {model: registry.make(model, MODELS[model])}
    run = _run(tmp_path, 290, 50, warm, models)
    newer = write_yahoo_csv(SERIES.iloc[:320], tmp_path / "newer.csv")
    before = runs.load(run)
    refitted = runs.refit(run, newer)
    assert refitted.cutoffs == [str(SERIES.index[299].date())] and refitted.warm == warm
    mine, theirs = runs.load(run), runs.load(_run(tmp_path, 320, 80, warm, models))
    for column in mine.runs:  # the refit learnt something: the test can tell starts apart
        new, old = _forecasts(mine, SERIES)[column], _forecasts(before, SERIES)[column]
        assert column == "naive" or not np.allclose(new, old)
    for column, forecasts in _forecasts(mine, SERIES).items():
        np.testing.assert_allclose(forecasts, _forecasts(theirs, SERIES)[column], rtol=1e-6)
    assert mine.live is not None and len(mine.live) == 10
    served = theirs.table[theirs.table["cutoff"].isin(mine.live["cutoff"])]
    np.testing.assert_allclose(mine.live[mine.runs], served[mine.runs], rtol=1e-9)
    assert mine.settings["fitted_until"] == refitted.cutoffs[0]
    assert runs.refit(run, newer).cutoffs == []  # nothing more is due on these days


def test_a_refit_sees_nothing_after_its_cutoff(tmp_path: Path) -> None:
    """Days after the refit's cutoff changed: the refitted weights and every forecast of the
    live record are the same to the bit (only their truths differ)."""
    run = _run(tmp_path, 290, 50, True)
    other = tmp_path / "other"
    other.mkdir()
    (other / "run").mkdir()
    for file in run.iterdir():  # the same saved run, twice
        if file.is_file():
            (other / "run" / file.name).write_bytes(file.read_bytes())
    (other / "run" / "models").mkdir()
    for file in (run / "models").iterdir():
        (other / "run" / "models" / file.name).write_bytes(file.read_bytes())
    changed = SERIES.iloc[:320].copy()
    changed.iloc[300:] *= 1.3
    runs.refit(run, write_yahoo_csv(SERIES.iloc[:320], tmp_path / "a.csv"))
    runs.refit(other / "run", write_yahoo_csv(changed, tmp_path / "b.csv"))
    a, b = runs.load(run), runs.load(other / "run")
    for column in a.runs:
        assert a.fitted[column].state()[1].keys() == b.fitted[column].state()[1].keys()
        for name, array in a.fitted[column].state()[1].items():
            np.testing.assert_array_equal(array, b.fitted[column].state()[1][name])
    assert a.live is not None and b.live is not None
    pd.testing.assert_frame_equal(a.live[a.runs], b.live[b.runs])


def test_a_selector_chooses_again_as_its_backtest_would(tmp_path: Path) -> None:
    models = {"auto": AutoForecaster(candidates=("drift",), validation_days=40)}
    run = _run(tmp_path, 290, 50, False, models)
    runs.refit(run, write_yahoo_csv(SERIES.iloc[:320], tmp_path / "newer.csv"))
    mine = runs.load(run).settings["selections"]["auto"]["fits"]
    theirs = runs.load(_run(tmp_path, 320, 80, False, models)).settings["selections"]["auto"]
    assert [f["cutoff"] for f in mine] == [f["cutoff"] for f in theirs["fits"]]
    for a, b in zip(mine, theirs["fits"], strict=True):
        assert a["chosen"] == b["chosen"]
        assert a["auto/drift p"] == pytest.approx(b["auto/drift p"], rel=1e-9)


def test_the_saved_optimizer_state_comes_back_as_it_was(tmp_path: Path) -> None:
    """The optimizer state a warm refit goes on from is saved and loaded to the bit."""
    run = _run(tmp_path, 290, 50, True)
    result = runs.load(run)
    trained = registry.make("gru", GRU).fit(SERIES.iloc[:200])
    for column in ("gru@0", "gru@1"):
        assert result.fitted[column].state()[0]["optimizer_steps"][0] > 0
    meta, arrays = trained.state()
    again = registry.restore(meta, arrays)
    assert again.moments_[0].steps == trained.moments_[0].steps > 0
    pairs = zip(again.moments_[0].state, trained.moments_[0].state, strict=True)
    tensors = [(a, b) for mine, theirs in pairs for a, b in zip(mine, theirs, strict=True)]
    assert all(torch.equal(a, b) for a, b in tensors)
    assert any(a.abs().sum() > 0 for a, _ in tensors)  # a state there is to lose


def test_a_schedule_the_backtest_did_not_score_is_refused(tmp_path: Path) -> None:
    cold = _run(tmp_path, 290, 50, False)
    newer = write_yahoo_csv(SERIES.iloc[:320], tmp_path / "newer.csv")
    with pytest.raises(SeqcastError, match="--refit-every 7: run run-290 was backtested"):
        runs.refit(cold, newer, refit_every=7)
    with pytest.raises(SeqcastError, match="--warm-start: run run-290 was backtested with cold"):
        runs.refit(cold, newer, warm_start=True)
    other = write_yahoo_csv(random_walk(320, seed=9, start="2019-01-01"), tmp_path / "o.csv")
    with pytest.raises(SeqcastError, match=r"has no 20.*, the last day the run's models"):
        runs.refit(cold, other)
    data = write_yahoo_csv(SERIES.iloc[:290], tmp_path / "once.csv")
    once = Experiment({"drift": registry.make("drift")}, Evaluation(test_days=50))
    run = runs.save(once.run(read_prices(data)), tmp_path / "once", report=False)
    with pytest.raises(SeqcastError, match="fits once"):
        runs.refit(run, newer)


def test_track_refits_then_publishes_and_refuses_in_one_line(tmp_path: Path) -> None:
    run = _run(tmp_path, 290, 50, True)
    newer = write_yahoo_csv(SERIES.iloc[:320], tmp_path / "newer.csv")
    book = str(tmp_path / "ledger.db")
    base = ["track", "--run", str(run), "--data", str(newer), "--ledger", book]
    runner = CliRunner()
    refused = runner.invoke(app, [*base, "--refit", "--no-warm-start"])
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert "--no-warm-start: run run-290 was backtested with warm refits" in refused.output
    alone = runner.invoke(app, [*base, "--warm-start"])
    assert alone.exit_code == 2 and "go with --refit" in alone.output
    done = runner.invoke(app, [*base, "--refit", "--warm-start", "--json"])
    assert done.exit_code == 0, done.output
    assert runs.load(run).settings["refits"] == [
        {"cutoff": str(SERIES.index[299].date()), "warm": True}
    ]


def test_a_refitted_run_serves_what_forecast_computes_with_its_live_record(
    tmp_path: Path,
) -> None:
    """After a refit, the intervals calibrate on the run's errors, the replaced models' live
    record and the new models' own since; serve answers as `seqcast forecast` does."""
    import httpx

    from seqcast.serve.app import create_app
    from seqcast.serve.catalog import Catalog
    from seqcast.serve.served import load as load_served

    from .test_serve import AUTH, KEY, Server, assert_same_as_forecast, series_body

    data = write_yahoo_csv(SERIES.iloc[:290], tmp_path / "data.csv")
    evaluation = Evaluation(
        test_days=50, refit_every=30, warm_start=True, levels=(80.0,), calibration_days=60
    )
    models = {"gru": registry.make("gru", GRU)}
    result = Experiment(models, evaluation, seeds=(0,)).run(read_prices(data))
    run = runs.save(result, tmp_path / "run", report=False)
    newer = write_yahoo_csv(SERIES.iloc[:325], tmp_path / "newer.csv")
    assert runs.refit(run, newer).cutoffs == [str(SERIES.index[299].date())]
    refitted = runs.load(run)
    assert refitted.live is not None and len(refitted.live) == 10  # days 290..299, one ahead
    assert refitted.live[refitted.runs].notna().all().all()
    served = load_served("run", run)  # what serve calibrates on: the live record included
    assert served.last_cutoff == refitted.live["cutoff"].max()
    errors = served.errors[(refitted.runs[-1], 1)]
    kept = np.isin(errors.date, refitted.live["date"].to_numpy(dtype="datetime64[ns]"))
    assert kept.sum() == 10 and refitted.runs[-1].startswith("gru")
    np.testing.assert_array_equal(errors.forecast[kept], refitted.live[refitted.runs[-1]])
    with (
        Server(create_app(Catalog([run]), api_key=KEY)) as server,
        httpx.Client(base_url=server.url, headers=AUTH, timeout=60) as client,
    ):
        body = {"inputs": [series_body(read_prices(newer))], "parameters": {"prediction_length": 1}}
        answer = client.post("/v1/models/run/forecast", json=body)
        assert answer.status_code == 200, answer.text
    assert_same_as_forecast(answer.json()["predictions"][0], run, newer, 1)
