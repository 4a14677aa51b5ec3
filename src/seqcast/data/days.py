"""Parsed rows to one row per day: sorted, intraday rows combined, duplicates resolved, and
the days a calendar expects filled (within limits), left out or refused; every repair
stated in `notes`. Which days are expected is calendar.py's and trading.py's to say."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from seqcast.data.options import LoadOptions
from seqcast.errors import SeqcastError

# How a day's rows become one: the price is the day's last, the others as OHLC bars combine.
DAILY = {"open": "first", "high": "max", "low": "min", "volume": "sum"}
# Most of a series gap filling may invent (see check_invented): real daily files miss well
# under 1% of days, a weekdays-only file read as daily 29%, a weekends-only file 71%.
MAX_INVENTED = 0.05


def sort(
    frame: pd.DataFrame, lines: np.ndarray, notes: list[str]
) -> tuple[pd.DataFrame, np.ndarray]:
    """Oldest first (stable, so rows with equal stamps keep their file order)."""
    if frame.index.is_monotonic_increasing:
        return frame, lines
    order = np.argsort(frame.index.to_numpy(), kind="stable")
    notes.append("rows were not in date order; sorted oldest first")
    return frame.iloc[order], lines[order]


def to_daily(
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


def dedupe(
    path: Path, frame: pd.DataFrame, lines: np.ndarray, unit: str, policy: str, notes: list[str]
) -> tuple[pd.DataFrame, np.ndarray]:
    duplicated = frame.index.duplicated(keep=False)
    if not duplicated.any():
        return frame, lines
    first = frame.index[duplicated][0]
    where = [int(n) for n in lines[frame.index == first]]
    if policy == "error":
        raise SeqcastError(
            f"{path}: date {first.date()} appears more than once ({unit}s {where});"
            " keep one row per day, or choose one with --duplicates first|last"
        )
    kept = ~frame.index.duplicated(keep=policy)
    notes.append(
        f"kept the {policy} of {len(frame) - kept.sum()} duplicate-day rows (first: {first.date()})"
    )
    return frame[kept], lines[kept]


def fill_gaps(
    path: Path,
    frame: pd.DataFrame,
    expected: pd.DatetimeIndex,
    unit: str,
    options: LoadOptions,
    notes: list[str],
) -> pd.DataFrame:
    """`frame` with a row for each of the `expected` days (every day, or an exchange's
    sessions): missing ones carried forward from the last price (--gaps ffill, within
    --max-gap and MAX_INVENTED), left out (drop) or refused (error)."""
    present = expected.isin(frame.index)
    missing = int((~present).sum())
    if missing == 0 or options.gaps == "drop":
        if missing:
            notes.append(f"{missing} missing {unit} left out (--gaps drop): windows skip them")
        return frame
    runs = np.diff(np.flatnonzero(np.r_[True, present, True])) - 1
    longest = int(runs.max())
    start = gap_start(expected, present, longest)
    if options.gaps == "error" or longest > options.max_gap:
        raise SeqcastError(
            f"{path}: {longest} {unit} missing from {start.date()}"
            f" ({missing} missing in all); allow filling with --gaps ffill --max-gap {longest},"
            " or --gaps drop"
        )
    check_invented(path, missing, len(expected.union(frame.index)), unit, options)
    notes.append(
        f"filled {missing} missing {unit} with the last known price (longest gap {longest}"
        f" {unit}, from {start.date()})"
    )
    full = frame.reindex(frame.index.union(expected))
    price = full.columns[0]
    full[price] = full[price].ffill()
    for column in full.columns[1:]:  # an invented day: no trades, the last price all day
        full[column] = full[column].fillna(0.0 if column == "volume" else full[price])
    return full


def check_invented(path: Path, missing: int, days: int, unit: str, options: LoadOptions) -> None:
    """Refuse to invent more than MAX_INVENTED of a series (one gap of --max-gap days is
    always allowed): each filled day is a day of no change that flatters the naive forecast,
    and a share this large means the calendar is wrong (weekdays read as every day, a
    weekends-only file), not that a few days are missing."""
    if missing <= max(MAX_INVENTED * days, options.max_gap):
        return
    other = (
        " (or --calendar trading if it holds weekdays only)" if options.calendar == "daily" else ""
    )
    raise SeqcastError(
        f"{path}: {missing} of {days} {unit} ({missing / days:.0%}) have no row; filling them"
        f" with the last price would invent more than {MAX_INVENTED:.0%} of the series;"
        f" keep only the file's rows with --gaps drop{other}"
    )


def gap_start(expected: pd.DatetimeIndex, present: np.ndarray, longest: int) -> pd.Timestamp:
    """The first day of the first run of `longest` missing days."""
    run = 0
    for i, here in enumerate(present):
        run = 0 if here else run + 1
        if run == longest:
            return expected[i - longest + 1]
    raise AssertionError("no such gap")
