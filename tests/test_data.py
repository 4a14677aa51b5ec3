from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seqcast.data.load import DataWarning, check_length, load_prices
from seqcast.errors import SeqcastError

from .conftest import write_yahoo_csv


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
