"""Warm-started refits: a chain's refits go on from the fit before (its weights, optimizer
state and first scales), step k of every seed's chain trains as one group and each ends
where it would alone, and --warm-start is refused where it cannot mean anything."""

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

from seqcast.cli.app import app
from seqcast.errors import SeqcastError
from seqcast.evaluate.backtest import Walk
from seqcast.experiment import Experiment
from seqcast.models.base import FitJob, fit_all, waves
from seqcast.models.baselines import DriftForecaster, NaiveForecaster
from seqcast.models.networks import SpecNet
from seqcast.models.neural import NeuralForecaster
from seqcast.models.optim import GroupedOptimizer
from seqcast.models.spec import parse_layers
from seqcast.models.train import Carry, MemberData, TrainConfig, fit_members
from seqcast.settings import Evaluation

from .conftest import TINY, random_walk, write_yahoo_csv

# a small GRU with the gru preset's choices (log returns, MAE, early stopping, shrinkage)
SMALL = {**TINY, "layers": "gru:6, dropout:0.2, dense:1", "val_days": 30, "patience": 2}
SMALL |= {"epochs": 4, "warm_epochs": 2, "shrink": True}


def _chain(forecasters: dict, series: pd.Series, test_days: int = 6) -> list[list[FitJob]]:
    """A warm walk-forward refit every day, fitted; each model's jobs in refit order."""
    walk = Walk(series, forecasters, test_days, refit_every=1, warm_start=True)
    fit_all(walk.jobs())
    return [[job for _, n, job in walk.planned if n == name] for name in forecasters]


def test_waves_put_each_step_after_the_one_it_continues() -> None:
    series = random_walk(n=50)
    a0 = FitJob(NaiveForecaster(), series)
    a1 = FitJob(NaiveForecaster(), series, previous=a0)
    a2 = FitJob(NaiveForecaster(), series, previous=a1)
    b0, lone = FitJob(NaiveForecaster(), series), FitJob(NaiveForecaster(), series)
    b1 = FitJob(NaiveForecaster(), series, previous=b0)
    assert waves([a2, b1, a1, lone, a0, b0]) == [[lone, a0, b0], [b1, a1], [a2]]


def test_a_members_optimizer_state_goes_to_another_slot_as_it_was() -> None:
    params = [torch.nn.Parameter(torch.randn(3, 4, 5))]
    optimizer = GroupedOptimizer("adam", params, 3)
    for _ in range(2):
        params[0].grad = torch.randn(3, 4, 5)
        optimizer.step()
    moments = optimizer.member(1)
    other = GroupedOptimizer("adam", [torch.nn.Parameter(torch.zeros(2, 4, 5))], 2)
    other.load_member(0, moments)
    assert int(other.steps[0]) == 2 and int(other.steps[1]) == 0
    for mine, theirs in zip(optimizer.state, other.state, strict=True):
        assert torch.equal(mine[0][1], theirs[0][0]) and not theirs[0][1].any()


@pytest.mark.slow
def test_a_warm_chain_goes_on_from_each_fit_with_its_first_scales() -> None:
    series = random_walk(n=260)
    series.iloc[-33:] *= 1.5  # a jump the last refit's scaling part has, and the first's not
    [jobs] = _chain({"m": NeuralForecaster(**SMALL)}, series)
    fitted = [job.forecaster for job in jobs]
    assert "warm" not in fitted[0].fit_info() and all(f.fit_info()["warm"] for f in fitted[1:])
    assert all(len(f.history_) <= SMALL["warm_epochs"] for f in fitted[1:])
    first = fitted[0].inputs_.state()
    assert all(f.inputs_.state() == first for f in fitted)  # the scales of the first fit
    # the optimizer goes on counting: each refit's steps add to the one before's
    steps = [f.moments_[0].steps for f in fitted]
    assert all(later > earlier for earlier, later in itertools.pairwise(steps))
    # ...and a cold refit of the same history would have scaled it on its own
    cold = NeuralForecaster(**SMALL).fit(jobs[-1].y)
    assert cold.inputs_.state() != first


@pytest.mark.slow
def test_seeds_of_a_warm_chain_train_together_and_end_as_they_would_alone() -> None:
    series = random_walk(n=260, seed=3)
    models = {f"s{s}": NeuralForecaster(**SMALL, seed=s) for s in (0, 1, 2)}
    together = _chain(models, series)
    assert all(f.forecaster.fit_info()["group_members"] == 3 for f in together[0])
    [alone] = _chain({"s1": NeuralForecaster(**SMALL, seed=1)}, series)
    origins = np.arange(250, 260)
    for grouped, single in zip(together[1], alone, strict=True):
        assert len(grouped.forecaster.history_) == len(single.forecaster.history_)
        np.testing.assert_allclose(
            grouped.forecaster.predict(series, origins),
            single.forecaster.predict(series, origins),
            rtol=1e-5,
        )


def test_warm_start_is_refused_with_a_sliding_window() -> None:
    with pytest.raises(SeqcastError, match="--warm-start with --train-days 200"):
        Evaluation(warm_start=True, refit_every=1, train_days=200)


@pytest.mark.parametrize(
    ("models", "said"),
    [
        ({"drift": DriftForecaster()}, "none of the models can"),
        ({"gru": NeuralForecaster(**SMALL)}, None),
    ],
)
def test_warm_start_needs_models_that_can(models: dict, said: str | None) -> None:
    experiment = Experiment(models, Evaluation(test_days=5, refit_every=1, warm_start=True))
    runs = experiment.runs()
    check = lambda: experiment._check(runs, random_walk(n=300), "x.csv", 5, 0)  # noqa: E731
    if said is None:
        check()
        return
    with pytest.raises(SeqcastError, match=said) as refused:
        check()
    assert "neural (tutorial, mlp, rnn, lstm, gru" in str(refused.value)  # read from tags


def test_a_family_that_learns_but_cannot_warm_start_is_named(monkeypatch) -> None:
    # a stand-in for arima or boost (their extras may be missing here): stateful, not warm
    class Learns(DriftForecaster):
        TAGS = frozenset({"stateful"})

    experiment = Experiment(
        {"learns": Learns(), "gru": NeuralForecaster(**SMALL)},
        Evaluation(test_days=5, refit_every=1, warm_start=True),
    )
    with pytest.raises(SeqcastError, match="--warm-start: learns cannot start a refit"):
        experiment._check(experiment.runs(), random_walk(n=300), "x.csv", 5, 0)


def test_the_cli_refuses_warm_start_in_one_line(tmp_path: Path) -> None:
    csv = tmp_path / "p.csv"
    write_yahoo_csv(random_walk(n=300), csv)
    runner = CliRunner()
    for extra in (["--model", "drift"], ["--train-days", "100"]):
        args = ["run", "--data", str(csv), "--warm-start", "--refit-every", "1", *extra]
        result = runner.invoke(app, [*args, "--test-days", "5", "--quiet"])
        assert result.exit_code == 2, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and "--warm-start" in lines[0]


def test_a_warm_member_keeps_its_start_when_no_epoch_beats_it() -> None:
    # the start (all weights 0) forecasts 0, exactly the validation targets: no epoch can beat
    # it, while a cold member's first epoch is its best yet whatever it scores
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 8, 1)).astype(np.float32)
    data = MemberData(X, rng.normal(size=(64, 1)), (X[:16], np.zeros((16, 1))))
    config = TrainConfig(4, 16, "rmsprop", None, "mae", True, patience=1)
    net = SpecNet(parse_layers("gru:4, dense:1"), window=8, seeds=[0, 1])
    with torch.no_grad():
        for param in net.parameters():
            param.zero_()
    start = GroupedOptimizer("rmsprop", net.parameters(), 1).member(0)
    carry = Carry([start, None])  # member 0 goes on from the zeros; member 1 starts cold
    histories, finals = fit_members(net, [data, data], config, carry=carry)
    assert len(histories[0]) == 1 and histories[0][0].val_loss > 0  # one worse epoch: stop
    assert all(not p.any() for p in finals[0].parameters())  # ...back to its start
    assert any(p.any() for p in finals[1].parameters())  # the cold one kept its epoch
    assert carry.ended[0].steps == 64 // 16  # and hands on the optimizer of its one epoch


def test_the_test_periods_chain_starts_cold_and_only_warm_models_chain() -> None:
    series = random_walk(n=300)
    models = {"m": NeuralForecaster(**SMALL), "naive": NaiveForecaster()}
    walk = Walk(series, models, 5, refit_every=2, calibration_days=4, warm_start=True)
    chained = [(origin, job.previous) for origin, name, job in walk.planned if name == "m"]
    origins = [origin for origin, _ in chained]
    assert origins == [291, 293, 295, 297, 299]  # calibration's fits, then the test's
    assert [previous is None for _, previous in chained] == [True, False, True, False, False]
    assert all(job.previous is None for _, name, job in walk.planned if name == "naive")


@pytest.mark.slow
def test_a_direct_deep_models_warm_chain_goes_on_and_seeds_end_as_alone() -> None:
    """The direct deep families warm-start as the layer lists do: each refit from the one
    before (its first scales, its optimizer's steps counting on), seeds trained together
    ending as each would alone."""
    from seqcast.models.dlinear import DLinearForecaster

    series = random_walk(n=260, seed=4)
    small = {"window": 12, "kernel": 5, "val_days": 30, "epochs": 4, "warm_epochs": 2}
    small |= {"patience": 2, "horizon": 3}
    models = {f"s{s}": DLinearForecaster(**small, seed=s) for s in (0, 1)}
    together = _chain(models, series)
    fitted = [job.forecaster for job in together[1]]
    assert all(f.fit_info()["warm"] for f in fitted[1:])
    assert all(f.inputs_.state() == fitted[0].inputs_.state() for f in fitted)
    steps = [f.moments_[0].steps for f in fitted]
    assert all(later > earlier for earlier, later in itertools.pairwise(steps))
    [alone] = _chain({"s1": DLinearForecaster(**small, seed=1)}, series)
    origins = np.arange(250, 258)
    for grouped, single in zip(together[1], alone, strict=True):
        np.testing.assert_allclose(
            grouped.forecaster.predict(series, origins, 3),
            single.forecaster.predict(series, origins, 3),
            rtol=1e-5,
        )
