"""No look-ahead: change the future, and no forecast made before it may move."""

import numpy as np
import pandas as pd
import pytest

from seqcast.evaluate.backtest import backtest
from seqcast.models.baselines import NaiveForecaster
from seqcast.models.neural import NeuralForecaster

from .conftest import TINY


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
