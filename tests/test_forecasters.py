"""One contract, every forecaster: the scikit-learn estimator rules and the one-step API."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from seqcast.errors import NotFittedError, SeqcastError
from seqcast.models.base import Forecaster
from seqcast.models.baselines import NaiveForecaster
from seqcast.models.neural import NeuralForecaster
from seqcast.models.spec import PRESETS

from .conftest import TINY

FORECASTERS = [NaiveForecaster()] + [NeuralForecaster(model=p, **TINY) for p in PRESETS]


@pytest.fixture(params=FORECASTERS, ids=lambda f: f.name)
def forecaster(request: pytest.FixtureRequest) -> Forecaster:
    return clone(request.param)


def test_params_round_trip(forecaster: Forecaster) -> None:
    params = forecaster.get_params()
    copy = type(forecaster)().set_params(**params)
    assert copy.get_params() == params


def test_scikit_learns_clone_copies_the_parameters(forecaster: Forecaster) -> None:
    """scikit-learn is not imported by seqcast, but its tools work on our forecasters."""
    from sklearn.base import clone as sklearn_clone

    copy = sklearn_clone(forecaster)
    assert type(copy) is type(forecaster) and copy.get_params() == forecaster.get_params()
    assert copy is not forecaster


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
    predicted = forecaster.predict(series, np.arange(len(series) - 20, len(series)))
    assert predicted.shape == (20, 1)
    assert np.all(np.isfinite(predicted)) and np.all(predicted > 0)
    nxt = forecaster.forecast(series, horizon=3)
    assert list(nxt.index) == list(pd.date_range(series.index[-1], periods=4)[1:])
    assert np.all(np.isfinite(nxt))


def test_forecast_equals_predict_of_the_extended_series(
    forecaster: Forecaster, series: pd.Series
) -> None:
    forecaster.fit(series.iloc[:-20])
    nxt = forecaster.forecast(series.iloc[:-1], horizon=2)
    from_inside = forecaster.predict(series, [len(series) - 1], horizon=2)[0]
    np.testing.assert_allclose(nxt.to_numpy(), from_inside, rtol=1e-12)


def test_predict_reads_nothing_at_or_after_its_origin(
    forecaster: Forecaster, series: pd.Series
) -> None:
    forecaster.fit(series.iloc[:-20])
    origin = len(series) - 10
    changed = series.copy()
    changed.iloc[origin:] *= 3.0
    np.testing.assert_array_equal(
        forecaster.predict(series, [origin], horizon=5), forecaster.predict(changed, [origin], 5)
    )


def test_too_short_history_is_a_clear_error(forecaster: Forecaster, series: pd.Series) -> None:
    forecaster.fit(series.iloc[:-20])
    with pytest.raises(SeqcastError, match="past values before its first forecast"):
        forecaster.predict(series.iloc[:5], [0, 1, 2, 3, 4])


def test_naive_repeats_yesterday(series: pd.Series) -> None:
    predicted = NaiveForecaster().fit(series).predict(series, [len(series) - 3], horizon=3)
    assert predicted[0].tolist() == [series.iloc[-4]] * 3


def test_neural_training_too_short_is_a_clear_error(series: pd.Series) -> None:
    with pytest.raises(SeqcastError, match=r"needs more than 10 days .* plus 20 validation days"):
        NeuralForecaster(**{**TINY, "model": "tutorial"}).fit(series.iloc[:30])


def test_presets_supply_settings_unless_overridden() -> None:
    tutorial = {
        "transform": "price",
        "loss": "mse",
        "val_days": 0,
        "patience": None,
        "shrink": False,
    }
    assert NeuralForecaster(model="tutorial").resolved() == tutorial
    family = {"transform": "log_return", "loss": "mae", "val_days": 180, "patience": 5}
    family["shrink"] = True
    # a layer list replaces only the preset's layers (issue 20: it used to swap the preset)
    assert NeuralForecaster(layers="gru:4, dense:1", model="gru").resolved() == family
    assert NeuralForecaster(model="gru").resolved() == family
    assert NeuralForecaster().resolved() == family  # the default preset: gru
    mine = NeuralForecaster(
        model="gru", transform="price", loss="huber", val_days=0, patience=0, shrink=False
    )
    assert mine.resolved() == {**tutorial, "loss": "huber"}
