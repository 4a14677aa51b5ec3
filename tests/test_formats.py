"""Every layout in, one clean daily series out; every fault, one clear line."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seqcast.data.load import DataWarning, load_prices, read_prices
from seqcast.errors import SeqcastError
from seqcast.settings import LoadOptions

from . import corpus

SERIES = corpus.base_series()


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("layout", list(corpus.LAYOUT_FILES))
def test_every_layout_loads_to_the_same_daily_closes(tmp_path: Path, layout: str) -> None:
    writer, name, options, detected = corpus.LAYOUT_FILES[layout]
    path = _write(tmp_path, name, writer(SERIES))
    loaded = read_prices(path, LoadOptions(**options))
    assert loaded.layout == detected
    assert loaded.series.index.equals(SERIES.index)
    np.testing.assert_allclose(loaded.series.to_numpy(), SERIES.to_numpy(), rtol=1e-12)


def test_repairs_are_stated(tmp_path: Path) -> None:
    newest_first = read_prices(_write(tmp_path, "i.csv", corpus.investing(SERIES)))
    assert newest_first.notes == ["rows were not in date order; sorted oldest first"]
    intraday = read_prices(_write(tmp_path, "k.csv", corpus.kaggle_intraday(SERIES)))
    assert intraday.notes[0].startswith("skipped 40 rows without values (first: line 7)")
    assert (
        "resampled 920 intraday rows to 40 daily closes (the last price of each UTC day)"
        in (intraday.notes[1])
    )


def test_format_can_be_forced(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.csv", corpus.yahoo(SERIES))
    assert read_prices(path, options=LoadOptions(format="yahoo")).layout == "yahoo"
    with pytest.raises(SeqcastError, match="no column 'snapped_at'"):
        read_prices(path, options=LoadOptions(format="coingecko"))


def test_any_numeric_column_can_be_the_target(tmp_path: Path) -> None:
    path = _write(tmp_path, "i.csv", corpus.investing(SERIES))
    with pytest.warns(DataWarning):
        volume = load_prices(path, "Vol.")
    assert (volume == 93560.0).all()  # "93.56K"


def _yahoo_lines() -> list[str]:
    return corpus.yahoo(SERIES).decode().splitlines()


def _load_lines(tmp_path: Path, lines: list[str], **options: object) -> pd.Series:
    path = _write(tmp_path, "f.csv", ("\n".join(lines) + "\n").encode())
    return load_prices(path, **options)


def test_yahoo_null_rows_become_filled_gaps(tmp_path: Path) -> None:
    lines = _yahoo_lines()
    day = lines[5].split(",")[0]
    lines[5] = f"{day},null,null,null,null,null,null"
    with pytest.warns(DataWarning) as notes:
        series = _load_lines(tmp_path, lines)
    assert [str(n.message).split(": ", 1)[1] for n in notes] == [
        "skipped 1 rows without values (first: line 6)",
        f"filled 1 missing days with the last known price (longest gap 1 days, from {day})",
    ]
    assert series[day] == SERIES.iloc[3] and len(series) == len(SERIES)


@pytest.mark.parametrize(
    ("options", "expected"),
    [({"duplicates": "first"}, 0), ({"duplicates": "last"}, 1)],
)
def test_duplicates_policy(tmp_path: Path, options: dict, expected: int) -> None:
    lines = _yahoo_lines()
    twin = lines[3].split(",")
    twin[4] = "12345.000000"
    lines.insert(4, ",".join(twin))
    with pytest.raises(SeqcastError, match=r"appears more than once \(lines \[4, 5\]\)"):
        _load_lines(tmp_path, lines)
    with pytest.warns(DataWarning, match="duplicate-day rows"):
        series = _load_lines(tmp_path, lines, **options)
    assert series.iloc[2] == [SERIES.iloc[2], 12345.0][expected]


def test_gap_policies(tmp_path: Path) -> None:
    lines = _yahoo_lines()
    del lines[10:13]  # three days missing
    with pytest.warns(DataWarning, match="filled 3 missing days"):
        assert len(_load_lines(tmp_path, lines)) == len(SERIES)
    with pytest.warns(DataWarning, match="3 missing days left out"):
        assert len(_load_lines(tmp_path, lines, gaps="drop")) == len(SERIES) - 3
    with pytest.raises(SeqcastError, match=r"3 days missing from 2021-03-10.*--gaps drop"):
        _load_lines(tmp_path, lines, gaps="error")
    with pytest.raises(SeqcastError, match="--max-gap 3"):
        _load_lines(tmp_path, lines, max_gap=2)


@pytest.mark.parametrize("value", ["", "null", "NaN", "abc", "0", "-3.5"])
def test_bad_prices_error_or_drop(tmp_path: Path, value: str) -> None:
    lines = _yahoo_lines()
    cells = lines[8].split(",")
    cells[4] = value
    lines[8] = ",".join(cells)
    shown = value or "empty"
    with pytest.raises(SeqcastError, match=f"line 9, column 'Close': price '{shown}'"):
        _load_lines(tmp_path, lines)
    with pytest.warns(DataWarning) as notes:
        series = _load_lines(tmp_path, lines, bad_rows="drop")
    assert "dropped 1 rows with unusable prices (first: line 9" in str(notes[0].message)
    assert len(series) == len(SERIES)  # the dropped day is then filled as a gap


def test_time_zones_become_utc_dates(tmp_path: Path) -> None:
    lines = ["Date,Close", "2021-01-01T22:00:00-05:00,10", "2021-01-03T01:00:00+02:00,11"]
    with pytest.warns(DataWarning, match="resampled 2 intraday rows to 1 daily closes"):
        series = _load_lines(tmp_path, lines)
    assert list(series.index.strftime("%Y-%m-%d")) == ["2021-01-02"]
    assert series.iloc[0] == 11.0  # both stamps fall on 2021-01-02 UTC: the later one wins


def test_whitespace_and_bom(tmp_path: Path) -> None:
    text = "\ufeff Date , Close \n 2021-01-01 , 10.5 \n2021-01-02,11\n"
    series = load_prices(_write(tmp_path, "w.csv", text.encode()))
    assert series.tolist() == [10.5, 11.0]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not a readable CSV"),
        (b"Date,Close\n", "no data rows"),
        (b"a,b\n1,2\n", "unrecognised layout, and no single date column among a, b; name it"),
        (b"\x00\x01\x02binary", "binary data"),
        (b"Date,Close\n2021-01-01,\xff\xfe\n", "is not UTF-8 text"),
        (b"\x1f\x8b\x08garbage", "damaged archive"),
    ],
)
def test_unreadable_files(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(SeqcastError, match=message):
        load_prices(_write(tmp_path, "bad.csv", data))


def test_zip_with_two_files_is_refused(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.csv", "Date,Close\n")
        archive.writestr("b.csv", "Date,Close\n")
    with pytest.raises(SeqcastError, match="the zip holds 2 files; it must hold exactly one"):
        load_prices(path)


WRITERS = {k: v for k, v in corpus.LAYOUT_FILES.items() if k != "generic"}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    layout=st.sampled_from(sorted(WRITERS)),
    start=st.dates(
        min_value=pd.Timestamp("2000-01-01").date(), max_value=pd.Timestamp("2030-01-01").date()
    ),
    cents=st.lists(st.integers(1, 10**9), min_size=1, max_size=30),
)
def test_round_trip_any_valid_series(tmp_path: Path, layout: str, start, cents: list[int]) -> None:
    series = pd.Series(np.array(cents) / 100.0, index=pd.date_range(start, periods=len(cents)))
    writer, name, _, _ = WRITERS[layout]
    path = _write(tmp_path, name, writer(series))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # sorting newest-first files is expected
        loaded = load_prices(path)
    assert loaded.index.equals(series.index)
    np.testing.assert_allclose(loaded.to_numpy(), series.to_numpy(), rtol=1e-12)


def _load_or_refuse(path: Path) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            series = load_prices(path)
    except SeqcastError:
        return
    assert len(series) > 0 and series.index.is_monotonic_increasing
    assert np.isfinite(series.to_numpy()).all() and (series > 0).all()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=400))
def test_fuzz_random_bytes(tmp_path: Path, data: bytes) -> None:
    _load_or_refuse(_write(tmp_path, "fuzz.csv", data))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    layout=st.sampled_from(sorted(WRITERS)),
    edits=st.lists(
        st.tuples(st.integers(0, 10**6), st.binary(max_size=3), st.integers(0, 3)),
        min_size=1,
        max_size=6,
    ),
)
def test_fuzz_mutated_valid_files(tmp_path: Path, layout: str, edits: list) -> None:
    writer, name, _, _ = WRITERS[layout]
    data = bytearray(writer(SERIES.iloc[:12]))
    for position, insert, delete in edits:
        at = position % (len(data) + 1)
        data[at : at + delete] = insert
    _load_or_refuse(_write(tmp_path, name, bytes(data)))


def test_large_intraday_files_take_the_numeric_path_to_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from seqcast.data import formats

    path = _write(tmp_path, "bitstamp_1min.csv", corpus.kaggle_intraday(SERIES))
    exact = read_prices(path)
    monkeypatch.setattr(formats, "BIG", 0)  # every intraday file counts as large
    assert formats.read_intraday(path, "auto", None) is not None
    fast = read_prices(path)
    pd.testing.assert_series_equal(fast.series, exact.series, check_freq=False)
    pd.testing.assert_frame_equal(fast.frame, exact.frame, check_freq=False)
    assert fast.notes[-1] == exact.notes[-1]  # "resampled 920 intraday rows to 40 daily ..."
    # a price that is not a number: the general reader names its line
    lines = path.read_text().splitlines()
    cells = lines[10].split(",")
    cells[4] = "oops"  # the Close column
    lines[10] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    assert formats.read_intraday(path, "auto", None) is None
    with pytest.raises(SeqcastError, match="line 11, column 'Close': price 'oops'"):
        read_prices(path)
