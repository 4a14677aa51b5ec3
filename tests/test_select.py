"""`auto`: naive unless a candidate proved better on the series' own past (issue 21)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from seqcast.errors import SeqcastError
from seqcast.evaluate.backtest import backtest
from seqcast.evaluate.select import (
    MIN_DAYS,
    Gate,
    apply,
    choose,
    refit_cutoffs,
    shrink_weight,
    summarize_choices,
)
from seqcast.evaluate.significance import diebold_mariano
from seqcast.models.base import Forecaster
from seqcast.models.baselines import (
    DriftForecaster,
    MovingAverageForecaster,
    NaiveForecaster,
)

TEST_DAYS, REFIT, GATE = 365, 30, Gate(level=0.05, validation_days=180)


class NoisyForecaster(Forecaster):
    """Naive plus noise that depends only on the origin (a 'model' with no skill)."""

    def __init__(self, scale: float = 0.01, seed: int = 0):
        self.scale, self.seed = scale, seed

    def paths(
        self, values: np.ndarray, positions: np.ndarray, horizon: int, features: pd.DataFrame
    ) -> np.ndarray:
        noise = np.random.default_rng([self.seed, int(positions[0])]).normal(
            0.0, self.scale, (len(positions), horizon)
        )
        return values[positions - 1, None] * (1.0 + noise)


class MeanForecaster(Forecaster):
    """The mean of the history at the fit: what a mean-reverting series returns to."""

    def learn(self, y: pd.Series, X: pd.DataFrame | None) -> None:
        self.mean_ = float(y.mean())
        self.is_fitted_ = True

    def paths(
        self, values: np.ndarray, positions: np.ndarray, horizon: int, features: pd.DataFrame
    ) -> np.ndarray:
        return np.full((len(positions), horizon), self.mean_)


def walk(seed: int, n: int = 1000, drift: float = 0.0) -> pd.Series:
    rng = np.random.default_rng(seed)
    prices = 100.0 * np.exp(np.cumsum(rng.normal(drift, 0.02, n)))
    return pd.Series(prices, index=pd.date_range("2020-01-01", periods=n, freq="D"))


def mean_reverting(seed: int = 0, n: int = 1000, phi: float = 0.2) -> pd.Series:
    """An AR(1) around 100: most of each day's move away from the level is undone."""
    rng = np.random.default_rng(seed)
    shocks, level = rng.normal(0.0, 1.0, n), np.empty(n)
    level[0] = 0.0
    for t in range(1, n):
        level[t] = phi * level[t - 1] + shocks[t]
    return pd.Series(100.0 + level, index=pd.date_range("2020-01-01", periods=n, freq="D"))


CANDIDATES = {
    "drift": DriftForecaster(),
    "ma:7": MovingAverageForecaster(7),
    "model": NoisyForecaster(),
}


def run(
    series: pd.Series, candidates: dict[str, Forecaster], gate: Gate = GATE, horizon: int = 1
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """The backtest's test table, the choices and the auto column, as Experiment wires them."""
    models = {"naive": NaiveForecaster(), **candidates}
    result = backtest(
        series,
        models,
        TEST_DAYS,
        refit_every=REFIT,
        horizon=horizon,
        calibration_days=gate.calibration_days(horizon),
    )
    assert result.calibration is not None
    known = pd.concat([result.calibration, result.table], ignore_index=True)
    cutoffs = refit_cutoffs(series.index, TEST_DAYS, REFIT)
    choices = choose(known, list(candidates), cutoffs, gate)
    return result.table, choices, apply(result.table, choices)


def test_random_walks_get_naive_on_at_least_95_percent_of_fits() -> None:
    chosen = pd.concat([run(walk(seed), CANDIDATES)[1]["chosen"] for seed in range(20)])
    assert len(chosen) == 20 * 13
    assert (chosen == "naive").mean() >= 0.95
    # the check can fail: walks with a real drift (0.3% a day) get drift on more fits
    drifting = pd.concat([run(walk(s, drift=0.003), CANDIDATES)[1]["chosen"] for s in range(20)])
    assert (drifting == "naive").mean() < 0.95 and set(drifting) == {"naive", "drift"}


def test_a_mean_reverting_series_gets_a_model_that_beats_naive_significantly() -> None:
    series = mean_reverting()
    table, choices, auto = run(series, {"drift": DriftForecaster(), "mean": MeanForecaster()})
    assert (choices["chosen"] == "mean").all()
    y, naive = table["y"].to_numpy(), table["naive"].to_numpy()
    assert np.mean(np.abs(y - auto)) < 0.9 * np.mean(np.abs(y - naive))
    assert diebold_mariano(y, auto, naive, alternative="less") < 0.05
    assert (choices["mean Holm p"] < 0.05).all() and (choices["drift Holm p"] > 0.05).all()


def test_auto_without_a_passing_candidate_is_naive_bit_for_bit() -> None:
    table, choices, auto = run(walk(3), CANDIDATES)
    assert (choices["chosen"] == "naive").all()
    assert np.array_equal(auto, table["naive"].to_numpy())
    assert summarize_choices(choices) == "naive on 13 of 13 fits"


def test_each_horizon_chooses_on_its_own_forecasts() -> None:
    table, choices, auto = run(mean_reverting(), {"mean": MeanForecaster()}, horizon=3)
    assert sorted(choices["h"].unique()) == [1, 2, 3] and len(choices) == 3 * 13
    assert (choices["days"] == GATE.validation_days).all()
    mean = table["mean"].to_numpy()
    assert np.array_equal(auto, mean)  # chosen at every fit and horizon
    assert summarize_choices(choices).startswith("h=1: naive on 0 of 13 fits; mean on 13")


def test_changing_the_future_moves_no_earlier_choice() -> None:
    series = mean_reverting(seed=1)
    candidates = {"drift": DriftForecaster(), "ma:20": MovingAverageForecaster(20)}
    table, choices, auto = run(series, candidates)
    when = series.index[-200]  # from here on, the future is another one
    changed = series.copy()
    changed[changed.index >= when] = 100.0 + 3.0 * (changed[changed.index >= when] - 100.0)
    _, choices2, auto2 = run(changed, candidates)
    before = choices["cutoff"] < when
    assert 0 < before.sum() < len(choices)
    pd.testing.assert_frame_equal(choices[before], choices2[before], check_exact=True)
    rows = (table["cutoff"] < when).to_numpy()
    assert np.array_equal(auto[rows], auto2[rows])
    # the check can fail: later choices saw the changed series
    later = ~before
    assert not choices.loc[later].equals(choices2.loc[later])


def test_only_rows_known_at_the_cutoff_are_scored() -> None:
    """Corrupt every row whose target is after a fit's cutoff: that fit's choice stays."""
    series = mean_reverting(seed=2)
    result = backtest(
        series,
        {"naive": NaiveForecaster(), "mean": MeanForecaster()},
        TEST_DAYS,
        refit_every=REFIT,
        calibration_days=GATE.validation_days,
    )
    assert result.calibration is not None
    known = pd.concat([result.calibration, result.table], ignore_index=True)
    cutoffs = refit_cutoffs(series.index, TEST_DAYS, REFIT)
    cutoff = cutoffs[4]
    corrupted = known.copy()
    future = corrupted["date"] > cutoff
    corrupted.loc[future, "mean"] = corrupted.loc[future, "y"] + 1e6
    first = choose(known, ["mean"], cutoffs[:5], GATE)
    again = choose(corrupted, ["mean"], cutoffs[:5], GATE)
    pd.testing.assert_frame_equal(first, again, check_exact=True)
    assert not choose(corrupted, ["mean"], cutoffs, GATE).equals(
        choose(known, ["mean"], cutoffs, GATE)
    )


def test_of_several_passing_candidates_the_lowest_validation_mae_wins() -> None:
    _, choices, _ = run(
        mean_reverting(),
        {"ma:20": MovingAverageForecaster(20), "mean": MeanForecaster()},
    )
    passed = (choices["ma:20 Holm p"] < 0.05) & (choices["mean Holm p"] < 0.05)
    assert passed.any()
    best = np.where(choices["ma:20 MAE/naive"] < choices["mean MAE/naive"], "ma:20", "mean")
    assert (choices.loc[passed, "chosen"] == best[passed.to_numpy()]).all()


def test_holm_p_is_never_below_the_raw_p() -> None:
    _, choices, _ = run(walk(5), CANDIDATES)
    for name in CANDIDATES:
        assert (choices[f"{name} Holm p"] >= choices[f"{name} p"]).all()
        assert ((choices[f"{name} p"] >= 0) & (choices[f"{name} Holm p"] <= 1)).all()


def test_shrink_weight_is_zero_for_noise_and_high_for_skill() -> None:
    series = mean_reverting()
    models = {"naive": NaiveForecaster(), "mean": MeanForecaster(), "model": NoisyForecaster()}
    result = backtest(series, models, TEST_DAYS, refit_every=REFIT, calibration_days=180)
    assert result.calibration is not None
    known = pd.concat([result.calibration, result.table], ignore_index=True)
    cutoff = series.index[-TEST_DAYS - 1]
    assert shrink_weight(known, "model", cutoff, 180) <= 0.1
    assert shrink_weight(known, "mean", cutoff, 180) >= 0.5


@pytest.mark.parametrize("level", [0.0, 1.0, -0.1, 5.0])
def test_a_gate_outside_zero_one_is_refused(level: float) -> None:
    with pytest.raises(SeqcastError, match=r"^--gate .*between 0 and 1"):
        Gate(level=level)


def test_an_unknown_candidate_is_refused() -> None:
    table, _, _ = run(walk(0), {"drift": DriftForecaster()})
    cutoffs = [table["cutoff"].iloc[0]]
    with pytest.raises(SeqcastError, match=r"unknown candidate 'gru'; the backtest has drift"):
        choose(table, ["gru"], cutoffs, GATE)
    with pytest.raises(SeqcastError, match="naive cannot be a candidate"):
        choose(table, ["naive"], cutoffs, GATE)


def test_a_validation_period_too_short_is_refused() -> None:
    with pytest.raises(SeqcastError, match=f"--validation-days 10: .* at least {MIN_DAYS} days"):
        Gate(validation_days=10)
    series = walk(0)
    result = backtest(
        series,
        {"naive": NaiveForecaster(), "drift": DriftForecaster()},
        TEST_DAYS,
        refit_every=REFIT,
        calibration_days=20,
    )
    assert result.calibration is not None
    known = pd.concat([result.calibration, result.table], ignore_index=True)
    cutoffs = refit_cutoffs(series.index, TEST_DAYS, REFIT)
    with pytest.raises(
        SeqcastError,
        match=rf"^validation period too short: 20 days before the fit on .* need at least"
        rf" {MIN_DAYS}; use --validation-days / --calibration-days$",
    ):
        choose(known, ["drift"], cutoffs, GATE)


def test_apply_refuses_rows_before_the_first_fit() -> None:
    table, choices, _ = run(walk(0), {"drift": DriftForecaster()})
    earlier = table.assign(cutoff=table["cutoff"] - pd.Timedelta(days=400))
    with pytest.raises(SeqcastError, match="precedes every fit's choice"):
        apply(earlier, choices)
