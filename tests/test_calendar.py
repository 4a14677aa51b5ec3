"""Which days a series has, and how many of them may be invented: a stray weekend row does
not turn a trading-day file into a daily one, and filling never makes up a large share."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seqcast.data.days import MAX_INVENTED
from seqcast.data.load import read_prices
from seqcast.errors import SeqcastError
from seqcast.settings import LoadOptions

from .conftest import write_yahoo_csv


def _prices(days: pd.DatetimeIndex) -> pd.Series:
    rng = np.random.default_rng(5)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, len(days))))
    return pd.Series(close, index=days, name="Close")


def test_one_stray_saturday_leaves_a_trading_day_file_on_trading_days(tmp_path: Path) -> None:
    weekdays = pd.bdate_range("2014-01-01", "2023-12-31")
    saturday = pd.Timestamp("2019-06-15")
    path = write_yahoo_csv(_prices(weekdays.union([saturday])), tmp_path / "stock.csv")
    loaded = read_prices(path)
    assert loaded.calendar == "trading"
    assert loaded.series.index.equals(weekdays)  # no weekend invented, the stray one left out
    line = 2 + int(np.searchsorted(weekdays, saturday))
    assert loaded.notes == [
        f"trading-day calendar (1 of {len(weekdays) + 1} rows on a weekend): weekends are not"
        " filled in",
        f"left out 1 weekend row (first: line {line}, 2019-06-15); --calendar daily keeps them"
        " and fills every weekend",
    ]


def test_a_weekends_only_file_is_refused_not_filled(tmp_path: Path) -> None:
    days = pd.date_range("2022-01-01", periods=400)
    weekends = days[days.day_of_week >= 5]
    path = write_yahoo_csv(_prices(weekends), tmp_path / "weekends.csv")
    missing = len(pd.date_range(weekends[0], weekends[-1])) - len(weekends)
    message = (
        f"{missing} of {missing + len(weekends)} days (71%) have no row; filling them with the"
        " last price would invent more than 5% of the series; keep only the file's rows with"
        " --gaps drop"
    )
    with pytest.raises(SeqcastError, match=re.escape(message)):
        read_prices(path)
    kept = read_prices(path, LoadOptions(gaps="drop"))
    assert kept.series.index.equals(weekends)


@pytest.mark.parametrize(("missing", "refused"), [(9, False), (11, True)])
def test_filling_stops_at_the_invented_share(tmp_path: Path, missing: int, refused: bool) -> None:
    """A 200-day daily file: up to 5% (10 days) filled with a note, more is an error."""
    days = pd.date_range("2022-01-01", periods=200)
    holes = days[10 : 10 + 17 * missing : 17]  # single missing days, far apart
    path = write_yahoo_csv(_prices(days.difference(holes)), tmp_path / "coin.csv")
    assert MAX_INVENTED == 0.05
    if refused:
        with pytest.raises(SeqcastError, match=f"{missing} of 200 days .* more than 5%"):
            read_prices(path)
    else:
        loaded = read_prices(path)
        assert len(loaded.series) == 200
        assert loaded.notes[-1].startswith(f"filled {missing} missing days")


def test_one_gap_the_max_gap_allows_is_filled_in_a_short_file(tmp_path: Path) -> None:
    days = pd.date_range("2022-01-01", periods=40)
    path = write_yahoo_csv(_prices(days.delete(slice(10, 16))), tmp_path / "short.csv")
    assert len(read_prices(path).series) == 40  # 6 of 40 days (15%), one gap of --max-gap 7
