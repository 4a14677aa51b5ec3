"""Load a daily price file into one clean, date-indexed series.

One entry point, `load_prices`, so every command reads data the same way.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from seqcast.errors import SeqcastError

DATE_COLUMN = "Date"


def load_prices(path: str | Path, target: str = "Close", date_col: str = DATE_COLUMN) -> pd.Series:
    """Read a Yahoo-style daily CSV and return `target` as a float Series indexed by date.

    Rows are sorted by date; anything that cannot be trusted raises `SeqcastError`
    naming the file, row and column.
    """
    path = Path(path)
    frame = _read_csv(path)
    for column in (date_col, target):
        if column not in frame.columns:
            raise SeqcastError(
                f"{path}: no column '{column}' (columns are: {', '.join(map(str, frame.columns))});"
                " choose the target with --target"
            )
    dates = _parse_dates(path, frame[date_col], date_col)
    values = _parse_prices(path, frame[target], target)
    series = pd.Series(values, index=pd.DatetimeIndex(dates, name="date"), name=target)
    _check_unique(path, series)
    return series.sort_index()


def check_length(series: pd.Series, needed: int, source: str, what: str) -> None:
    """Fail early, with the numbers, when the series is too short for the job."""
    if len(series) < needed:
        raise SeqcastError(
            f"{source}: {len(series)} rows, but {what} needs at least {needed};"
            " use a longer file or a smaller --window/--test-days"
        )


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise SeqcastError(f"{path}: file not found; give the price CSV with --data")
    try:
        frame = pd.read_csv(
            path, skipinitialspace=True, encoding="utf-8-sig", dtype=str, keep_default_na=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SeqcastError(f"{path}: not a readable CSV ({reason})") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise SeqcastError(f"{path}: no data rows")
    return frame


def _row(position: int) -> int:
    """Line number in the file of data row `position` (the header is line 1)."""
    return position + 2


def _parse_dates(path: Path, raw: pd.Series, column: str) -> pd.DatetimeIndex:
    dates = pd.to_datetime(raw, errors="coerce", format="ISO8601")
    bad = np.flatnonzero(dates.isna().to_numpy())
    if bad.size:
        i = int(bad[0])
        raise SeqcastError(
            f"{path}: line {_row(i)}, column '{column}': '{raw.iloc[i]}' is not a date"
            " (expected YYYY-MM-DD); fix or remove that row"
        )
    return pd.DatetimeIndex(dates).normalize()


def _parse_prices(path: Path, raw: pd.Series, column: str) -> np.ndarray:
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values) | (values <= 0))
    if bad.size:
        i = int(bad[0])
        shown = raw.iloc[i].strip() or "empty"
        raise SeqcastError(
            f"{path}: line {_row(i)}, column '{column}': price '{shown}' is not a positive number"
            f" ({bad.size} such row{'s' if bad.size > 1 else ''}); fix or remove them"
        )
    return values


def _check_unique(path: Path, series: pd.Series) -> None:
    duplicated = series.index.duplicated(keep=False)
    if duplicated.any():
        first = series.index[duplicated][0]
        lines = [_row(int(i)) for i in np.flatnonzero(series.index == first)]
        raise SeqcastError(
            f"{path}: date {first.date()} appears more than once (lines {lines});"
            " keep one row per day"
        )
