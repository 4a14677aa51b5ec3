"""No look-ahead: change the future, and no forecast made before it may move."""

import numpy as np
import pandas as pd
import pytest

from seqcast.backtest import backtest
from seqcast.baselines import NaiveForecaster
from seqcast.neural import NeuralForecaster

from .conftest import TINY


@pytest.mark.parametrize(
    ("params", "refit_every"),
    [
        ({"model": "tutorial"}, None),
        ({"model": "gru", "val_days": 20, "patience": 1}, None),
        ({"model": "mlp", "transform": "pct_change"}, None),
        ({"model": "lstm"}, 10),
    ],
    ids=["tutorial-price", "gru-logreturn-val", "mlp-pct", "lstm-refit10"],
)
def test_changing_the_future_moves_no_earlier_forecast(
    series: pd.Series, params: dict, refit_every: int | None
) -> None:
    test_days, cutoff = 40, 15  # prices from the 15th test day on are multiplied by 10

    def run(prices: pd.Series) -> tuple[pd.DataFrame, NeuralForecaster]:
        models = {"m": NeuralForecaster(**{**TINY, **params}), "naive": NaiveForecaster()}
        table, fitted = backtest(prices, models, test_days, refit_every=refit_every)
        return table, fitted["m"]  # type: ignore[return-value]

    changed = series.copy()
    changed.iloc[-test_days + cutoff :] *= 10.0
    before, model_a = run(series)
    after, model_b = run(changed)

    if refit_every is None:  # the one fit's scaler and weights never saw the test period
        assert model_a.transform_.state() == model_b.transform_.state()
        for key, tensor in model_a.network_.state_dict().items():
            assert np.array_equal(tensor.numpy(), model_b.network_.state_dict()[key].numpy())
    # Every forecast whose inputs end before the change is identical, to the bit; that
    # includes the forecast for the first changed day, made from older prices only.
    unchanged = cutoff + 1
    columns = ["cutoff", "m", "naive"]
    pd.testing.assert_frame_equal(before[columns].iloc[:unchanged], after[columns].iloc[:unchanged])
    # ...and the later ones did see the change (so this test can fail).
    assert not np.allclose(before["m"].iloc[unchanged:], after["m"].iloc[unchanged:])
