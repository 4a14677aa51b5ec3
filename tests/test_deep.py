"""The direct deep family: DLinear learns what it should, grouped members end where they
would alone (a plug-in architecture with dropout too), nothing reads the future, saved
models forecast alike, and bad settings are one line before any training."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from seqcast.errors import SeqcastError
from seqcast.evaluate.backtest import backtest
from seqcast.io import plain
from seqcast.models import registry
from seqcast.models.arch_settings import ARCHITECTURES
from seqcast.models.base import FitJob, clone, fit_all
from seqcast.models.baselines import NaiveForecaster
from seqcast.models.deep import DeepForecaster
from seqcast.models.deep_settings import Architecture
from seqcast.models.dlinear import DLinearForecaster
from seqcast.models.grouped_module import Dropout, GroupedModule
from seqcast.models.quantiles import PinballLoss, quantiles_for
from seqcast.vocabulary import number, quantile_columns

from .conftest import random_walk

SMALL = {"window": 12, "batch_size": 32, "val_days": 30, "kernel": 5}


def _model(**settings: Any) -> DeepForecaster:
    """DLinear, or the family's generic forecaster for another architecture (a plug-in)."""
    if settings.get("model", "dlinear") == "dlinear":
        return DLinearForecaster(**settings)
    return DeepForecaster(**{k: v for k, v in settings.items() if k != "kernel"})


class Network(nn.Module):
    """A plug-in architecture as the contract asks (a tiny MLP with dropout)."""

    def __init__(
        self, window: int, horizon: int, outputs_per_step: int, n_inputs: int, dropout: float
    ):
        super().__init__()
        self.horizon, self.per_step = horizon, outputs_per_step
        self.hidden = nn.Linear(window * n_inputs, 8)
        self.drop = Dropout(dropout)
        self.out = nn.Linear(8, horizon * outputs_per_step)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.drop(torch.relu(self.hidden(x.flatten(1))))
        return self.out(h).reshape(len(x), self.horizon, self.per_step)


def check(window: int, horizon: int, options: dict[str, Any]) -> None:
    if window < 4:
        raise SeqcastError(f"--window {window}: tinymlp needs --window 4 or more")


@pytest.fixture
def tinymlp(monkeypatch: pytest.MonkeyPatch) -> str:
    """This module's Network as an architecture of the family."""
    line = Architecture(__name__, "a test MLP", ("dropout",), {"dropout": 0.3})
    monkeypatch.setitem(ARCHITECTURES, "tinymlp", line)
    return "tinymlp"


def _sine_on_trend(n: int = 500) -> pd.Series:
    t = np.arange(n)
    prices = 100.0 * np.exp(0.001 * t + 0.05 * np.sin(2 * np.pi * t / 25))
    return pd.Series(prices, index=pd.date_range("2020-01-01", periods=n, freq="D"))


def test_dlinear_learns_a_sine_on_a_trend() -> None:
    y = _sine_on_trend(400)
    model = DLinearForecaster(window=50, kernel=9, horizon=5, epochs=15, learning_rate=0.01)
    model.set_params(val_days=60, patience=10, shrink=False).fit(y.iloc[:350])
    origins = np.arange(350, 396)
    truth = np.stack([y.to_numpy()[t : t + 5] for t in origins])
    mae = np.abs(model.predict(y, origins, 5) - truth).mean()
    naive = np.abs(y.to_numpy()[origins - 1, None] - truth).mean()
    assert mae < 0.05 * naive  # measured: 0.039 against naive's 3.22


@pytest.mark.parametrize(
    "settings",
    [
        {"model": "dlinear", "patience": 1, "epochs": 10, "shrink": True, "learning_rate": 0.01},
        {"model": "tinymlp", "patience": 1, "epochs": 10, "horizon": 3, "learning_rate": 0.01},
        {"model": "dlinear", "epochs": 3, "horizon": 3, "quantile_levels": (80.0,)},
    ],
    ids=["dlinear-early-stopping-shrink", "plugin-dropout", "dlinear-quantiles"],
)
def test_members_of_every_history_and_seed_end_where_they_would_alone(
    settings: dict, tinymlp: str
) -> None:
    series = random_walk(n=300)
    proto = _model(**{**SMALL, "shrink": False, **settings})
    histories = {end: series.iloc[:end] for end in (200, 240, 277)}
    together = [
        FitJob(clone(proto).set_params(seed=seed), h) for h in histories.values() for seed in (0, 1)
    ]
    fit_all(together)
    origins = np.arange(280, 290)
    for job in together:
        alone = clone(job.forecaster).fit(job.y)
        grouped = job.forecaster
        assert len(alone.history_) == len(grouped.history_)
        np.testing.assert_allclose(
            alone.predict(series, origins, proto.horizon),
            grouped.predict(series, origins, proto.horizon),
            rtol=1e-5,
        )
        if proto.quantile_levels:
            a = alone.predict_quantiles(series, origins, proto.horizon)[80.0]
            g = grouped.predict_quantiles(series, origins, proto.horizon)[80.0]
            np.testing.assert_allclose(a, g, rtol=1e-5)
    assert together[0].forecaster.fit_info()["group_members"] == 6
    if settings.get("patience"):  # some stopped before others, and left the group
        assert len({len(job.forecaster.history_) for job in together}) > 1


@pytest.mark.parametrize(("refit_every", "levels"), [(None, ()), (10, ()), (10, (80.0,))])
def test_changing_the_future_moves_no_earlier_forecast(
    refit_every: int | None, levels: tuple[float, ...]
) -> None:
    series, test_days, cutoff = random_walk(n=260), 40, 15

    def run(prices: pd.Series) -> pd.DataFrame:
        model = _model(**SMALL, epochs=2, horizon=3, features=("log_range",))
        model.set_params(quantile_levels=levels)
        close = prices.to_numpy()
        frame = pd.DataFrame({"high": close * 1.01, "low": close * 0.98}, index=prices.index)
        models = {"m": model, "naive": NaiveForecaster()}
        return backtest(prices, models, test_days, refit_every, horizon=3, features=frame).table

    changed = series.copy()
    changed.iloc[-test_days + cutoff :] *= 10.0
    first_changed = changed.index[-test_days + cutoff]
    before, after = run(series), run(changed)
    unchanged = before["cutoff"] < first_changed
    assert (before["date"][unchanged] >= first_changed).any()
    columns = ["cutoff", "date", "h", "m", *(c for lv in levels for c in quantile_columns("m", lv))]
    assert set(columns) <= set(before.columns)  # the heads' bounds are in the table
    pd.testing.assert_frame_equal(before[columns][unchanged], after[columns][unchanged])
    assert not np.allclose(before["m"][~unchanged], after["m"][~unchanged])  # it can fail


def test_quantile_heads_read_no_future_and_survive_saving() -> None:
    series = random_walk(n=260)
    model = _model(**SMALL, epochs=2, horizon=3, quantile_levels=(50.0, 90.0))
    model.fit(series.iloc[:-40])
    origins = np.arange(len(series) - 40, len(series))
    bounds = model.predict_quantiles(series, origins, 3)
    changed = series.copy()
    changed.iloc[-20:] *= 3.0
    moved = model.predict_quantiles(changed, origins, 3)
    early = origins <= len(series) - 20  # their windows end before the change
    for level in (50.0, 90.0):
        for side in (0, 1):
            assert np.array_equal(bounds[level][side][early], moved[level][side][early])
            assert not np.allclose(bounds[level][side][~early], moved[level][side][~early])
    meta, arrays = model.state()
    again = registry.restore(json.loads(json.dumps(plain(meta))), arrays)
    assert np.array_equal(model.predict(series, origins, 3), again.predict(series, origins, 3))
    restored = again.predict_quantiles(series, origins, 3)  # type: ignore[attr-defined]
    assert np.array_equal(bounds[90.0][1], restored[90.0][1])


def test_quantile_heads_learn_the_spread_of_a_random_walk() -> None:
    y = random_walk(n=900, seed=4)
    model = DLinearForecaster(window=20, kernel=5, horizon=3, epochs=10, learning_rate=0.01)
    model.set_params(val_days=60, patience=0, shrink=False, quantile_levels=(80.0,))
    model.fit(y.iloc[:700])
    origins = np.arange(700, 897)
    lo, hi = model.predict_quantiles(y, origins, 3)[80.0]
    truth = np.stack([y.to_numpy()[t : t + 3] for t in origins])
    cover = ((lo <= truth) & (truth <= hi)).mean(axis=0)
    assert ((cover >= 0.7) & (cover <= 0.9)).all()  # measured: 0.79, 0.76, 0.78 out of sample
    assert (hi[:, 2] - lo[:, 2] > hi[:, 0] - lo[:, 0]).mean() > 0.9  # wider further ahead


def test_the_pinball_loss_of_the_median_is_half_the_absolute_error() -> None:
    target = torch.tensor([[1.0, -2.0]])
    predicted = torch.tensor([[0.0, 0.0]])
    assert torch.allclose(PinballLoss((0.5,))(predicted, target), 0.5 * (target).abs())
    assert quantiles_for((80.0, 95.0)) == pytest.approx((0.5, 0.1, 0.9, 0.025, 0.975))
    two = PinballLoss((0.1, 0.9))(torch.tensor([[0.0, 0.0]]), torch.tensor([[1.0]]))
    assert torch.allclose(two, torch.tensor([[(0.1 * 1 + 0.9 * 1) / 2]]))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"kernel": 30, "window": 20}, "--window 20 is shorter than DLinear's --kernel 30; use"),
        ({"kernel": 0}, "--kernel 0: DLinear's moving average needs at least 1 day"),
        ({"model": "nbeatsx"}, "unknown direct deep model 'nbeatsx'"),
        ({"val_days": 2, "horizon": 5, "shrink": False}, "use --val-days 5 or more, or 0"),
        ({"val_days": 20, "shrink": True}, "use --val-days 30 or more, or --no-shrink"),
        ({"transform": "pct_change", "quantile_levels": (80.0,)}, "quantile heads need"),
        ({"quantile_levels": (0.8,)}, "quantile level 0.8: a percentage from 1 to 100"),
        ({"model": "tinymlp", "dropout": 1.0}, "--dropout 1: a rate from 0 up to"),
        ({"model": "tinymlp", "window": 3}, "--window 3: tinymlp needs --window 4 or more"),
        ({"epochs": 0}, "--epochs 0: at least 1"),
        ({"optimizer": "lbfgs"}, "--optimizer 'lbfgs': choose one of"),
        ({"learning_rate": -1.0}, "--lr -1: the learning rate must be above 0"),
    ],
)
def test_bad_settings_are_one_line_before_any_training(
    settings: dict, message: str, tinymlp: str
) -> None:
    model = _model(**{**SMALL, **settings})
    with pytest.raises(SeqcastError, match=message.replace("(", r"\(")) as caught:
        model.fit(random_walk(n=200))
    assert "\n" not in str(caught.value)
    assert not hasattr(model, "networks_")


def test_the_registry_makes_presets_and_ensembles() -> None:
    model = registry.make("dlinear*3", {"kernel": 7, "layers": "gru:4, dense:1"})
    assert isinstance(model, DLinearForecaster)
    assert (model.ensemble, model.kernel, model.name) == (3, 7, "dlinear*3")
    assert registry.family_of("dlinear").name == "dlinear"
    assert not hasattr(registry.make("nbeats"), "kernel")  # DLinear's own setting
    assert set(registry.space("dlinear")) >= {"window", "kernel", "learning_rate"}


def test_a_grouped_module_refuses_what_would_tie_members_together() -> None:
    with pytest.raises(TypeError, match=r"uses nn\.Dropout"):
        GroupedModule(lambda: nn.Sequential(nn.Linear(4, 2), nn.Dropout(0.1)), [0], 4, 1, 2)
    with pytest.raises(TypeError, match="persistent buffers"):
        GroupedModule(lambda: nn.Sequential(nn.Linear(4, 2), nn.BatchNorm1d(2)), [0], 4, 1, 2)


def test_a_member_starts_from_its_own_seed_and_leaves_the_global_stream_alone() -> None:
    def build() -> nn.Module:
        return nn.Linear(4, 2)

    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    grouped = GroupedModule(build, [5, 6], 4, 1, 2)
    assert torch.equal(torch.rand(1), expected)  # the process's stream untouched
    alone = GroupedModule(build, [6], 4, 1, 2)
    for key, value in alone.state_dict().items():
        assert torch.equal(grouped.state_dict()[key][1], value[0])
        assert not torch.equal(grouped.state_dict()[key][0], value[0])


def test_compare_with_dlinear_writes_a_report(price_csv: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from seqcast.cli.app import app

    args = ["compare", "--data", str(price_csv), "--models", "naive,dlinear", "--seeds", "2"]
    args += ["--epochs", "2", "--window", "20", "--kernel", "5", "--horizon", "3"]
    args += ["--test-days", "20", "--val-days", "30", "--out", str(tmp_path / "cmp"), "-q"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "dlinear" in result.output and "naive forecast" in result.output
    assert (tmp_path / "cmp" / "report.html").is_file()
    run = ["run", "--data", str(price_csv), "--model", "dlinear", *args[5:-3], "-q"]
    ran = CliRunner().invoke(app, [*run, "--runs-dir", str(tmp_path / "runs"), "--name", "d"])
    assert ran.exit_code == 0, ran.output
    again = CliRunner().invoke(app, ["predict", "--run", str(tmp_path / "runs" / "d")])
    assert again.exit_code == 0, again.output
    saved = json.loads((tmp_path / "runs" / "d" / "results.json").read_text())
    mae = next(row["MAE"] for row in saved["summary"] if row["model"] == "dlinear")
    assert number(mae) in again.output  # the saved model forecasts the test days again
    bad = CliRunner().invoke(app, [*args[:-3], "--kernel", "40", "--out", str(tmp_path / "no")])
    assert bad.exit_code == 2 and "use --window 40 or more" in bad.output
    assert "Traceback" not in bad.output and not (tmp_path / "no").exists()


def test_dlinear_is_tuned_through_its_own_space(tmp_path: Path) -> None:
    from seqcast.data.load import read_prices
    from seqcast.io import read_toml
    from seqcast.options import Dimension
    from seqcast.tune.search import Folds
    from seqcast.tune.tuning import Tuning

    from .conftest import write_yahoo_csv

    fixed = {"window": 20, "epochs": 2, "val_days": 40}
    space = {k: Dimension(k, choices=(v,)) for k, v in fixed.items()}
    space["kernel"] = Dimension("kernel", choices=(3, 5))
    data = read_prices(write_yahoo_csv(random_walk(330, seed=3), tmp_path / "p.csv"))
    tuning = Tuning("dlinear", trials=2, space=space, folds=Folds(2, 40, 30), seeds=(0,))
    tuning.run(data, tmp_path / "t", report=False)
    best = read_toml(tmp_path / "t" / "best.toml")
    assert best["model"] == "dlinear" and best["kernel"] in (3, 5)
    assert isinstance(registry.make(str(tmp_path / "t" / "best.toml")), DLinearForecaster)


def test_a_dlinear_saved_under_its_old_class_name_loads() -> None:
    """Runs saved before DLinear was a family of its own name the class DeepForecaster."""
    model = DLinearForecaster(**SMALL, epochs=1).fit(random_walk(n=120))
    meta, arrays = model.state()
    again = registry.restore({**meta, "class": "DeepForecaster"}, arrays)
    assert isinstance(again, DLinearForecaster)
    series = random_walk(n=120)
    np.testing.assert_array_equal(again.predict(series, [100]), model.predict(series, [100]))
