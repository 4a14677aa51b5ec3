"""A trading-day series: its rows are the sessions. Weekends are never filled in, nor are
holidays. Where the exchange is known (named with `calendar`, or inferred from the ticker
and confirmed by the rows), its calendar tells a holiday from a missing session, and only
missing sessions are gaps; where it is not, a weekday without a row is taken as a holiday.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from seqcast.data import exchanges
from seqcast.data.days import MAX_INVENTED, fill_gaps, gap_start
from seqcast.data.options import LoadOptions
from seqcast.errors import SeqcastError

# An inferred exchange is dropped when more of the rows than this fall on its holidays
STRAY_ROWS = 0.005
# Without an exchange calendar, a run of weekdays without a row longer than this is not a
# closure (Lunar New Year closes Taiwan for up to 9 weekdays, 9/11 closed New York for 4)
CLOSURE = 10


def trading_series(
    path: Path,
    frame: pd.DataFrame,
    lines: np.ndarray,
    unit: str,
    options: LoadOptions,
    ticker: str,
    notes: list[str],
) -> tuple[pd.DataFrame, str]:
    """The rows as sessions (stray weekend rows left out), gaps filled only where an
    exchange calendar says a session is missing; and the calendar: an exchange or 'trading'."""
    named = options.calendar not in ("auto", "trading")
    code = exchanges.check(options.calendar) if named else exchanges.infer(ticker)
    known = exchanges.sessions(code) if code else pd.DatetimeIndex([])
    frame = _drop_weekend_rows(frame, lines, unit, known, options.calendar, notes)
    if frame.empty:
        raise SeqcastError(f"{path}: every row is on a weekend; a trading-day series has none")
    if code and not named and not _follows(frame.index, known):
        notes.append(
            f"the rows do not follow {code}'s sessions (guessed from '{ticker}'); weekdays"
            f" without a row are taken as holidays (name the exchange with --calendar)"
        )
        code = None
    if code is None:
        return _without_exchange(path, frame, options, notes), "trading"
    how = f"--calendar {code}" if named else f"the exchange of '{ticker}'"
    notes.append(f"trading days of {code} ({how}): its holidays are not filled in")
    return _with_exchange(path, frame, code, known, options, notes), code


def _drop_weekend_rows(
    frame: pd.DataFrame,
    lines: np.ndarray,
    unit: str,
    known: pd.DatetimeIndex,
    chosen: str,
    notes: list[str],
) -> pd.DataFrame:
    """A stray weekend row (a few in a file of weekdays, under calendar.WEEKEND_SHARE) is
    left out, saying which; one on an exchange's weekend session is kept."""
    weekend = (frame.index.day_of_week >= 5) & ~frame.index.isin(known)
    count = int(weekend.sum())
    if count:
        first = int(np.flatnonzero(weekend)[0])
        how = "--calendar " + chosen if chosen != "auto" else f"{count} of {len(frame)} rows"
        notes.append(
            f"left out {count} weekend row{'s' if count > 1 else ''} of a trading-day series"
            f" ({how}; first: {unit} {lines[first]}, {frame.index[first].date()});"
            " --calendar daily keeps them and fills every weekend"
        )
    return frame[~weekend]


def _follows(rows: pd.DatetimeIndex, known: pd.DatetimeIndex) -> bool:
    """Whether the rows agree with the sessions where the calendar covers them: few rows on
    its holidays, few of its sessions without a row."""
    covered = rows[(rows >= known[0]) & (rows <= known[-1])]
    if covered.empty:
        return True
    window = known[(known >= covered[0]) & (known <= covered[-1])]
    stray = (~covered.isin(window)).sum()
    missing = (~window.isin(covered)).sum()
    return stray <= STRAY_ROWS * len(covered) and missing <= MAX_INVENTED * len(window)


def _with_exchange(
    path: Path,
    frame: pd.DataFrame,
    code: str,
    known: pd.DatetimeIndex,
    options: LoadOptions,
    notes: list[str],
) -> pd.DataFrame:
    rows = frame.index
    window = known[(known >= max(rows[0], known[0])) & (known <= rows[-1])]
    if rows[0] < known[0]:
        notes.append(
            f"rows before {known[0].date()} are taken as {code}'s sessions (its calendar"
            " starts then)"
        )
    off = rows[(rows >= known[0]) & (rows <= known[-1]) & ~rows.isin(known)]
    if len(off):
        notes.append(f"kept {len(off)} rows on days {code} has no session (first: {off[0].date()})")
    return fill_gaps(path, frame, window, f"{code} sessions", options, notes)


def _without_exchange(
    path: Path, frame: pd.DataFrame, options: LoadOptions, notes: list[str]
) -> pd.DataFrame:
    """Weekdays without a row are holidays: stated, never filled; refused only with
    --gaps error, or when a run is longer than any market closure."""
    days = pd.date_range(frame.index[0], frame.index[-1], freq="D")
    weekdays = days[days.day_of_week < 5]
    closed = ~weekdays.isin(frame.index)
    if not closed.any():
        notes.append("trading-day calendar (no weekday without a row)")
        return frame
    runs = np.diff(np.flatnonzero(np.r_[True, ~closed, True])) - 1
    longest = int(runs.max())
    start = gap_start(weekdays, ~closed, longest)
    hint = "name the exchange with --calendar (e.g. XNYS) to tell holidays from missing days"
    if options.gaps == "error" or (options.gaps == "ffill" and longest > CLOSURE):
        raise SeqcastError(
            f"{path}: {longest} weekdays without a row from {start.date()} ({closed.sum()}"
            f" in all) and no exchange calendar; {hint}, or keep the rows as they are with"
            " --gaps drop"
        )
    notes.append(
        f"trading-day calendar: {closed.sum()} weekdays without a row taken as holidays,"
        f" not filled (longest run {longest}, from {start.date()}); {hint}"
    )
    return frame
