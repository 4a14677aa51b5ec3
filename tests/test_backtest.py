from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from seqcast.backtest import backtest, days_since, origins
from seqcast.base import Forecaster
from seqcast.baselines import DriftForecaster, MovingAverageForecaster, NaiveForecaster
from seqcast.errors import SeqcastError
from seqcast.neural import NeuralForecaster

from .conftest import TINY


class Spy(NaiveForecaster):
    """A naive forecaster that records the dates of every history it is fitted on."""

    fits: ClassVar[list[pd.DatetimeIndex]] = []

    def fit(self, y: pd.Series) -> "Spy":
        Spy.fits.append(y.index)
        return super().fit(y)


def test_origins_and_cutoffs(series: pd.Series) -> None:
    assert origins(100, 25, None) == [75]
    assert origins(100, 25, 10) == [75, 85, 95]
    table, _ = backtest(series, {"naive": NaiveForecaster()}, 25, refit_every=10)
    cutoffs = table["cutoff"].to_numpy()
    assert (cutoffs[:10] == series.index[-26]).all() and (cutoffs[20:] == series.index[-6]).all()


@pytest.mark.parametrize("train_days", [None, 50])
def test_every_refit_sees_only_data_before_its_origin(
    series: pd.Series, train_days: int | None
) -> None:
    Spy.fits = []
    table, _ = backtest(series, {"spy": Spy()}, 30, refit_every=7, train_days=train_days)
    assert len(Spy.fits) == 5  # origins at test days 0, 7, 14, 21, 28
    for fit_dates, cutoff in zip(Spy.fits, table["cutoff"].unique(), strict=True):
        assert fit_dates[-1] == cutoff  # everything up to the cutoff, nothing after
        assert len(fit_dates) == (train_days or len(series[:cutoff]))


FORECASTERS = [
    NaiveForecaster(),
    DriftForecaster(),
    MovingAverageForecaster(k=5),
    NeuralForecaster(model="gru", **TINY),
    NeuralForecaster(model="tutorial", **TINY),
]


@pytest.mark.parametrize("forecaster", FORECASTERS, ids=lambda f: f.name)
@pytest.mark.parametrize("train_days", [None, 120])
def test_batch_backtest_equals_the_step_by_step_loop(
    series: pd.Series, forecaster: Forecaster, train_days: int | None
) -> None:
    test_days, refit_every = 24, 10
    table, _ = backtest(series, {"f": forecaster}, test_days, refit_every, train_days)

    # The obvious loop: walk day by day, refit at each origin, forecast the next day.
    n, loop = len(series), []
    for t in range(n - test_days, n):
        if (t - (n - test_days)) % refit_every == 0:
            first = 0 if train_days is None else t - train_days
            model = clone(forecaster).fit(series.iloc[first:t])
        loop.append(model.forecast(series.iloc[:t]).iloc[0])
    np.testing.assert_allclose(table["f"].to_numpy(), loop, rtol=1e-6, atol=0)


def test_days_since(series: pd.Series) -> None:
    assert days_since(series, str(series.index[-10].date())) == 10
    with pytest.raises(SeqcastError, match="is not a date"):
        days_since(series, "soon")
    with pytest.raises(SeqcastError, match="is after the last date"):
        days_since(series, "2099-01-01")


@pytest.mark.parametrize("bad", [{"test_days": 0}, {"test_days": 500}, {"refit_every": 0}])
def test_impossible_backtests_are_refused(series: pd.Series, bad: dict) -> None:
    args = {"test_days": 30, "refit_every": None, **bad}
    with pytest.raises(SeqcastError):
        backtest(series, {"naive": NaiveForecaster()}, **args)
