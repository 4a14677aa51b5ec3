"""`auto` in an experiment: naive to the bit on a random walk, a candidate where one has
proven itself, its choices recorded, saved and reloaded, and nothing chosen on the future."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seqcast import runs
from seqcast.data.load import Loaded
from seqcast.errors import SeqcastError
from seqcast.evaluate.stage import forecast
from seqcast.experiment import Experiment
from seqcast.models import registry
from seqcast.settings import Evaluation

from .conftest import random_walk

VALIDATION = {"validation_days": 120}


def _mean_reverting(n: int = 700, seed: int = 1) -> pd.Series:
    """A price that returns to 100 at once: yesterday's value is a poor forecast."""
    rng = np.random.default_rng(seed)
    x = np.zeros(n)
    for t in range(1, n):
        x[t] = rng.normal(0, 0.03)  # noise around a level: the mean of a week beats naive
    index = pd.date_range("2020-01-01", periods=n, freq="D", name="date")
    return pd.Series(100 * np.exp(x), index=index, name="Close")


def test_auto_is_naive_to_the_bit_when_nothing_passes(tmp_path: Path) -> None:
    series = random_walk(700, seed=3)
    result = Experiment(
        {"auto": registry.make("auto", {"candidates": ("ma:5",), "validation_days": 120})},
        Evaluation(test_days=120, refit_every=30),
    ).run(_as_loaded(series, tmp_path))
    assert np.array_equal(result.table["auto"].to_numpy(), result.table["naive"].to_numpy())
    assert result.settings["selections"]["auto"]["summary"].startswith("naive on 4 of 4 fits")
    assert result.next_days["auto"].iloc[0] == result.next_days["naive"].iloc[0]


def test_auto_chooses_a_candidate_that_proved_itself_and_beats_naive(tmp_path: Path) -> None:
    series = _mean_reverting(900)
    result = Experiment(
        {"auto": registry.make("auto", {"candidates": ("ma:5",), "validation_days": 300})},
        Evaluation(test_days=120, refit_every=30),
    ).run(_as_loaded(series, tmp_path))
    summary = result.summary(1)
    assert "auto/ma:5 on 4" in result.settings["selections"]["auto"]["summary"]
    assert summary.loc["auto", "MAE/naive"] < 1 and summary.loc["auto", "DM p"] < 0.05
    directory = runs.save(result, tmp_path / "run", report=False)
    loaded = runs.load(directory)
    again = forecast(loaded, runs.read_run_data(loaded).series, 1)  # the models as saved
    assert again["auto"].iloc[0] == pytest.approx(result.next_days["auto"].iloc[0], rel=1e-9)
    assert again["auto"].iloc[0] == again["auto/ma:5"].iloc[0]


def test_changing_the_future_moves_no_earlier_choice(tmp_path: Path) -> None:
    series = _mean_reverting()
    changed = series.copy()
    changed.iloc[-45:] *= np.linspace(1.0, 3.0, 45)  # after the third fit's cutoff
    results = [
        Experiment(
            {
                "auto": registry.make(
                    "auto", {"candidates": ("ma:3", "drift"), "validation_days": 120}
                )
            },
            Evaluation(test_days=120, refit_every=30),
        ).run(_as_loaded(s, tmp_path / str(k)))
        for k, s in enumerate((series, changed))
    ]
    fits = [pd.DataFrame(r.settings["selections"]["auto"]["fits"]) for r in results]
    cutoff = str(series.index[-46].date())
    earlier = [f[f["cutoff"] <= cutoff].reset_index(drop=True) for f in fits]
    pd.testing.assert_frame_equal(earlier[0], earlier[1])
    rows = results[0].table["cutoff"] <= series.index[-46]
    assert np.array_equal(results[0].table.loc[rows, "auto"], results[1].table.loc[rows, "auto"])


def test_bad_auto_settings_are_one_line() -> None:
    with pytest.raises(SeqcastError, match="--gate"):
        registry.make("auto", {"gate": 1.5}).check()
    with pytest.raises(SeqcastError, match="unknown model 'nope'"):
        registry.make("auto", {"candidates": ("nope",)}).check()
    with pytest.raises(SeqcastError, match="validation-days"):
        registry.make("auto", {"validation_days": 5}).check()


def _as_loaded(series: pd.Series, folder: Path) -> Loaded:
    from seqcast.data.load import read_prices

    from .conftest import write_yahoo_csv

    folder.mkdir(parents=True, exist_ok=True)
    return read_prices(write_yahoo_csv(series, folder / "prices.csv"))
