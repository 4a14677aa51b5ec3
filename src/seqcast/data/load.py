"""Load a price file into one clean daily series: parse, validate, repair (saying so), or
refuse with one line naming the file, line and column.

The price to forecast comes with the day's open, high, low and volume where the file has
them (the covariates in data/features.py read those). `read_prices` is the single entry point
every command uses; `load_prices` returns just the series.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from seqcast.data import calendar as calendars
from seqcast.data.formats import RawTable, find_column, read_intraday, read_table
from seqcast.data.options import LoadOptions
from seqcast.errors import Note, SeqcastError

_SUFFIXES = {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}
# How a day's rows become one: the price is the day's last, the others as OHLC bars combine.
DAILY = {"open": "first", "high": "max", "low": "min", "volume": "sum"}
# Column names a price goes by, for files no layout describes ('Adj_Close', 'close_price_usd')
PRICE_NAME = re.compile(r"(^|[^a-z])(adj(usted)?[ _]?)?(close|closing|price|last)([^a-z]|$)")
DATE_NAME = re.compile(r"date|time|day|^ds$", re.IGNORECASE)


class DataWarning(Note):
    """A repair seqcast made to the data; the CLI prints each one."""


@dataclass
class Loaded:
    series: pd.Series  # float, indexed by the calendar's dates (unless gaps='drop')
    layout: str  # the layout that was read
    notes: list[str] = field(default_factory=list)  # every repair, in words
    source: str = ""  # where it came from: the file's path
    sha256: str = ""  # of the file's bytes, so a report names exactly what was read
    options: LoadOptions = field(default_factory=LoadOptions)  # how it was read
    frame: pd.DataFrame | None = None  # open, high, low, volume where the file has them
    calendar: str = "daily"  # every day, or trading days (data/calendar.py)
    name: str = "series"  # what tables call it among several: the file's stem, or its symbol

    def warn(self) -> None:
        """Issue every repair as a DataWarning (the CLI prints them as notes)."""
        for note in self.notes:
            warnings.warn(f"{self.source}: {note}", DataWarning, stacklevel=3)

    def provenance(self) -> dict[str, Any]:
        s = self.series
        return {
            "name": self.name,
            "file": self.source,
            "sha256": self.sha256,
            "layout": self.layout,
            "column": str(s.name),
            "calendar": self.calendar,
            "first": str(s.index[0].date()),
            "last": str(s.index[-1].date()),
            "rows": len(s),
            "repairs": list(self.notes),
            "options": dataclasses.asdict(self.options),
        }


def load_prices(path: str | Path, target: str | None = None, **options: Any) -> pd.Series:
    """Read a daily (or intraday) price file and return `target` as a date-indexed series.

    `target` defaults to the layout's price column (Close, price, Price...); `options` are
    the other fields of `LoadOptions`. Every repair is issued as a `DataWarning`.
    """
    loaded = read_prices(path, LoadOptions(target=target, **options))
    loaded.warn()
    return loaded.series


def read_prices(path: str | Path, options: LoadOptions | None = None) -> Loaded:
    """`load_prices`, returning the repairs as notes instead of warnings."""
    path, options = Path(path), options or LoadOptions()
    fast = read_intraday(path, options.format, options.target)
    if fast is not None:  # a large intraday file, already numbers: no line-by-line checks
        lines = np.arange(len(fast.frame))
        return _daily(path, fast.frame, lines, "row", fast.layout, fast.sha256, options, fast.notes)
    return _from_table(path, read_table(path, options.format, options.date_col), options)


def read_many(path: str | Path, options: LoadOptions) -> list[Loaded]:
    """Every series of a long file: one per value of `options.series_col` (a symbol or
    asset column), each loaded, checked and repaired as a file of its own."""
    path = Path(path)
    raw = read_table(path, options.format, options.date_col)
    column = find_column(raw.frame.columns, options.series_col or "")
    if column is None:
        raise SeqcastError(
            f"{path}: no column '{options.series_col}' (columns are:"
            f" {', '.join(raw.frame.columns)}); choose the series column with --series-col"
        )
    names = raw.frame[column].str.strip()
    loaded = []
    for name in dict.fromkeys(names):  # in the order the file first names them
        rows = (names == name).to_numpy()
        part = dataclasses.replace(
            raw,
            frame=raw.frame[rows].drop(columns=[column]).reset_index(drop=True),
            lines=raw.lines[rows],
        )
        one = _from_table(path, part, options)
        one.name = str(name)
        loaded.append(one)
    return loaded


def _from_table(path: Path, raw: RawTable, options: LoadOptions) -> Loaded:
    notes: list[str] = []
    date_col, target_col = _columns(path, raw, options)
    raw = _drop_empty_rows(raw, date_col, notes)
    frame, raw = _parse(path, raw, date_col, target_col, options, notes)
    return _daily(path, frame, raw.lines, raw.unit, raw.layout.name, raw.sha256, options, notes)


def _daily(
    path: Path,
    frame: pd.DataFrame,
    lines: np.ndarray,
    unit: str,
    layout: str,
    digest: str,
    options: LoadOptions,
    notes: list[str],
) -> Loaded:
    """Parsed rows -> one row per day of the calendar: sorted, daily, deduplicated, gaps
    repaired (each repair stated in `notes`)."""
    frame, lines = _sort(frame, lines, notes)
    frame, lines = _to_daily(frame, lines, notes)
    frame = _dedupe(path, frame, lines, unit, options.duplicates, notes)
    calendar = _calendar(frame.index, options.calendar, notes)
    frame = _fill_gaps(path, frame, calendar, options, notes)
    frame.index.name = "date"
    series, others = frame.iloc[:, 0], frame.iloc[:, 1:]
    return Loaded(
        series,
        layout,
        notes,
        str(path),
        digest,
        options,
        others if len(others.columns) else None,
        calendar,
        name=path.name.split(".")[0],
    )


def check_length(series: pd.Series, needed: int, source: str, what: str) -> None:
    """Fail early, with the numbers, when the series is too short for the job."""
    if len(series) < needed:
        raise SeqcastError(
            f"{source}: {len(series)} rows, but {what} needs at least {needed};"
            " use a longer file or a smaller --window/--test-days"
        )


def _columns(path: Path, raw: RawTable, options: LoadOptions) -> tuple[str, str]:
    """The date column and the price column: named, the layout's, or the one the header
    and the values leave (a date column, and one column named like a price or the only
    numeric one)."""
    date = options.date_col or raw.layout.date_col or _guess_date(path, raw)
    date_col = _column(path, raw, date, "--date-col")
    target = options.target or raw.layout.target or _guess_price(path, raw, date_col)
    return date_col, _column(path, raw, target, "--target")


def _guess_date(path: Path, raw: RawTable) -> str:
    named = [c for c in raw.frame.columns if DATE_NAME.search(c)]
    if len(named) == 1:
        return named[0]
    raise SeqcastError(
        f"{path}: unrecognised layout, and no single date column among"
        f" {', '.join(raw.frame.columns)}; name it with --date-col (and the price with --target)"
    )


def _guess_price(path: Path, raw: RawTable, date_col: str) -> str:
    others = [c for c in raw.frame.columns if c != date_col]
    named = [c for c in others if PRICE_NAME.search(c.lower())]
    if len(named) > 1:  # 'Close' and 'Adj Close': the plain one, if there is exactly one
        plain = [c for c in named if c.strip().lower() in ("close", "price")]
        named = plain if len(plain) == 1 else named
    if len(named) == 1:
        return named[0]
    if named:
        raise SeqcastError(
            f"{path}: several price columns ({', '.join(named)}); choose one with --target"
        )
    numeric = [c for c in others if np.isfinite(_parse_numbers(raw.frame[c].head(50))).mean() > 0.9]
    if len(numeric) == 1:
        return numeric[0]
    listed = ", ".join(numeric) if numeric else "none"
    raise SeqcastError(
        f"{path}: which column is the price? numeric columns: {listed}; choose one with --target"
    )


def _column(path: Path, raw: RawTable, name: str, option: str) -> str:
    found = find_column(raw.frame.columns, name)
    if found is None:
        raise SeqcastError(
            f"{path}: no column '{name}' (columns are: {', '.join(raw.frame.columns)});"
            f" choose one with {option}"
        )
    return found


def _drop_empty_rows(raw: RawTable, date_col: str, notes: list[str]) -> RawTable:
    """Rows with a date but no values (Yahoo's all-'null' days, minutes without trades in
    intraday files, blank lines) are missing data, not errors."""
    values = raw.frame.drop(columns=[date_col])
    cells = values.apply(lambda c: c.str.strip().str.lower())
    empty = cells.isin(["", "null", "nan", "none", "-"]).all(axis=1).to_numpy()
    if not empty.any():
        return raw
    notes.append(
        f"skipped {empty.sum()} rows without values (first: {raw.unit} {raw.lines[empty][0]})"
    )
    kept = raw.frame[~empty].reset_index(drop=True)
    return dataclasses.replace(raw, frame=kept, lines=raw.lines[~empty])


def _parse(
    path: Path,
    raw: RawTable,
    date_col: str,
    target_col: str,
    options: LoadOptions,
    notes: list[str],
) -> tuple[pd.DataFrame, RawTable]:
    """Stamps and numbers: the price (refusing or dropping unusable ones) and the day's
    open, high, low and volume where the file has them (NaN where a cell is unusable)."""
    stamps = _parse_stamps(path, raw, date_col)
    values = _parse_numbers(raw.frame[target_col])
    bad = ~np.isfinite(values) | (values <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        where = f"{raw.unit} {raw.lines[i]}, column '{target_col}'"
        shown = raw.frame[target_col].iloc[i].strip() or "empty"
        if options.bad_rows == "error":
            raise SeqcastError(
                f"{path}: {where}: price '{shown}' is not a positive number ({bad.sum()} such"
                f" row{'s' if bad.sum() > 1 else ''}); fix them, or drop them with --bad-rows drop"
            )
        notes.append(f"dropped {bad.sum()} rows with unusable prices (first: {where}, '{shown}')")
    frame = pd.DataFrame({target_col: values}, index=stamps)
    for name, column in _ohlcv(raw.frame.columns, {date_col, target_col}).items():
        frame[name] = _parse_numbers(raw.frame[column])
    return frame[~bad], dataclasses.replace(raw, lines=raw.lines[~bad])


def _ohlcv(columns: pd.Index, taken: set[str]) -> dict[str, str]:
    """The file's open, high, low and volume columns, by name ('Vol.' and 'Volume USD' too)."""
    found = {}
    for name in ("open", "high", "low"):
        column = find_column(columns, name)
        if column is not None and column not in taken:
            found[name] = column
    volumes = [c for c in columns if c.strip().lower().startswith("vol") and c not in taken]
    exact = [c for c in volumes if c.strip().lower() == "volume"]
    if exact or volumes:
        found["volume"] = (exact or volumes)[0]
    return found


def _parse_stamps(path: Path, raw: RawTable, column: str) -> pd.DatetimeIndex:
    """Time stamps as naive UTC: unix seconds or milliseconds, the layout's date formats,
    or ISO 8601 (zone offsets and a trailing 'UTC' are converted)."""
    cells = raw.frame[column].str.strip()
    if len(cells) and cells.str.fullmatch(r"\d{9,13}(\.\d+)?").all():
        numbers = cells.astype(float)
        unit = "ms" if numbers.max() > 1e11 else "s"
        return pd.DatetimeIndex(pd.to_datetime(numbers, unit=unit))
    for fmt in raw.layout.date_formats:
        parsed = pd.to_datetime(cells, format=fmt, errors="coerce")
        if parsed.notna().all():
            return pd.DatetimeIndex(parsed)
    parsed = pd.to_datetime(
        cells.str.replace(r"\s*UTC$", "+00:00", regex=True),
        format="ISO8601",
        utc=True,
        errors="coerce",
    )
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size:
        i = int(bad[0])
        expected = " or ".join([*raw.layout.date_formats, "YYYY-MM-DD"])
        raise SeqcastError(
            f"{path}: {raw.unit} {raw.lines[i]}, column '{column}': '{cells.iloc[i]}' is not a"
            f" date (expected {expected}); fix or remove that row"
        )
    return pd.DatetimeIndex(parsed).tz_convert("UTC").tz_localize(None)


def _parse_numbers(cells: pd.Series) -> np.ndarray:
    """Numbers as exporters print them: '93,557.2', '1.5K', '0.84%', '  42 '."""
    text = cells.str.strip().str.replace(",", "", regex=False).str.rstrip("%")
    suffix = text.str[-1:].str.upper()
    scale = suffix.map(_SUFFIXES).fillna(1.0).to_numpy(dtype=float)
    digits = text.where(~suffix.isin(list(_SUFFIXES)), text.str[:-1])
    return pd.to_numeric(digits, errors="coerce").to_numpy(dtype=float) * scale


def _sort(
    frame: pd.DataFrame, lines: np.ndarray, notes: list[str]
) -> tuple[pd.DataFrame, np.ndarray]:
    """Oldest first (stable, so rows with equal stamps keep their file order)."""
    if frame.index.is_monotonic_increasing:
        return frame, lines
    order = np.argsort(frame.index.to_numpy(), kind="stable")
    notes.append("rows were not in date order; sorted oldest first")
    return frame.iloc[order], lines[order]


def _to_daily(
    frame: pd.DataFrame, lines: np.ndarray, notes: list[str]
) -> tuple[pd.DataFrame, np.ndarray]:
    """Intraday rows (sorted) become one row per UTC day: the last price of the day (and
    the day's first open, highest high, lowest low, total volume)."""
    days = frame.index.normalize()
    if not (frame.index != days).any():
        return frame.set_axis(days), lines
    daily = daily_bars(frame, days)
    last_lines = pd.Series(lines, index=days).groupby(level=0).last()
    notes.append(
        f"resampled {len(frame)} intraday rows to {len(daily)} daily closes"
        " (the last price of each UTC day)"
    )
    return daily, last_lines.to_numpy()


def daily_bars(frame: pd.DataFrame, days: pd.DatetimeIndex) -> pd.DataFrame:
    """One row per day of a sorted intraday frame (price first, then DAILY columns)."""
    how = {frame.columns[0]: "last", **{c: DAILY[c] for c in frame.columns[1:]}}
    return frame.groupby(days).agg(how)


def _dedupe(
    path: Path, frame: pd.DataFrame, lines: np.ndarray, unit: str, policy: str, notes: list[str]
) -> pd.DataFrame:
    duplicated = frame.index.duplicated(keep=False)
    if not duplicated.any():
        return frame
    first = frame.index[duplicated][0]
    where = [int(n) for n in lines[frame.index == first]]
    if policy == "error":
        raise SeqcastError(
            f"{path}: date {first.date()} appears more than once ({unit}s {where});"
            " keep one row per day, or choose one with --duplicates first|last"
        )
    kept = frame[~frame.index.duplicated(keep=policy)]
    notes.append(
        f"kept the {policy} of {len(frame) - len(kept)} duplicate-day rows (first: {first.date()})"
    )
    return kept


def _calendar(index: pd.DatetimeIndex, chosen: str, notes: list[str]) -> str:
    calendar = calendars.detect(index) if chosen == "auto" else chosen
    if calendar == "trading":
        how = "no weekend rows" if chosen == "auto" else "--calendar trading"
        notes.append(f"trading-day calendar ({how}): weekends are not filled in")
        index_weekends = int((index.day_of_week >= 5).sum())
        if index_weekends:
            notes.append(f"left out {index_weekends} weekend rows (--calendar trading)")
    return calendar


def _fill_gaps(
    path: Path, frame: pd.DataFrame, calendar: str, options: LoadOptions, notes: list[str]
) -> pd.DataFrame:
    if frame.empty:
        raise SeqcastError(f"{path}: no usable rows")
    if calendar == "trading":
        frame = frame[frame.index.day_of_week < 5]
    expected = calendars.expected_days(frame.index[0], frame.index[-1], calendar)
    present = expected.isin(frame.index)
    missing = int((~present).sum())
    unit = "trading days" if calendar == "trading" else "days"
    if missing == 0 or options.gaps == "drop":
        if missing:
            notes.append(f"{missing} missing {unit} left out (--gaps drop): windows skip them")
        return frame
    runs = np.diff(np.flatnonzero(np.r_[True, present, True])) - 1
    longest = int(runs.max())
    start = _gap_start(expected, present, longest)
    if options.gaps == "error" or longest > options.max_gap:
        raise SeqcastError(
            f"{path}: {longest} {unit} missing from {start.date()}"
            f" ({missing} missing in all); allow filling with --gaps ffill --max-gap {longest},"
            " or --gaps drop"
        )
    notes.append(
        f"filled {missing} missing {unit} with the last known price (longest gap {longest}"
        f" {unit}, from {start.date()})"
    )
    full = frame.reindex(expected)
    price = full.columns[0]
    full[price] = full[price].ffill()
    for column in full.columns[1:]:  # an invented day: no trades, the last price all day
        full[column] = full[column].fillna(0.0 if column == "volume" else full[price])
    return full


def _gap_start(expected: pd.DatetimeIndex, present: np.ndarray, longest: int) -> pd.Timestamp:
    """The first day of the first run of `longest` missing days."""
    run = 0
    for i, here in enumerate(present):
        run = 0 if here else run + 1
        if run == longest:
            return expected[i - longest + 1]
    raise AssertionError("no such gap")
