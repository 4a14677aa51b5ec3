import numpy as np
import pandas as pd

from seqcast.models.baselines import (
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
    """One-step forecasts of the last `steps` days."""
    origins = np.arange(len(SERIES) - steps, len(SERIES))
    return forecaster.fit(SERIES).predict(SERIES, origins)[:, 0].tolist()


def _paths(forecaster, horizon: int) -> np.ndarray:
    """Forecasts from the origins 7 and 9 (after the end), `horizon` days ahead."""
    return forecaster.fit(SERIES).predict(SERIES, [7, 9], horizon)


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


def test_every_baseline_forecasts_every_horizon_natively() -> None:
    np.testing.assert_array_equal(_paths(NaiveForecaster(), 3), [[64] * 3, [256] * 3])
    slope_7, slope_9 = 63 / 6, 255 / 8
    np.testing.assert_allclose(
        _paths(DriftForecaster(), 2),
        [[64 + slope_7, 64 + 2 * slope_7], [256 + slope_9, 256 + 2 * slope_9]],
    )
    np.testing.assert_allclose(_paths(MovingAverageForecaster(k=2), 2), [[48, 48], [192, 192]])
    # k = 3: from origin 9 the next days are the same season as 6, 7, 8, then 6 again
    np.testing.assert_array_equal(
        _paths(SeasonalNaiveForecaster(k=3), 4), [[16, 32, 64, 16], [64, 128, 256, 64]]
    )
