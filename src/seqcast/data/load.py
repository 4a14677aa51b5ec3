"""Load a price file into one clean daily series: parse, validate, repair (saying so), or
refuse with one line naming the file, line and column.

`load_prices` is the single entry point every command uses.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from seqcast.data.formats import RawTable, find_column, read_table
from seqcast.errors import Note, SeqcastError
from seqcast.settings import LoadOptions

_SUFFIXES = {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}


class DataWarning(Note):
    """A repair seqcast made to the data; the CLI prints each one."""


@dataclass
class Loaded:
    series: pd.Series  # float, indexed by consecutive UTC dates (unless gaps='drop')
    layout: str  # the layout that was read
    notes: list[str] = field(default_factory=list)  # every repair, in words
    source: str = ""  # where it came from: the file's path
    sha256: str = ""  # of the file's bytes, so a report names exactly what was read
    options: LoadOptions = field(default_factory=LoadOptions)  # how it was read

    def warn(self) -> None:
        """Issue every repair as a DataWarning (the CLI prints them as notes)."""
        for note in self.notes:
            warnings.warn(f"{self.source}: {note}", DataWarning, stacklevel=3)

    def provenance(self) -> dict[str, Any]:
        s = self.series
        return {
            "file": self.source,
            "sha256": self.sha256,
            "layout": self.layout,
            "column": str(s.name),
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
    raw = read_table(path, options.format, options.date_col)
    date_col = _column(path, raw, raw.layout.date_col or None, "--date-col")
    target_col = _column(path, raw, options.target or raw.layout.target or None, "--target")
    notes: list[str] = []
    raw = _drop_empty_rows(raw, date_col, notes)
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
    series = pd.Series(values[~bad], index=stamps[~bad], name=target_col)
    series, lines = _sort(series, raw.lines[~bad], notes)
    series, lines = _to_daily(series, lines, notes)
    series = _dedupe(path, series, lines, raw.unit, options.duplicates, notes)
    series = _fill_gaps(path, series, options, notes)
    series.index.name = "date"
    return Loaded(series, raw.layout.name, notes, str(path), raw.sha256, options)


def check_length(series: pd.Series, needed: int, source: str, what: str) -> None:
    """Fail early, with the numbers, when the series is too short for the job."""
    if len(series) < needed:
        raise SeqcastError(
            f"{source}: {len(series)} rows, but {what} needs at least {needed};"
            " use a longer file or a smaller --window/--test-days"
        )


def _column(path: Path, raw: RawTable, name: str | None, option: str) -> str:
    if name is None:
        raise SeqcastError(f"{path}: which column? name it with {option}")
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


def _sort(series: pd.Series, lines: np.ndarray, notes: list[str]) -> tuple[pd.Series, np.ndarray]:
    """Oldest first (stable, so rows with equal stamps keep their file order)."""
    if series.index.is_monotonic_increasing:
        return series, lines
    order = np.argsort(series.index.to_numpy(), kind="stable")
    notes.append("rows were not in date order; sorted oldest first")
    return series.iloc[order], lines[order]


def _to_daily(
    series: pd.Series, lines: np.ndarray, notes: list[str]
) -> tuple[pd.Series, np.ndarray]:
    """Intraday rows (sorted) become one close per UTC day: the last price of the day."""
    days = series.index.normalize()
    if not (series.index != days).any():
        return series.set_axis(days), lines
    daily = series.groupby(days).last()
    last_lines = pd.Series(lines, index=days).groupby(level=0).last()
    notes.append(
        f"resampled {len(series)} intraday rows to {len(daily)} daily closes"
        " (the last price of each UTC day)"
    )
    return daily, last_lines.to_numpy()


def _dedupe(
    path: Path, series: pd.Series, lines: np.ndarray, unit: str, policy: str, notes: list[str]
) -> pd.Series:
    duplicated = series.index.duplicated(keep=False)
    if not duplicated.any():
        return series
    first = series.index[duplicated][0]
    where = [int(n) for n in lines[series.index == first]]
    if policy == "error":
        raise SeqcastError(
            f"{path}: date {first.date()} appears more than once ({unit}s {where});"
            " keep one row per day, or choose one with --duplicates first|last"
        )
    kept = series[~series.index.duplicated(keep=policy)]
    notes.append(
        f"kept the {policy} of {len(series) - len(kept)} duplicate-day rows (first: {first.date()})"
    )
    return kept


def _fill_gaps(path: Path, series: pd.Series, options: LoadOptions, notes: list[str]) -> pd.Series:
    if series.empty:
        raise SeqcastError(f"{path}: no usable rows")
    steps = np.diff(series.index.to_numpy()).astype("timedelta64[D]").astype(int)
    missing = int((steps - 1).sum())
    if missing == 0 or options.gaps == "drop":
        if missing:
            notes.append(f"{missing} missing days left out (--gaps drop): windows skip them")
        return series
    longest = int(steps.max()) - 1
    start = series.index[int(np.argmax(steps))] + pd.Timedelta(days=1)
    if options.gaps == "error" or longest > options.max_gap:
        raise SeqcastError(
            f"{path}: {longest} days missing from {start.date()}"
            f" ({missing} missing in all); allow filling with --gaps ffill --max-gap {longest},"
            " or --gaps drop"
        )
    notes.append(
        f"filled {missing} missing days with the last known price (longest gap {longest} days,"
        f" from {start.date()})"
    )
    full = pd.date_range(series.index[0], series.index[-1], freq="D")
    return series.reindex(full).ffill()
