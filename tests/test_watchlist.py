"""A watch-list in: a directory, a glob, yfinance's downloads, wide and long tables; each
series named by its ticker, each bad file or series one line while the others load."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seqcast.data.load import read_prices
from seqcast.data.watchlist import read_watchlist
from seqcast.errors import SeqcastError
from seqcast.settings import LoadOptions

from . import corpus
from .conftest import PANEL, shared_file, write_yahoo_csv


def _coin(seed: int, start: str = "2023-01-01", n: int = 40) -> pd.Series:
    rng = np.random.default_rng(seed)
    close = np.round(100 * np.exp(np.cumsum(rng.normal(0, 0.02, n))), 4)
    return pd.Series(close, index=pd.date_range(start, periods=n, name="date"))


COINS = {"BTC-USD": _coin(1), "ETH-USD": _coin(2, "2023-01-11", 30), "SOL-USD": _coin(3)}


def _same(loaded, expected: dict[str, pd.Series]) -> None:
    assert [one.name for one in loaded] == list(expected)
    for one in loaded:
        truth = expected[one.name]
        assert one.series.index.equals(truth.index), one.name
        np.testing.assert_allclose(one.series.to_numpy(), truth.to_numpy(), rtol=1e-12)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_a_directory_is_a_watch_list_named_by_ticker(tmp_path: Path) -> None:
    folder = tmp_path / "prices"
    folder.mkdir()
    for name, series in COINS.items():
        _write(folder / f"{name}.csv", corpus.yahoo(series))
    (folder / "README.md").write_text("my coins\n")
    (folder / ".~lock.BTC-USD.csv#").write_text("x")
    series, errors = read_watchlist(folder)
    assert errors == []
    _same(series, COINS)
    by_glob, _ = read_watchlist(str(folder / "*-USD.csv"))
    assert [one.name for one in by_glob] == list(COINS)


@pytest.mark.parametrize("group_by", ["column", "ticker"])
def test_yfinance_downloads_of_many_tickers(tmp_path: Path, group_by: str) -> None:
    path = _write(tmp_path / "download.csv", corpus.yfinance(COINS, group_by))
    series, errors = read_watchlist(path)
    assert errors == []
    _same(series, COINS)  # ETH-USD's empty cells before it starts are not rows
    assert {one.layout for one in series} == {"yfinance"}
    with pytest.raises(SeqcastError, match=r"holds 3 series \(BTC-USD, ETH-USD, SOL-USD\)"):
        read_prices(path)


def test_a_yfinance_download_of_one_ticker_is_a_price_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "data.csv", corpus.yfinance({"BTC-USD": COINS["BTC-USD"]}))
    loaded = read_prices(path)
    assert loaded.name == "BTC-USD" and loaded.layout == "yfinance"
    assert loaded.frame is not None
    assert list(loaded.frame.columns) == ["open", "high", "low", "volume"]
    _same([loaded], {"BTC-USD": COINS["BTC-USD"]})


def test_a_wide_table_is_a_series_per_column(tmp_path: Path) -> None:
    path = _write(tmp_path / "closes.csv", corpus.wide(COINS))
    series, errors = read_watchlist(path)
    assert errors == []
    _same(series, COINS)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_the_long_format_of_nixtla(tmp_path: Path, fmt: str) -> None:
    path = _write(tmp_path / f"panel.{fmt}", corpus.long_table(COINS, fmt))
    series, errors = read_watchlist(path)
    assert errors == []
    _same(series, COINS)


def test_a_directory_without_price_files_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("nothing here\n")
    with pytest.raises(SeqcastError, match=r"no price file in this directory \(looked for"):
        read_watchlist(tmp_path)
    with pytest.raises(SeqcastError, match=r"\*.csv: no file matches"):
        read_watchlist(str(tmp_path / "*.csv"))


def test_bad_files_and_series_are_left_out_with_one_line_each(tmp_path: Path) -> None:
    folder = tmp_path / "list"
    folder.mkdir()
    _write(folder / "BTC-USD.csv", corpus.yahoo(COINS["BTC-USD"]))
    _write(folder / "ETH-USD.csv", corpus.yahoo(COINS["ETH-USD"]))
    _write(folder / "ETH-USD.csv.gz", corpus.gz(corpus.yahoo(COINS["ETH-USD"])))
    _write(folder / "broken.csv", b"Date,Close\n2023-01-01,abc\n2023-01-02,5\n")
    one_row = {"SOL-USD": COINS["SOL-USD"], "ADA-USD": COINS["SOL-USD"].iloc[:1]}
    _write(folder / "long.csv", corpus.long_table(one_row))
    empty = {"XRP-USD": COINS["SOL-USD"], "DOT-USD": COINS["SOL-USD"] * np.nan}
    _write(folder / "wide.csv", corpus.wide({**empty, "LTC-USD": COINS["SOL-USD"]}))
    series, errors = read_watchlist(folder)
    assert [one.name for one in series] == ["BTC-USD", "SOL-USD", "XRP-USD", "LTC-USD"]
    assert sorted(errors) == sorted(
        [
            f"{folder / 'broken.csv'}: line 2, column 'Close': price 'abc' is not a positive"
            " number (1 such row); fix them, or drop them with --bad-rows drop",
            f"{folder / 'long.csv'} (ADA-USD): 1 row; a series needs at least 2",
            f"{folder / 'wide.csv'} (DOT-USD): column 'DOT-USD' has no values",
            f"ETH-USD: named by {folder / 'ETH-USD.csv'} and {folder / 'ETH-USD.csv.gz'};"
            " skipped: keep one file per ticker",
        ]
    )


def test_an_unknown_exchange_is_one_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "BTC-USD.csv", corpus.yahoo(COINS["BTC-USD"]))
    with pytest.raises(SeqcastError, match=r"--calendar 'XNYZ': unknown exchange; give daily"):
        read_watchlist(path, LoadOptions(calendar="XNYZ"))


def test_every_file_of_the_shared_panel_loads_with_no_flags_as_read_by_hand() -> None:
    folder = shared_file(PANEL)
    series, errors = read_watchlist(folder)
    files = sorted(folder.glob("*.csv"))
    assert errors == [] and len(series) == len(files) == 31
    for one, path in zip(series, files, strict=True):
        assert one.name == path.stem
        hand = pd.read_csv(path, usecols=["Date", "Close"]).dropna()
        closes = pd.Series(hand["Close"].to_numpy(), index=pd.DatetimeIndex(hand["Date"]))
        loaded = one.series
        np.testing.assert_allclose(loaded[closes.index].to_numpy(), closes.to_numpy(), rtol=1e-15)
        invented = loaded.index.difference(closes.index)  # only days the notes say were filled
        filled = [n for n in one.notes if n.startswith("filled")]
        assert len(invented) == sum(int(re.findall(r"\d+", n)[0]) for n in filled), one.name
    by_name = {one.name: one for one in series}
    assert by_name["AAPL"].calendar == "XNYS" and by_name["BTC-USD"].calendar == "daily"
    assert len(by_name["^RUT"].series) == 8396  # 8395 rows with values + the null session


def test_a_file_of_many_tickers_is_not_read_as_one(tmp_path: Path) -> None:
    rows = [
        f"{day:%Y-%m-%d},{name},{price}"
        for name, series in COINS.items()
        for day, price in series.items()
    ]
    path = _write(tmp_path / "mine.csv", ("date,ticker,close\n" + "\n".join(rows)).encode())
    series, errors = read_watchlist(path)
    assert errors == []
    _same(series, COINS)
    write_yahoo_csv(COINS["BTC-USD"], tmp_path / "single.csv")
    assert [one.name for one in read_watchlist(tmp_path / "single.csv").series] == ["single"]
