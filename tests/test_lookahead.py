"""No look-ahead: change the future, and no forecast made before it may move."""

import numpy as np
import pandas as pd
import pytest
import torch

from seqcast.evaluate.backtest import backtest
from seqcast.models.baselines import NaiveForecaster
from seqcast.models.neural import NeuralForecaster

from .conftest import TINY, random_walk


@pytest.mark.parametrize(
    ("params", "refit_every"),
    [
        ({"model": "tutorial"}, None),
        ({"model": "gru", "val_days": 20, "patience": 1}, None),
        ({"model": "mlp", "transform": "pct_change"}, None),
        ({"model": "lstm"}, 10),
        (
            {
                "model": "gru",
                "features": ("log_range", "weekday"),
                "shrink": True,
                "val_days": 40,
                "strategy": "direct",
                "ensemble": 2,
            },
            10,
        ),
        (
            {
                "model": "mlp",
                "shrink": True,
                "val_days": 40,
                "features": ("log_range",),
                "strategy": "direct",
            },
            None,
        ),
    ],
    ids=[
        "tutorial-price",
        "gru-logreturn-val",
        "mlp-pct",
        "lstm-refit10",
        "gru-all-refit10",
        "mlp-shrunk-covariates",
    ],
)
@pytest.mark.slow
def test_changing_the_future_moves_no_earlier_forecast(
    series: pd.Series, params: dict, refit_every: int | None
) -> None:
    test_days, cutoff = 40, 15  # prices from the 15th test day on are multiplied by 10

    def run(prices: pd.Series) -> tuple[pd.DataFrame, NeuralForecaster]:
        model = NeuralForecaster(**{**TINY, **params, "horizon": 3})
        models = {"m": model, "naive": NaiveForecaster()}
        close = prices.to_numpy()  # covariates: the changed future changes them too
        frame = pd.DataFrame({"high": close * 1.01, "low": close * 0.98}, index=prices.index)
        result = backtest(prices, models, test_days, refit_every, horizon=3, features=frame)
        return result.table, result.fitted["m"]  # type: ignore[return-value]

    changed = series.copy()
    changed.iloc[-test_days + cutoff :] *= 10.0
    first_changed = changed.index[-test_days + cutoff]
    before, model_a = run(series)
    after, model_b = run(changed)

    if refit_every is None:  # the one fit's scales, weights and w never saw the test period
        assert model_a.inputs_.state() == model_b.inputs_.state()
        assert model_a.weight_ == model_b.weight_
        for key, tensor in model_a.networks_[0].state_dict().items():
            assert np.array_equal(tensor.numpy(), model_b.networks_[0].state_dict()[key].numpy())
    # Every forecast whose inputs end before the change is identical, to the bit; that
    # includes the forecasts for the changed days made from older prices only.
    unchanged = before["cutoff"] < first_changed
    assert (before["date"][unchanged] >= first_changed).any()
    columns = ["cutoff", "date", "h", "m", "naive"]
    pd.testing.assert_frame_equal(before[columns][unchanged], after[columns][unchanged])
    # ...and the later ones did see the change (so this test can fail).
    assert not np.allclose(before["m"][~unchanged], after["m"][~unchanged])


WARM_CHAINS = {  # a model of each family that warm-starts, small
    "gru": {**TINY, "layers": "gru:6, dropout:0.2, dense:1", "val_days": 30, "patience": 2},
    "dlinear": {"window": 12, "kernel": 5, "val_days": 30, "epochs": 3, "patience": 2},
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(WARM_CHAINS))
def test_a_warm_chain_fitted_up_to_a_day_never_moves_when_later_days_change(name: str) -> None:
    """Warm refits go on from earlier fits: changing the day after cutoff k moves nothing
    fitted at cutoffs <= k (weights, scales, optimizer state, shrinkage weight), nor any
    forecast made from them, and does move the fits after it."""
    from seqcast.evaluate.backtest import Walk
    from seqcast.models import registry
    from seqcast.models.base import fit_all

    series, test_days, cutoff = random_walk(n=240, seed=5), 8, 4
    params = WARM_CHAINS[name] | {"shrink": True, "warm_epochs": 2}

    def run(prices: pd.Series) -> Walk:
        models = {"m": registry.make(name, params), "naive": NaiveForecaster()}
        walk = Walk(prices, models, test_days, refit_every=1, warm_start=True)
        fit_all(walk.jobs())
        return walk

    changed = series.copy()
    changed.iloc[-test_days + cutoff :] *= 10.0
    position = len(series) - test_days + cutoff  # the first changed day
    a, b = run(series), run(changed)
    moved = []
    for (origin, name, job_a), (_, _, job_b) in zip(a.planned, b.planned, strict=True):
        if name != "m":
            continue
        fa, fb = job_a.forecaster, job_b.forecaster
        same = fa.inputs_.state() == fb.inputs_.state() and fa.weight_ == fb.weight_
        same &= all(
            torch.equal(t, fb.networks_[0].state_dict()[k])
            for k, t in fa.networks_[0].state_dict().items()
        )
        same &= all(
            torch.equal(x, y)
            for xs, ys in zip(fa.moments_[0].state, fb.moments_[0].state, strict=True)
            for x, y in zip(xs, ys, strict=True)
        )
        if origin <= position:  # fitted on days before the change only
            assert same, f"the fit at {origin} moved"
        else:
            moved.append(not same)
    # later fits saw the change (so this test can fail); one whose validation tail alone
    # holds it may keep its starting weights and learn the same epoch, and stay as it was
    assert any(moved)
    before, after = a.result().table, b.result().table
    unchanged = before["cutoff"] < changed.index[position]
    columns = ["cutoff", "date", "h", "m", "naive"]  # y: the truth of a changed day changed
    pd.testing.assert_frame_equal(before[columns][unchanged], after[columns][unchanged])
