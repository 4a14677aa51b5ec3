"""N-BEATS, N-HiTS, TCN and PatchTST as forecasters: each learns a sine on a trend, grouped
members end where they would alone, nothing reads the future, saved models forecast alike,
quantile heads, and bad settings are one line before any training (exit 2 at the CLI)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from seqcast.errors import SeqcastError
from seqcast.evaluate.backtest import backtest
from seqcast.io import plain
from seqcast.models import registry
from seqcast.models.arch_settings import ARCHITECTURES
from seqcast.models.base import FitJob, clone, fit_all
from seqcast.models.baselines import NaiveForecaster

from .conftest import random_walk

# Small networks of every architecture (the presets' shapes, narrower): seconds on 2 cores.
SMALL = {
    "nbeats": {"nbeats_units": 16},
    "nbeats-i": {"nbeats_units": 16, "nbeats_blocks": 2},
    "nhits": {"nhits_units": 16, "nhits_pooling": (4, 2, 1)},
    "tcn": {"tcn_channels": 8, "tcn_levels": 2, "tcn_kernel": 3},  # receptive field 13
    "patchtst": {"patchtst_patch": 8, "patchtst_stride": 4, "patchtst_d_model": 16},
}
TINY = {"window": 20, "batch_size": 32, "val_days": 30}


def _make(model: str, **settings: Any) -> Any:
    return registry.make(model, {**TINY, **SMALL[model.partition("*")[0]], **settings})


def _sine_on_trend(n: int) -> pd.Series:
    t = np.arange(n)
    prices = 100.0 * np.exp(0.001 * t + 0.05 * np.sin(2 * np.pi * t / 25))
    return pd.Series(prices, index=pd.date_range("2020-01-01", periods=n, freq="D"))


# MAE / naive's MAE over 5 days ahead from 46 origins after training; measured (seed 0):
# nbeats 0.014, nbeats-i 0.024, nhits 0.013, tcn 0.028, patchtst 0.014 (naive's MAE: 2.92)
@pytest.mark.parametrize("model", list(SMALL))
def test_each_learns_a_sine_on_a_trend(model: str) -> None:
    y = _sine_on_trend(300)
    forecaster = _make(model, window=30, horizon=5, epochs=20, learning_rate=0.003)
    forecaster.set_params(val_days=40, patience=5, shrink=False, dropout=0.0)
    forecaster.fit(y.iloc[:250])
    origins = np.arange(250, 296)
    truth = np.stack([y.to_numpy()[t : t + 5] for t in origins])
    mae = np.abs(forecaster.predict(y, origins, 5) - truth).mean()
    naive = np.abs(y.to_numpy()[origins - 1, None] - truth).mean()
    assert mae < 0.06 * naive, f"{model}: MAE {mae:.4f} against naive's {naive:.4f}"


@pytest.mark.parametrize(
    ("model", "settings"),
    [
        ("nbeats", {"dropout": 0.2}),
        ("nbeats-i", {}),
        ("nhits", {"dropout": 0.2, "features": ("log_range",)}),
        ("tcn", {}),  # the preset's dropout, 0.1
        ("patchtst", {}),  # the preset's dropout, 0.2
    ],
)
def test_members_of_every_history_and_seed_end_where_they_would_alone(
    model: str, settings: dict
) -> None:
    series = random_walk(n=300)
    close = series.to_numpy()
    frame = pd.DataFrame({"high": close * 1.01, "low": close * 0.98}, index=series.index)
    proto = _make(model, epochs=4, patience=1, horizon=3, shrink=False, learning_rate=0.01)
    proto.set_params(**settings)
    histories = {end: series.iloc[:end] for end in (200, 277)}
    together = [
        FitJob(clone(proto).set_params(seed=seed), h, frame.loc[h.index])
        for h in histories.values()
        for seed in (0, 1)
    ]
    fit_all(together)
    origins = np.arange(280, 290)
    for job in together:
        alone = clone(job.forecaster).fit(job.y, job.X)
        grouped = job.forecaster
        assert len(alone.history_) == len(grouped.history_)  # type: ignore[attr-defined]
        np.testing.assert_allclose(
            alone.predict(series, origins, 3, frame),
            grouped.predict(series, origins, 3, frame),
            rtol=1e-5,
        )
    assert together[0].forecaster.fit_info()["group_members"] == 4


@pytest.mark.parametrize("model", ["nbeats", "nhits", "tcn", "patchtst"])
def test_changing_the_future_moves_no_earlier_forecast(model: str) -> None:
    series, test_days, cutoff = random_walk(n=260), 40, 15
    features = () if model == "patchtst" else ("log_range",)

    def run(prices: pd.Series) -> pd.DataFrame:
        forecaster = _make(model, epochs=2, horizon=3, features=features, shrink=True)
        close = prices.to_numpy()
        frame = pd.DataFrame({"high": close * 1.01, "low": close * 0.98}, index=prices.index)
        models = {"m": forecaster, "naive": NaiveForecaster()}
        return backtest(prices, models, test_days, 10, horizon=3, features=frame).table

    changed = series.copy()
    changed.iloc[-test_days + cutoff :] *= 10.0
    first_changed = changed.index[-test_days + cutoff]
    before, after = run(series), run(changed)
    unchanged = before["cutoff"] < first_changed
    assert (before["date"][unchanged] >= first_changed).any()
    columns = ["cutoff", "date", "h", "m"]
    pd.testing.assert_frame_equal(before[columns][unchanged], after[columns][unchanged])
    assert not np.allclose(before["m"][~unchanged], after["m"][~unchanged])  # it can fail


@pytest.mark.parametrize("model", ["nbeats-i*2", "nhits", "tcn", "patchtst"])
def test_saved_models_and_their_quantile_heads_forecast_alike(model: str) -> None:
    series = random_walk(n=260)
    forecaster = _make(model, epochs=2, horizon=3, quantile_levels=(80.0,))
    forecaster.fit(series.iloc[:-40])
    origins = np.arange(len(series) - 40, len(series))
    meta, arrays = forecaster.state()
    again = registry.restore(json.loads(json.dumps(plain(meta))), arrays)
    assert type(again) is type(forecaster)
    assert np.array_equal(forecaster.predict(series, origins, 3), again.predict(series, origins, 3))
    low, high = forecaster.predict_quantiles(series, origins, 3)[80.0]  # type: ignore[attr-defined]
    assert low.shape == high.shape == (40, 3) and (low <= high).all()
    restored = again.predict_quantiles(series, origins, 3)[80.0]  # type: ignore[attr-defined]
    assert np.array_equal(high, restored[1])


@pytest.mark.parametrize(
    ("model", "settings", "message"),
    [
        ("patchtst", {"patchtst_patch": 25}, r"--patchtst-patch 25 is longer than the window"),
        ("tcn", {"tcn_levels": 3, "tcn_kernel": 3}, r"use --window 29 or more"),
        ("nhits", {"nhits_downsample": (4, 2, 1)}, r"\(3 days\).*use --horizon 4 or more"),
        ("nhits", {"nhits_pooling": (30, 1)}, r"use --window 30 or more"),
        ("nbeats", {"nbeats_stacks": ("trend", "cycle")}, "--nbeats-stacks 'cycle'"),
        ("patchtst", {"features": ("log_range",)}, "patchtst reads the price alone"),
        ("tcn", {"dropout": 1.5}, "--dropout 1.5: a rate from 0 up to"),  # the family's check
        ("nhits", {"model": "tcn"}, "unknown model 'tcn' here; use nhits"),
    ],
)
def test_bad_settings_are_one_line_before_any_training(
    model: str, settings: dict, message: str
) -> None:
    forecaster = _make(model, horizon=3)
    forecaster.set_params(**settings)
    with pytest.raises(SeqcastError, match=message) as caught:
        forecaster.fit(random_walk(n=200))
    assert "\n" not in str(caught.value)
    assert not hasattr(forecaster, "networks_")


def test_the_registry_makes_presets_ensembles_and_spaces() -> None:
    model = registry.make("nbeats-i*3", {"nbeats_units": 16, "kernel": 7, "tcn_levels": 9})
    assert (type(model).__name__, model.ensemble, model.name) == (
        "NBeatsForecaster",
        3,
        "nbeats-i*3",
    )
    assert model.options()["nbeats_stacks"] == ("trend", "seasonality")  # type: ignore[attr-defined]
    assert model.options()["nbeats_units"] == 16  # type: ignore[attr-defined]
    for name, own in [
        ("nbeats", "nbeats_units"),
        ("nhits", "nhits_units"),
        ("tcn", "tcn_kernel"),
        ("patchtst", "patchtst_patch"),
    ]:
        assert registry.family_of(name).name == name
        assert {"window", "learning_rate", own} <= set(registry.space(name))
        assert "kernel" not in registry.space(name)  # DLinear's, not theirs
    assert registry.default_for({"tcn_levels": 2}) == "tcn"


def test_the_tuning_spaces_give_only_valid_networks() -> None:
    """Both ends of every range of each space, on the space's shortest window, pass check."""
    for name, arch in ARCHITECTURES.items():
        module = importlib.import_module(arch.module)
        space = registry.space(name)
        for end in (0, -1):
            options = {k: arch.defaults()[k] for k in arch.options}
            for d in space.values():
                if d.name in options:
                    options[d.name] = d.choices[end] if d.choices else (d.low, d.high)[end]
            module.check(int(space["window"].low or 0), 1, options)


def test_compare_runs_the_architectures_and_refuses_bad_options(
    price_csv: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from seqcast.cli.app import app

    args = ["compare", "--data", str(price_csv), "--models", "naive,tcn,patchtst,nhits"]
    args += [
        "--epochs",
        "1",
        "--window",
        "20",
        "--horizon",
        "3",
        "--tcn-levels",
        "2",
        "--tcn-kernel",
        "3",
    ]
    args += ["--patchtst-patch", "8", "--test-days", "20", "--val-days", "30", "-q"]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "cmp")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cmp" / "report.html").is_file()
    for option, line in [
        (["--patchtst-patch", "30"], "--patchtst-patch 30 is longer than the window (20 days)"),
        (["--tcn-levels", "3"], "--window 20 is shorter than the TCN's receptive field"),
        (["--nhits-downsample", "4,2,1"], "--nhits-downsample 4,2,1: each factor from 1"),
    ]:
        out = tmp_path / option[0].strip("-")
        bad = CliRunner().invoke(app, [*args, *option, "--out", str(out)])
        assert bad.exit_code == 2, bad.output
        assert line in bad.output and "Traceback" not in bad.output
        assert not out.exists()
