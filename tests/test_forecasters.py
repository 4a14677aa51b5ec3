"""One contract, every forecaster: the scikit-learn estimator rules and the one-step API."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from seqcast.base import Forecaster
from seqcast.baselines import NaiveForecaster
from seqcast.errors import NotFittedError, SeqcastError
from seqcast.neural import NeuralForecaster
from seqcast.spec import PRESETS

from .conftest import TINY

FORECASTERS = [NaiveForecaster()] + [NeuralForecaster(model=p, **TINY) for p in PRESETS]


@pytest.fixture(params=FORECASTERS, ids=lambda f: f.name)
def forecaster(request: pytest.FixtureRequest) -> Forecaster:
    return clone(request.param)


def test_params_round_trip(forecaster: Forecaster) -> None:
    params = forecaster.get_params()
    copy = type(forecaster)().set_params(**params)
    assert copy.get_params() == params


def test_init_does_no_work(forecaster: Forecaster) -> None:
    assert not [name for name in vars(forecaster) if name.endswith("_")]


def test_predict_before_fit_is_a_clear_error(forecaster: Forecaster, series: pd.Series) -> None:
    with pytest.raises(NotFittedError, match="not fitted yet; call fit first"):
        forecaster.predict(series, 5)


def test_fit_returns_self_and_predict_gives_one_step_forecasts(
    forecaster: Forecaster, series: pd.Series
) -> None:
    train = series.iloc[:-20]
    assert forecaster.fit(train) is forecaster
    predicted = forecaster.predict(series, 20)
    assert predicted.index.equals(series.index[-20:])
    assert np.all(np.isfinite(predicted)) and np.all(predicted > 0)
    nxt = forecaster.forecast(series)
    assert nxt.index[0] == series.index[-1] + pd.Timedelta(days=1)
    assert np.isfinite(nxt.iloc[0])


def test_forecast_equals_predict_of_the_extended_series(
    forecaster: Forecaster, series: pd.Series
) -> None:
    forecaster.fit(series.iloc[:-20])
    nxt = forecaster.forecast(series.iloc[:-1])
    assert nxt.iloc[0] == pytest.approx(forecaster.predict(series, 1).iloc[0], rel=1e-12)


def test_too_short_history_is_a_clear_error(forecaster: Forecaster, series: pd.Series) -> None:
    forecaster.fit(series.iloc[:-20])
    with pytest.raises(SeqcastError, match="past values before its first forecast"):
        forecaster.predict(series.iloc[:5], 5)


def test_naive_repeats_yesterday(series: pd.Series) -> None:
    predicted = NaiveForecaster().fit(series).predict(series, 3)
    assert predicted.tolist() == series.iloc[-4:-1].tolist()


def test_neural_training_too_short_is_a_clear_error(series: pd.Series) -> None:
    with pytest.raises(SeqcastError, match=r"needs more than 10 days .* plus 20 validation days"):
        NeuralForecaster(**TINY).fit(series.iloc[:30])


def test_presets_supply_settings_unless_overridden() -> None:
    tutorial = {"transform": "price", "loss": "mse", "val_days": 0, "patience": None}
    assert NeuralForecaster().resolved() == tutorial
    assert NeuralForecaster(layers="gru:4, dense:1", model="gru").resolved() == tutorial
    family = {"transform": "log_return", "loss": "mae", "val_days": 180, "patience": 5}
    assert NeuralForecaster(model="gru").resolved() == family
    mine = NeuralForecaster(model="gru", transform="price", loss="huber", val_days=0, patience=0)
    assert mine.resolved() == {**tutorial, "loss": "huber"}
