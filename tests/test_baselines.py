import numpy as np
import pandas as pd

from seqcast.baselines import (
    DriftForecaster,
    MovingAverageForecaster,
    NaiveForecaster,
    SeasonalNaiveForecaster,
)

SERIES = pd.Series(
    [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0],
    index=pd.date_range("2022-01-01", periods=9),
)


def _last(forecaster, steps: int = 2) -> list[float]:
    return forecaster.fit(SERIES).predict(SERIES, steps).tolist()


def test_naive() -> None:
    assert _last(NaiveForecaster()) == [64.0, 128.0]


def test_drift_extends_the_average_change_so_far() -> None:
    # forecast for position 7: 64 + (64 - 1) / 6 ; for position 8: 128 + (128 - 1) / 7
    assert np.allclose(_last(DriftForecaster()), [64 + 63 / 6, 128 + 127 / 7])


def test_moving_average() -> None:
    assert np.allclose(
        _last(MovingAverageForecaster(k=3)), [(16 + 32 + 64) / 3, (32 + 64 + 128) / 3]
    )


def test_seasonal_naive() -> None:
    assert _last(SeasonalNaiveForecaster(k=7)) == [1.0, 2.0]
    assert SeasonalNaiveForecaster().fit(SERIES).forecast(SERIES).iloc[0] == 4.0
