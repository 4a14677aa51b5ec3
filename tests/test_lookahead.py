"""No look-ahead: change the future, and no forecast made before it may move."""

import numpy as np
import pandas as pd
import pytest

from seqcast.backtest import holdout_backtest
from seqcast.baselines import NaiveForecaster
from seqcast.neural import NeuralForecaster

from .conftest import TINY


@pytest.mark.parametrize(
    "params",
    [
        {"model": "tutorial"},
        {"model": "gru", "val_days": 20, "patience": 1},
        {"model": "mlp", "transform": "pct_change"},
    ],
    ids=["tutorial-price", "gru-logreturn-val", "mlp-pct"],
)
def test_changing_the_future_moves_no_earlier_forecast(series: pd.Series, params: dict) -> None:
    test_days, cutoff = 40, 15  # prices after the 15th test day are changed

    def backtest(prices: pd.Series) -> tuple[pd.DataFrame, NeuralForecaster]:
        neural = NeuralForecaster(**TINY, **params)
        table, _ = holdout_backtest(prices, {"m": neural, "naive": NaiveForecaster()}, test_days)
        return table, neural

    changed = series.copy()
    changed.iloc[-test_days + cutoff :] *= 10.0
    before, model_a = backtest(series)
    after, model_b = backtest(changed)

    # Scaler and weights never saw the test period.
    assert model_a.transform_.state() == model_b.transform_.state()
    for key, tensor in model_a.network_.state_dict().items():
        assert np.array_equal(tensor.numpy(), model_b.network_.state_dict()[key].numpy())
    # Every forecast whose inputs end before the change is identical, to the bit.
    unchanged = cutoff + 1  # the forecast for the first changed day uses only older prices
    pd.testing.assert_frame_equal(
        before.iloc[:unchanged], after.iloc[:unchanged].assign(y=before["y"].iloc[:unchanged])
    )
    # ...and the later ones did see the change (the test can fail).
    assert not np.allclose(before["m"].iloc[unchanged:], after["m"].iloc[unchanged:])
