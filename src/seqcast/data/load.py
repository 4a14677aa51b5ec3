"""Load a price file into one clean daily series: parse, validate, repair (saying so), or
refuse with one line naming the file, line and column.

The price to forecast comes with the day's open, high, low and volume where the file has
them (the covariates in data/features.py read those). `read_prices` is the single entry point
every command uses; `load_prices` returns just the series.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from seqcast.data import calendar as calendars
from seqcast.data import days
from seqcast.data.columns import find_columns
from seqcast.data.formats import read_intraday, read_table
from seqcast.data.options import LoadOptions
from seqcast.data.parse import drop_empty_rows, parse
from seqcast.data.tables import Part, split, ticker
from seqcast.data.trading import trading_series
from seqcast.errors import Note, SeqcastError


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
    calendar: str = "daily"  # every day, trading days, or an exchange's sessions ("XNYS")
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
        source = Source(path, "row", fast.layout, fast.sha256, ticker(path))
        return _daily(source, fast.frame, lines, options, fast.notes)
    parts = split(path, read_table(path, options.format, options.date_col), options)
    if len(parts) > 1:
        names = ", ".join(p.name for p in parts[:5]) + (", ..." if len(parts) > 5 else "")
        raise SeqcastError(
            f"{path}: holds {len(parts)} series ({names}); read them all as a watch-list,"
            " or one with --target / a file of its own"
        )
    return load_part(path, parts[0])


def read_many(path: str | Path, options: LoadOptions) -> list[Loaded]:
    """Every series of a long file: one per value of `options.series_col` (a symbol or
    asset column), each loaded, checked and repaired as a file of its own."""
    path = Path(path)
    raw = read_table(path, options.format, options.date_col)
    return [load_part(path, part) for part in split(path, raw, options)]


def load_part(path: Path, part: Part) -> Loaded:
    """One series of a file (or the whole file), loaded as a file of its own."""
    raw, options = part.raw, part.options
    assert raw is not None, "a part read whole goes to read_prices"
    notes: list[str] = []
    date_col, target_col = find_columns(path, raw, options)
    raw = drop_empty_rows(raw, date_col, notes)
    if raw.frame.empty:
        raise SeqcastError(f"{path}: column '{target_col}' has no values")
    frame, raw = parse(path, raw, date_col, target_col, options, notes)
    source = Source(path, raw.unit, raw.layout.name, raw.sha256, part.name)
    return _daily(source, frame, raw.lines, options, notes)


@dataclass(frozen=True)
class Source:
    """Where a series' rows come from."""

    path: Path
    unit: str  # "line" or "row": what the row numbers in notes count
    layout: str
    sha256: str
    name: str  # the series' ticker: exchanges are inferred from it


def _daily(
    source: Source, frame: pd.DataFrame, lines: np.ndarray, options: LoadOptions, notes: list[str]
) -> Loaded:
    """Parsed rows -> one row per day of the calendar: sorted, daily, deduplicated, gaps
    repaired (each repair stated in `notes`)."""
    path, unit = source.path, source.unit
    frame, lines = days.sort(frame, lines, notes)
    frame, lines = days.to_daily(frame, lines, notes)
    frame, lines = days.dedupe(path, frame, lines, unit, options.duplicates, notes)
    if frame.empty:
        raise SeqcastError(f"{path}: no usable rows")
    calendar = calendars.detect(frame.index) if options.calendar == "auto" else options.calendar
    if calendar == "daily":
        every_day = pd.date_range(frame.index[0], frame.index[-1], freq="D")
        frame = days.fill_gaps(path, frame, every_day, "days", options, notes)
    else:
        frame, calendar = trading_series(path, frame, lines, unit, options, source.name, notes)
    frame.index.name = "date"
    series, others = frame.iloc[:, 0], frame.iloc[:, 1:]
    series.attrs["calendar"] = calendar  # travels with the series: forecasts are dated on it
    return Loaded(
        series,
        source.layout,
        notes,
        str(path),
        source.sha256,
        options,
        others if len(others.columns) else None,
        calendar,
        name=source.name,
    )


def check_length(series: pd.Series, needed: int, source: str, what: str) -> None:
    """Fail early, with the numbers, when the series is too short for the job."""
    if len(series) < needed:
        raise SeqcastError(
            f"{source}: {len(series)} rows, but {what} needs at least {needed};"
            " use a longer file or a smaller --window/--test-days"
        )
