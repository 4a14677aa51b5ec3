"""Holm's correction, the one-sided Diebold-Mariano test, NaN statistics and the model
confidence set, against hand-worked values and SciPy."""

from __future__ import annotations

import math
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import pandas as pd
import pytest

from seqcast.errors import SeqcastError
from seqcast.evaluate.significance import (
    benjamini_hochberg,
    confidence_set,
    diebold_mariano,
    holm,
    t_lower,
    t_two_sided,
)


def test_holm_by_hand() -> None:
    # sorted 0.005 0.01 0.03 0.04 times 4 3 2 1: 0.02 0.03 0.06 0.04 -> monotone 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.6]) == pytest.approx([1.0, 1.0])  # capped at 1
    assert holm([0.02]) == pytest.approx([0.02])  # one test: nothing to correct
    assert holm([]).shape == (0,)


def test_holm_keeps_nan_and_counts_it() -> None:
    adjusted = holm([0.01, math.nan, 0.03])
    assert math.isnan(adjusted[1])
    assert adjusted[[0, 2]] == pytest.approx([0.03, 0.06])  # k = 3, not 2


def test_holm_matches_the_textbook_rejections() -> None:
    """Holm (1979) at 0.05 on p = .001 .011 .02 .04 .3: thresholds .05/5 .05/4 .05/3
    reject the first two and stop at .02 > .0167 (Bonferroni's .01 would stop at .011)."""
    adjusted = holm([0.3, 0.04, 0.001, 0.011, 0.02])
    assert list(adjusted < 0.05) == [False, False, True, True, False]
    assert adjusted == pytest.approx([0.3, 0.08, 0.005, 0.044, 0.06])


def test_benjamini_hochberg_by_hand() -> None:
    """p = .001 .011 .02 .04 .3 (k = 5): times 5/1 5/2 5/3 5/4 5/5 = .005 .0275 .0333 .05 .3,
    monotone from the top: rejects four at 0.051 where Holm rejects two."""
    adjusted = benjamini_hochberg([0.3, 0.04, 0.001, 0.011, 0.02])
    assert adjusted == pytest.approx([0.3, 0.05, 0.005, 0.0275, 0.1 / 3])
    assert benjamini_hochberg([0.04, 0.03]) == pytest.approx([0.04, 0.04])  # step-up
    assert benjamini_hochberg([0.9, 0.95]) == pytest.approx([0.95, 0.95])
    assert benjamini_hochberg([]).shape == (0,)
    kept = benjamini_hochberg([0.01, math.nan, 0.03])
    assert math.isnan(kept[1]) and kept[[0, 2]] == pytest.approx([0.03, 0.045])  # k = 3


@pytest.mark.parametrize("seed", range(5))
def test_holm_and_benjamini_hochberg_are_statsmodels(seed: int) -> None:
    """statsmodels comes with StatsForecast (the dev extras): the maintained reference."""
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(0, 0.02, 5), rng.uniform(0, 1, 26)])  # 31 series
    np.testing.assert_allclose(holm(p), multipletests(p, method="holm")[1], rtol=1e-12)
    np.testing.assert_allclose(
        benjamini_hochberg(p), multipletests(p, method="fdr_bh")[1], rtol=1e-12
    )


@pytest.mark.parametrize(("t", "df"), [(-1.7, 20), (1.7, 20), (0.0, 5), (-3.2, 300)])
def test_lower_t_tail_is_scipys(t: float, df: int) -> None:
    from scipy import stats

    assert t_lower(t, df) == pytest.approx(stats.t.cdf(t, df), rel=1e-9)


def test_one_sided_dm_halves_the_two_sided_p_in_the_claimed_direction() -> None:
    rng = np.random.default_rng(0)
    y = rng.normal(size=200)
    better, worse = y + rng.normal(0, 0.9, 200), y + rng.normal(0, 1.0, 200)
    two = diebold_mariano(y, better, worse)
    assert diebold_mariano(y, better, worse, alternative="less") == pytest.approx(two / 2)
    assert diebold_mariano(y, worse, better, alternative="less") == pytest.approx(1 - two / 2)


def test_one_sided_dm_by_hand() -> None:
    y = np.zeros(5)
    y_ref = np.array([1.0, 2.0, 0.0, 3.0, 1.0])  # d = 0 - |e_ref| = -1 -2 0 -3 -1
    # the statistic is -2.7456 (test_metrics' example, mirrored): P(T4 <= -2.7456) = 0.0258
    assert diebold_mariano(y, y, y_ref, alternative="less") == pytest.approx(0.0258030, abs=1e-6)


def test_one_sided_dm_without_spread() -> None:
    y = np.zeros(4)
    assert diebold_mariano(y, y, y + 1.0, alternative="less") == 0.0  # always better
    assert diebold_mariano(y, y + 1.0, y, alternative="less") == 1.0  # always worse
    assert diebold_mariano(y, y, y, alternative="less") == 1.0  # never different


T = TypeVar("T")


def returns_within(seconds: float, call: Callable[[], T]) -> T:
    """Run `call` in a daemon thread: a hang fails the test instead of freezing it."""
    out: list[T] = []
    thread = threading.Thread(target=lambda: out.append(call()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert out, f"did not return within {seconds} s"
    return out[0]


def test_a_nan_statistic_gives_a_nan_p_value_not_a_hang() -> None:
    """Issue 20: t_two_sided(nan, n) never returned."""
    assert math.isnan(returns_within(10, lambda: t_two_sided(math.nan, 30)))
    y, y_ref = np.arange(10.0), np.arange(10.0) + 1
    y_hat = y_ref.copy()
    y_hat[3] = math.nan
    for alternative in ("two-sided", "less"):
        p = returns_within(10, lambda a=alternative: diebold_mariano(y, y_hat, y_ref, 1, a))
        assert math.isnan(p)


def _losses(seed: int = 0, n: int = 500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    good = np.abs(rng.standard_t(4, n))
    return pd.DataFrame(
        {
            "good": good,
            "naive": good + rng.normal(0.0, 0.5, n),  # no better or worse on average
            "bad": good + np.abs(rng.normal(0.5, 0.2, n)),  # clearly worse
        }
    )


def test_confidence_set_keeps_the_indistinguishable_and_drops_the_worse() -> None:
    included = confidence_set(_losses(), size=0.10, seed=1)
    assert included == ["good", "naive"]


def test_confidence_set_is_reproducible_with_a_seed() -> None:
    rng = np.random.default_rng(3)
    close = pd.DataFrame({f"m{i}": np.abs(rng.normal(1.0, 1.0, 150)) for i in range(4)})
    close["m3"] += 0.12
    sets = {tuple(confidence_set(close, seed=seed)) for seed in (5, 5, 5)}
    assert len(sets) == 1


def test_confidence_set_with_identical_losses() -> None:
    losses = _losses()
    losses["auto"] = losses["naive"]  # auto that chose naive everywhere
    included = confidence_set(losses, seed=1)
    assert "naive" in included and "auto" in included and "bad" not in included
    assert confidence_set(losses[["naive", "auto"]]) == ["naive", "auto"]
    assert confidence_set(losses[["good"]]) == ["good"]


def test_confidence_set_with_losses_equal_up_to_rounding() -> None:
    """Networks shrunk to naive differ from it by 1e-14: arch's MCS cannot rank columns
    whose differences have no variance (it raised IndexError), so they count as one."""
    losses = _losses()[["naive", "bad"]]
    losses["shrunk"] = losses["naive"] * (1 + 1e-14)
    losses["shrunk2"] = losses["naive"] + 1e-14
    included = confidence_set(losses, seed=1)
    assert included == ["naive", "shrunk", "shrunk2"]


def test_confidence_set_refuses_missing_losses() -> None:
    losses = _losses()
    losses.loc[3, "bad"] = math.nan
    with pytest.raises(SeqcastError, match="losses of bad have missing values"):
        confidence_set(losses)


def test_confidence_set_without_arch_says_what_to_install(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "arch.bootstrap", None)  # import raises ImportError
    with pytest.raises(SeqcastError, match=r"pip install 'seqcast\[stats\]'"):
        confidence_set(_losses())
