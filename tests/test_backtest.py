from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from seqcast.errors import SeqcastError
from seqcast.evaluate.backtest import backtest, days_since, fit_origins
from seqcast.models.base import Forecaster, clone
from seqcast.models.baselines import DriftForecaster, MovingAverageForecaster, NaiveForecaster
from seqcast.models.neural import NeuralForecaster

from .conftest import TINY


class Spy(NaiveForecaster):
    """A naive forecaster that records the dates of every history it is fitted on."""

    fits: ClassVar[list[pd.DatetimeIndex]] = []

    def learn(self, y: pd.Series, X: pd.DataFrame | None) -> None:
        Spy.fits.append(y.index)
        super().learn(y, X)


def test_fit_origins_and_the_long_table(series: pd.Series) -> None:
    assert fit_origins(100, 25, None) == [75]
    assert fit_origins(100, 25, 10) == [75, 85, 95]
    table = backtest(series, {"naive": NaiveForecaster()}, 25, refit_every=10, horizon=3).table
    assert list(table.columns) == ["cutoff", "date", "h", "y", "naive"]
    assert len(table) == 25 + 24 + 23  # every origin, as far as the data reaches
    assert (table["date"] - table["cutoff"] == pd.to_timedelta(table["h"], unit="D")).all()
    assert (
        table["cutoff"].iloc[0] == series.index[-26] and table["date"].iloc[-1] == series.index[-1]
    )
    np.testing.assert_array_equal(table["y"], series.loc[table["date"]].to_numpy())


@pytest.mark.parametrize("train_days", [None, 50])
def test_every_refit_sees_only_data_before_its_origin(
    series: pd.Series, train_days: int | None
) -> None:
    Spy.fits = []
    table = backtest(series, {"spy": Spy()}, 30, refit_every=7, train_days=train_days).table
    assert len(Spy.fits) == 5  # refits at test days 0, 7, 14, 21, 28
    for fit_dates, cutoff in zip(Spy.fits, table["cutoff"].iloc[::7], strict=True):
        assert fit_dates[-1] == cutoff  # everything up to the cutoff, nothing after
        assert len(fit_dates) == (train_days or len(series[:cutoff]))


FORECASTERS = [
    NaiveForecaster(),
    DriftForecaster(),
    MovingAverageForecaster(k=5),
    NeuralForecaster(model="gru", **TINY),
    NeuralForecaster(model="tutorial", **TINY),
]


@pytest.mark.slow
@pytest.mark.parametrize("forecaster", FORECASTERS, ids=lambda f: f.name)
@pytest.mark.parametrize("train_days", [None, 120])
def test_batch_backtest_equals_the_step_by_step_loop(
    series: pd.Series, forecaster: Forecaster, train_days: int | None
) -> None:
    test_days, refit_every, horizon = 24, 10, 3
    table = backtest(series, {"f": forecaster}, test_days, refit_every, train_days, horizon).table

    # The obvious loop: walk day by day, refit at each origin, forecast the next days.
    n, loop = len(series), []
    for t in range(n - test_days, n):
        if (t - (n - test_days)) % refit_every == 0:
            first = 0 if train_days is None else t - train_days
            model = clone(forecaster).fit(series.iloc[first:t])
        loop += model.forecast(series.iloc[:t], horizon).iloc[: n - t].tolist()
    # The backtest trains its refits together as one grouped network; where one refit's
    # last batch is shorter than another's, its loss is a masked mean over the padded
    # batch, which adds the same numbers in another order: below 1e-5 relative.
    np.testing.assert_allclose(table["f"].to_numpy(), loop, rtol=1e-5, atol=0)


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
