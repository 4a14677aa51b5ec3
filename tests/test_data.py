import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seqcast.data.load import DataWarning, check_length, load_prices
from seqcast.errors import SeqcastError
from seqcast.settings import LoadOptions

from .conftest import BTC, shared_file, write_yahoo_csv


def test_loads_yahoo_csv_as_dated_float_series(price_csv: Path, series: pd.Series) -> None:
    loaded = load_prices(price_csv)
    assert loaded.index.equals(series.index)
    np.testing.assert_allclose(loaded.to_numpy(), series.to_numpy(), rtol=1e-8)
    assert loaded.dtype == np.float64


def test_unsorted_rows_are_sorted(tmp_path: Path, series: pd.Series) -> None:
    path = write_yahoo_csv(series.iloc[::-1], tmp_path / "reversed.csv")
    with pytest.warns(DataWarning, match="rows were not in date order; sorted oldest first"):
        assert load_prices(path).index.is_monotonic_increasing


def test_other_target_column(price_csv: Path, series: pd.Series) -> None:
    loaded = load_prices(price_csv, target="Open")
    np.testing.assert_allclose(loaded.to_numpy(), series.to_numpy() * 0.99, rtol=1e-6)


def test_real_btc_file_matches_its_readme(btc_csv: Path) -> None:
    btc = load_prices(btc_csv)
    assert len(btc) == 3540
    assert btc.index[0] == pd.Timestamp("2014-09-17")
    assert btc.index[-1] == pd.Timestamp("2024-05-26")
    assert btc["2017-12-16"] == pytest.approx(19497.40, abs=0.01)
    assert btc["2020-03-12"] == pytest.approx(4970.79, abs=0.01)


def _corrupt(path: Path, line: int, column: str, value: str) -> None:
    frame = pd.read_csv(path, dtype=str)
    frame.loc[line - 2, column] = value
    frame.to_csv(path, index=False)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("Close", "abc", "line 7, column 'Close': price 'abc' is not a positive number"),
        ("Close", "-5", "line 7, column 'Close': price '-5' is not a positive number"),
        ("Close", "0", "line 7, column 'Close': price '0'"),
        ("Close", "null", "line 7, column 'Close': price 'null'"),
        ("Close", "", "line 7, column 'Close': price 'empty'"),
        ("Date", "yesterday", "line 7, column 'Date': 'yesterday' is not a date"),
        ("Date", "2020-01-01", "date 2020-01-01 appears more than once (lines [2, 7])"),
    ],
)
def test_bad_values_name_file_line_and_column(
    price_csv: Path, column: str, value: str, message: str
) -> None:
    _corrupt(price_csv, 7, column, value)
    with pytest.raises(SeqcastError) as info:
        load_prices(price_csv)
    assert str(price_csv) in str(info.value)
    assert message in str(info.value)


def test_missing_column_lists_what_is_there(price_csv: Path) -> None:
    with pytest.raises(SeqcastError, match=r"no column 'Price' \(columns are: Date, Open"):
        load_prices(price_csv, target="Price")


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "file not found"), ("", "not a readable CSV"), ("Date,Close\n", "no data rows")],
)
def test_unreadable_files(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_text(content)
    with pytest.raises(SeqcastError, match=message):
        load_prices(path)


def test_user_file_is_never_modified(price_csv: Path) -> None:
    before = price_csv.read_bytes()
    load_prices(price_csv)
    assert price_csv.read_bytes() == before


def test_check_length_says_how_many_rows(series: pd.Series) -> None:
    check_length(series, len(series), "f.csv", "x")
    with pytest.raises(SeqcastError, match=r"f.csv: 240 rows, but the job needs at least 241"):
        check_length(series, 241, "f.csv", "the job")


def _stock_csv(
    tmp_path: Path, missing: tuple[str, ...] = ("2021-04-02",), name: str = "index.csv"
) -> Path:
    """Weekdays only, as Yahoo exports an index: no weekend rows; one weekday without a row
    (2021-04-02 was Good Friday, a holiday of the New York Stock Exchange)."""
    days = pd.bdate_range("2021-03-01", "2021-04-30", name="date")
    prices = pd.Series(np.linspace(3900, 4200, len(days)), index=days, name="Close")
    return write_yahoo_csv(prices.drop(pd.DatetimeIndex(missing)), tmp_path / name)


def test_a_file_without_weekend_rows_is_on_trading_days(tmp_path: Path) -> None:
    from seqcast.data.load import read_prices
    from seqcast.models.baselines import NaiveForecaster

    loaded = read_prices(_stock_csv(tmp_path))
    assert loaded.calendar == "trading"
    assert not (loaded.series.index.day_of_week >= 5).any()  # no weekend invented
    assert len(loaded.series) == len(pd.bdate_range("2021-03-01", "2021-04-30")) - 1
    assert loaded.notes == [
        "trading-day calendar: 1 weekdays without a row taken as holidays, not filled"
        " (longest run 1, from 2021-04-02); name the exchange with --calendar (e.g. XNYS)"
        " to tell holidays from missing days"
    ]
    nxt = NaiveForecaster().fit(loaded.series).forecast(loaded.series, 3)
    assert [str(d.date()) for d in nxt.index] == ["2021-05-03", "2021-05-04", "2021-05-05"]
    # forced to every day, its weekends would be 28% invented closes: refused, not filled
    with pytest.raises(SeqcastError, match=r"17 of 61 days \(28%\) have no row.*--gaps drop"):
        read_prices(_stock_csv(tmp_path), LoadOptions(calendar="daily", max_gap=9))


def test_holidays_are_not_gaps_missing_sessions_are(tmp_path: Path) -> None:
    from seqcast.data.load import read_prices

    # no exchange known: a weekday without a row is a holiday, unless --gaps error
    with pytest.raises(SeqcastError, match="1 weekdays without a row from 2021-04-02"):
        read_prices(_stock_csv(tmp_path), LoadOptions(gaps="error"))
    dropped = read_prices(_stock_csv(tmp_path), LoadOptions(gaps="drop"))
    assert pd.Timestamp("2021-04-02") not in dropped.series.index
    # GSPC trades on the New York Stock Exchange: Good Friday is its holiday, not a gap ...
    holiday = read_prices(_stock_csv(tmp_path, name="GSPC.csv"), LoadOptions(gaps="error"))
    assert holiday.calendar == "XNYS" and pd.Timestamp("2021-04-02") not in holiday.series.index
    # ... and a Tuesday without a row is a missing session
    tuesday = _stock_csv(tmp_path, ("2021-04-02", "2021-04-06"), "GSPC.csv")
    filled = read_prices(tuesday)
    assert filled.notes[-1] == (
        "filled 1 missing XNYS sessions with the last known price (longest gap 1 XNYS"
        " sessions, from 2021-04-06)"
    )
    assert filled.series["2021-04-06"] == filled.series["2021-04-05"]
    with pytest.raises(SeqcastError, match="1 XNYS sessions missing from 2021-04-06"):
        read_prices(tuesday, LoadOptions(gaps="error"))


@pytest.mark.parametrize(
    ("header", "rows", "column"),
    [
        ("Date,Adj_Close", ["2021-01-0{d},{p}"], "Adj_Close"),
        ("event_date,close_price_usd,volume", ["2021-01-0{d},{p},12"], "close_price_usd"),
        ("timestamp,close", ["2021-01-0{d}T00:00:00Z,{p}"], "close"),
        ("day,value", ["2021-01-0{d},{p}"], "value"),
        ("day,open,close,adj close", ["2021-01-0{d},1,{p},{p}"], "close"),
    ],
)
def test_a_date_and_one_price_column_need_no_flags(
    tmp_path: Path, header: str, rows: list[str], column: str
) -> None:
    from seqcast.data.load import read_prices

    body = [rows[0].format(d=d, p=100 + d) for d in range(1, 8)]
    path = tmp_path / "mine.csv"
    path.write_text("\n".join([header, *body]) + "\n")
    loaded = read_prices(path)
    assert loaded.layout == "generic" and loaded.series.name == column
    assert loaded.series.tolist() == [101.0, 102, 103, 104, 105, 106, 107]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("date,open_price,close_price", "several price columns (open_price, close_price)"),
        ("date,a,b", "which column is the price? numeric columns: a, b; choose one with --target"),
    ],
)
def test_ambiguous_files_list_the_candidates(tmp_path: Path, header: str, message: str) -> None:
    from seqcast.data.load import read_prices

    path = tmp_path / "two.csv"
    path.write_text(header + "\n" + "\n".join(f"2021-01-0{d},1,2" for d in range(1, 8)) + "\n")
    with pytest.raises(SeqcastError, match=re.escape(message)):
        read_prices(path)


def test_open_high_low_and_volume_come_along(price_csv: Path, series: pd.Series) -> None:
    from seqcast.data.load import read_prices

    loaded = read_prices(price_csv)
    assert loaded.frame is not None and list(loaded.frame.columns) == [
        "open",
        "high",
        "low",
        "volume",
    ]
    np.testing.assert_allclose(loaded.frame["high"], series.to_numpy() * 1.02, rtol=1e-6)


def test_the_embedded_dataset_is_the_reference_file_compressed() -> None:
    import gzip
    import hashlib

    from seqcast.data.datasets import BITCOIN, load_bitcoin

    btc_csv = shared_file(BTC)
    raw = gzip.decompress(BITCOIN.read_bytes())
    assert raw == btc_csv.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == (
        "a5981ef753efba2105300ca39610fda3d7d4f365cef674fad39e0cc819422199"
    )
    pd.testing.assert_series_equal(load_bitcoin().series, load_prices(btc_csv))
