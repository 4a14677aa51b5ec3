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
        f"left out 1 weekend row of a trading-day series (1 of {len(weekdays) + 1} rows;"
        f" first: line {line}, 2019-06-15); --calendar daily keeps them and fills every weekend",
        "trading-day calendar (no weekday without a row)",
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


def _sessions(code: str, first: str, last: str) -> pd.DatetimeIndex:
    from seqcast.data.exchanges import sessions

    known = sessions(code)
    return known[(known >= first) & (known <= last)]


def test_a_taiwan_file_is_not_refused_for_lunar_new_year(tmp_path: Path) -> None:
    """Taiwan closed 2023-01-18 .. 01-29; the file has no row on those days."""
    days = _sessions("XTAI", "2022-11-01", "2023-03-31").drop(pd.Timestamp("2023-01-18"))
    stock = read_prices(write_yahoo_csv(_prices(days), tmp_path / "2330.TW.csv"))
    assert stock.calendar == "XTAI" and stock.name == "2330.TW"
    assert stock.series.index.difference(days).tolist() == [pd.Timestamp("2023-01-18")]
    assert stock.notes[-1].startswith("filled 1 missing XTAI sessions")  # the library's session
    index = read_prices(write_yahoo_csv(_prices(days), tmp_path / "taiex.csv"))
    assert index.calendar == "trading" and index.series.index.equals(days)  # nothing invented
    assert "longest run 8, from 2023-01-18" in index.notes[-1]
    named = read_prices(tmp_path / "taiex.csv", LoadOptions(calendar="xtai"))
    assert named.calendar == "XTAI"
    assert (
        named.notes[0] == "trading days of XTAI (--calendar XTAI): its holidays are not filled in"
    )


def test_forecasts_are_dated_on_the_exchange_sessions(tmp_path: Path) -> None:
    """Friday 2024-02-16, then Presidents' Day: the next forecast is for Tuesday."""
    from seqcast.data.calendar import next_dates
    from seqcast.models.baselines import NaiveForecaster

    days = _sessions("XNYS", "2023-06-01", "2024-02-16")
    loaded = read_prices(write_yahoo_csv(_prices(days), tmp_path / "SPY.csv"))
    assert loaded.calendar == "XNYS" and loaded.series.index.equals(days)
    expected = ["2024-02-20", "2024-02-21", "2024-02-22"]
    assert list(next_dates(days, 3, "XNYS").strftime("%Y-%m-%d")) == expected
    forecast = NaiveForecaster().fit(loaded.series).forecast(loaded.series, 3)
    assert list(forecast.index.strftime("%Y-%m-%d")) == expected
    assert list(next_dates(days, 1, "trading").strftime("%Y-%m-%d")) == ["2024-02-19"]


def test_a_guessed_exchange_the_rows_do_not_follow_is_dropped(tmp_path: Path) -> None:
    days = _sessions("XTAI", "2022-01-01", "2023-12-31")  # Taiwan trades on US holidays
    loaded = read_prices(write_yahoo_csv(_prices(days), tmp_path / "TSMC.csv"))
    assert loaded.calendar == "trading" and loaded.series.index.equals(days)
    assert loaded.notes[0].startswith("the rows do not follow XNYS's sessions (guessed from")


def test_a_long_hole_without_an_exchange_calendar_is_refused(tmp_path: Path) -> None:
    days = pd.bdate_range("2022-01-03", "2022-12-30")
    holes = days.delete(slice(100, 115))  # three weeks of weekdays without a row
    path = write_yahoo_csv(_prices(holes), tmp_path / "fund.csv")
    with pytest.raises(SeqcastError, match="15 weekdays without a row from 2022-05-23"):
        read_prices(path)
    assert read_prices(path, LoadOptions(gaps="drop")).series.index.equals(holes)


def test_a_weekends_only_file_forced_onto_trading_days_is_one_line(tmp_path: Path) -> None:
    days = pd.date_range("2022-01-01", periods=60)
    path = write_yahoo_csv(_prices(days[days.day_of_week >= 5]), tmp_path / "w.csv")
    with pytest.raises(SeqcastError, match="every row is on a weekend"):
        read_prices(path, LoadOptions(calendar="trading"))
