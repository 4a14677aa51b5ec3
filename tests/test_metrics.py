"""Every metric against values computed by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from seqcast.errors import Note
from seqcast.evaluate.metrics import (
    directional_accuracy,
    mae,
    mape,
    mase,
    naive_scale,
    rmse,
    score_table,
    smape,
)
from seqcast.evaluate.significance import diebold_mariano, t_two_sided

from .test_significance import returns_within

Y = np.array([10.0, 12.0, 11.0, 13.0])
Y_HAT = np.array([11.0, 9.0, 12.0, 14.0])  # errors 1, 3, 1, 1
Y_PREV = np.array([9.0, 10.0, 12.0, 11.0])  # yesterday: the naive forecast


def test_scale_dependent_metrics() -> None:
    assert mae(Y, Y_HAT) == 1.5
    assert rmse(Y, Y_HAT) == pytest.approx(math.sqrt(12 / 4))
    assert mape(Y, Y_HAT) == pytest.approx(100 * (1 / 10 + 3 / 12 + 1 / 11 + 1 / 13) / 4)
    assert smape(Y, Y_HAT) == pytest.approx(100 * (2 / 21 + 6 / 21 + 2 / 23 + 2 / 27) / 4)


def test_mase_uses_the_training_naive_mae() -> None:
    train = np.array([1.0, 3.0, 2.0, 6.0])  # one-step changes 2, 1, 4: naive MAE 7/3
    assert mase(Y, Y_HAT, train) == pytest.approx(1.5 / (7 / 3))


def test_directional_accuracy_counts_ties_apart() -> None:
    # forecast moves +2, -1, 0, +3; actual moves +1, +2, -1, +2: a hit, a miss, a tie, a hit
    share, ties = directional_accuracy(Y, Y_HAT, Y_PREV)
    assert share == pytest.approx(200 / 3) and ties == 1
    nan_share, all_ties = directional_accuracy(Y, Y_PREV, Y_PREV)  # naive never moves
    assert np.isnan(nan_share) and all_ties == 4


def test_diebold_mariano_with_small_sample_correction() -> None:
    y = np.zeros(5)
    y_hat = np.array([1.0, 2.0, 0.0, 3.0, 1.0])  # loss differential d = |e| - 0 = 1 2 0 3 1
    # d mean 1.4, variance 1.04: DM = 1.4 / sqrt(1.04 / 5) = 3.0697; HLN factor sqrt(4/5)
    # gives 2.7456, and the two-sided t(4) tail of that is 0.05161.
    assert diebold_mariano(y, y_hat, y) == pytest.approx(0.0516060, abs=1e-6)
    assert diebold_mariano(y, y, y) == 1.0  # identical forecasts: no evidence of difference
    assert diebold_mariano(y, y_hat, y_hat[::-1]) == pytest.approx(1.0)  # equal losses, reordered


def test_diebold_mariano_at_longer_horizons_sums_the_autocovariances() -> None:
    y = np.zeros(6)
    y_hat = np.array([1.0, 2.0, 0.0, 3.0, 1.0, 2.0])  # d = 1 2 0 3 1 2, mean 1.5
    # centred -0.5 .5 -1.5 1.5 -.5 .5: gamma0 = 5.5/6, gamma1 = (-.25 - .75 - 2.25 - .75
    # - .25)/6 = -4.25/6; variance = (5.5 - 8.5)/6 < 0, so the plain variance is used;
    # h = 2: HLN factor sqrt((6 + 1 - 4 + 2/6)/6).
    dm = 1.5 / math.sqrt((5.5 / 6) / 6) * math.sqrt((3 + 2 / 6) / 6)
    assert diebold_mariano(y, y_hat, y, horizon=2) == pytest.approx(t_two_sided(dm, 5), rel=1e-12)
    smooth = np.array([1.0, 1.0, 2.0, 2.0, 3.0, 3.0])  # positively autocorrelated losses
    d = smooth - smooth.mean()
    variance = np.mean(d**2) + 2 * np.mean(d[1:] * d[:-1])
    dm = smooth.mean() / math.sqrt(variance / 6) * math.sqrt((3 + 2 / 6) / 6)
    assert diebold_mariano(y, smooth, y, horizon=2) == pytest.approx(t_two_sided(dm, 5), rel=1e-12)


@pytest.mark.parametrize(("t", "df"), [(0.3, 1), (2.7456, 4), (-1.9, 59), (4.0, 364), (8.0, 3000)])
def test_t_tail_is_scipys(t: float, df: int) -> None:
    from scipy import stats

    assert t_two_sided(t, df) == pytest.approx(2 * stats.t.sf(abs(t), df), rel=1e-9, abs=1e-300)


def test_score_table_reads_the_backtest_table() -> None:
    table = pd.DataFrame({"h": 1, "y": Y, "naive": Y_PREV, "m": Y_HAT})
    scale = naive_scale(np.array([1.0, 3.0, 2.0, 6.0]))
    scores = score_table(table, ["m", "naive"], scale).xs(1, level="h")
    assert scores.loc["m", "MAE"] == 1.5
    assert scores.loc["naive", "MAE"] == 1.5  # naive errors 1, 2, 1, 2
    assert scores.loc["m", "MAE/naive"] == 1.0
    assert scores.loc["m", "MASE"] == pytest.approx(1.5 / (7 / 3))
    assert scores.loc["naive", "DM p"] == 1.0
    assert list(scores.columns) == [
        "MAE",
        "RMSE",
        "MAPE%",
        "sMAPE%",
        "MASE",
        "MAE/naive",
        "DA%",
        "DA ties",
        "DM p",
    ]


def test_a_constant_history_gives_no_mase_rather_than_a_crash() -> None:
    """Issue 20: a constant price series divided by zero in MASE."""
    flat = np.full(6, 7.0)
    assert math.isnan(mase(Y, Y_HAT, flat))
    table = pd.DataFrame({"h": 1, "y": Y, "naive": Y_PREV, "m": Y_HAT})
    with pytest.warns(Note, match="MASE is undefined"):
        scores = score_table(table, ["m"], naive_scale(flat))
    assert math.isnan(scores.loc[("m", 1), "MASE"]) and scores.loc[("m", 1), "MAE"] == 1.5


def test_a_missing_forecast_gives_no_dm_p_and_a_note() -> None:
    """Issue 20: a NaN in a loss difference hung the DM p-value; now "-" with a note."""
    table = pd.DataFrame({"h": 1, "y": Y, "naive": Y_PREV, "m": [11.0, np.nan, 12.0, 14.0]})
    with pytest.warns(Note, match=r"DM p of m \(h=1\) is undefined: 1 forecasts"):
        scores = returns_within(10, lambda: score_table(table, ["m"], 1.0))
    assert math.isnan(scores.loc[("m", 1), "DM p"])
