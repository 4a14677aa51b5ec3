"""Files as spreadsheets write them in other countries: decimal commas, semicolons, tabs,
UTF-16, day/month dates. Each is read to the right numbers, or refused; never misread."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seqcast.data.load import read_prices
from seqcast.errors import SeqcastError
from seqcast.settings import LoadOptions

CLOSES = [27591.38, 27591.4, 27650.0, 27012.05, 26998.1]
DAYS = [f"2023-04-{d:02d}" for d in range(17, 22)]


def _file(tmp_path: Path, lines: list[str], name: str = "f.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _rows(first: list[str], second: list, separator: str = ",") -> list[str]:
    return [f"{a}{separator}{b}" for a, b in zip(first, second, strict=False)]


def _closes(path: Path, **options: object) -> list[float]:
    return read_prices(path, LoadOptions(**options)).series.tolist()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "cells",
    [
        ['"27591,38"', '"27591,4"', '"27650"', '"27012,05"', '"26998,1"'],  # Google Sheets
        ['"27.591,38"', '"27.591,40"', '"27.650,00"', '"27.012,05"', '"26.998,10"'],  # Excel
        ['"27 591,38"', '"27 591,4"', '"27 650"', '"27 012,05"', '"26 998,1"'],  # French
    ],
)
def test_decimal_commas_are_read_as_decimals(tmp_path: Path, cells: list[str]) -> None:
    path = _file(tmp_path, ["Date,Close", *_rows(DAYS, cells)])
    loaded = read_prices(path)
    assert loaded.series.tolist() == CLOSES  # not 2,759,138 nor 27.59
    assert "read decimal commas in Close ('1.234,5' is 1234.5)" in loaded.notes


def test_semicolon_files_with_decimal_commas(tmp_path: Path) -> None:
    """The European Excel default: ';' between fields, ',' in numbers, '.' for thousands;
    the volume ('1.000', either reading) follows the prices."""
    european = [f"{c:_.2f}".replace(".", ",").replace("_", ".") for c in CLOSES]
    rows = _rows(DAYS, [f"{c};1.000" for c in european], ";")
    loaded = read_prices(_file(tmp_path, ["Date;Close;Volume", *rows]))
    assert loaded.series.tolist() == CLOSES
    assert loaded.frame is not None and (loaded.frame["volume"] == 1000.0).all()


def test_a_column_mixing_decimal_points_and_commas_is_refused(tmp_path: Path) -> None:
    cells = ['"27591,38"', "27591.40", "27650", '"27012,05"', "26998.10"]
    path = _file(tmp_path, ["Date,Close", *_rows(DAYS, cells)])
    message = (
        "column 'Close' mixes a decimal point ('27591.40', line 3) and a decimal comma"
        " ('27591,38', line 2); save the file with one decimal separator"
    )
    with pytest.raises(SeqcastError, match=re.escape(message)):
        read_prices(path)


def test_a_column_no_cell_decides_says_how_it_was_read(tmp_path: Path) -> None:
    cells = ['"1,234"', '"1,250"', '"1,301"', '"1,299"', '"1,310"']
    path = _file(tmp_path, ["Date,Close", *_rows(DAYS, cells)])
    loaded = read_prices(path)
    assert loaded.series.tolist() == [1234.0, 1250, 1301, 1299, 1310]
    assert (
        "column 'Close': no value in the file tells the decimal separator; read '1,234' as 1234"
    ) in loaded.notes
    semicolons = _file(tmp_path, ["Date;Close", *_rows(DAYS, cells, ";")])
    assert _closes(semicolons) == [1.234, 1.25, 1.301, 1.299, 1.31]  # European Excel's reading


def test_utf16_tab_separated_excel_unicode_text(tmp_path: Path) -> None:
    rows = _rows(["4/17/2023", "4/18/2023", "4/19/2023"], [f"{c:,.2f}" for c in CLOSES], "\t")
    for encoding in ("utf-16", "utf-16-le", "utf-16-be"):  # with a byte-order mark, and without
        path = _file(tmp_path, ["Date\tClose", *rows], "prices.txt", encoding)
        assert _closes(path) == CLOSES[:3]


def test_tab_and_pipe_separated_files(tmp_path: Path) -> None:
    for separator in ("\t", "|"):
        rows = _rows(DAYS, [f"{c}{separator}7" for c in CLOSES], separator)
        path = _file(tmp_path, [f"Date{separator}Close{separator}Volume", *rows])
        assert _closes(path) == CLOSES


@pytest.mark.parametrize(
    ("dates", "first"),
    [
        (["4/23/2023", "4/24/2023", "4/25/2023"], "2023-04-23"),  # US
        (["23.04.2023", "24.04.2023", "25.04.2023"], "2023-04-23"),  # German
        (["23/04/2023", "24/04/2023", "25/04/2023"], "2023-04-23"),  # British, French
        (["30/12/22", "31/12/22", "01/01/23"], "2022-12-30"),  # two-digit years
        (["2023/4/23", "2023/4/24", "2023/4/25"], "2023-04-23"),  # Japanese, Chinese
        (["4/23/2023 16:00", "4/24/2023 16:00", "4/25/2023 16:00"], "2023-04-23"),
    ],
)
def test_day_month_dates_when_every_row_agrees(tmp_path: Path, dates: list, first: str) -> None:
    path = _file(tmp_path, ["Date,Close", *_rows(dates, CLOSES)])
    loaded = read_prices(path)
    assert str(loaded.series.index[0].date()) == first and len(loaded.series) == 3
    assert not [n for n in loaded.notes if "dates such as" in n]  # a day above 12 told


def test_ambiguous_dates_say_which_reading_was_taken(tmp_path: Path) -> None:
    dates = [f"{m}/{d}/2023" for m, d in [(1, 2), (1, 3), (1, 4), (1, 5)]]  # all <= 12
    path = _file(tmp_path, ["Date,Close", *_rows(dates, CLOSES)])
    loaded = read_prices(path)
    assert list(loaded.series.index.strftime("%m-%d")) == ["01-02", "01-03", "01-04", "01-05"]
    assert (
        "dates such as '1/2/2023' read as MM/DD/YYYY (no day above 12 tells; that way the"
        " rows are closest together); if they are DD/MM/YYYY, give --date-format %d/%m/%Y"
    ) in loaded.notes
    chosen = read_prices(path, LoadOptions(date_format="%d/%m/%Y", gaps="drop"))
    assert list(chosen.series.index.strftime("%m-%d")) == ["02-01", "03-01", "04-01", "05-01"]
    with pytest.raises(SeqcastError, match=r"line 2, column 'Date': '1/2/2023' is not a date"):
        read_prices(path, LoadOptions(date_format="%Y-%m-%d"))


def test_rows_that_disagree_on_day_and_month_are_refused(tmp_path: Path) -> None:
    dates = ["4/23/2023", "4/24/2023", "25/4/2023"]
    path = _file(tmp_path, ["Date,Close", *_rows(dates, CLOSES)])
    with pytest.raises(SeqcastError, match=r"line 4, column 'Date': '25/4/2023' is not a date"):
        read_prices(path)


def test_a_preamble_line_above_a_semicolon_header(tmp_path: Path) -> None:
    rows = _rows(DAYS, [str(c).replace(".", ",") for c in CLOSES], ";")
    path = _file(tmp_path, ["Kurse der Aktie", "Date;Close", *rows])
    loaded = read_prices(path)
    assert loaded.series.tolist() == CLOSES
    np.testing.assert_array_equal(
        loaded.series.index, pd.DatetimeIndex(DAYS, name="date").to_numpy()
    )


@pytest.mark.parametrize("broken", [0, 2])  # the first data row, or a later one
def test_unquoted_decimal_commas_split_a_number_and_are_refused(tmp_path: Path, broken: int):
    cells = ["27591.38", "27591.40", "27650.00"]
    cells[broken] = "27591,38"  # two fields where the header has one
    path = _file(tmp_path, ["Date,Close", *_rows(DAYS, cells)])
    with pytest.raises(SeqcastError, match=f"line {broken + 2}.*must be quoted, or the fields"):
        read_prices(path)


def test_daily_bars_stamped_at_local_midnight_keep_their_date(tmp_path: Path) -> None:
    """yfinance once wrote '2024-01-02 00:00:00+08:00' for a Taipei close: that day, not
    2024-01-01 16:00 UTC; stamps at other times are still converted to UTC."""
    stamps = [f"2024-01-0{d} 00:00:00+08:00" for d in (2, 3, 4)]
    path = _file(tmp_path, ["Date,Close", *_rows(stamps, CLOSES)])
    dates = read_prices(path).series.index.strftime("%Y-%m-%d").tolist()
    assert dates == ["2024-01-02", "2024-01-03", "2024-01-04"]
