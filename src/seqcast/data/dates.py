"""Time stamps as exporters print them, to naive UTC: unix seconds or milliseconds, ISO 8601
(zone offsets and a trailing 'UTC' converted), a layout's own formats, and the day/month
dates spreadsheets write: US '4/23/2023', European '23.04.2023' or '23/04/2023'.

Day and month are told apart by the rows themselves (a 23 can only be a day), the same
reading for every row; when no row tells, the reading that puts the rows closest together
is taken and said in a note (`--date-format` chooses it outright).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# '23.04.2023', '4/23/2023', '23-04-23', optionally followed by a time
_NUMERIC = r"(\d{1,2})([./-])(\d{1,2})[./-](\d{4}|\d{2})((?:[ T]+\d{1,2}:\d{2}(?::\d{2})?)?)"
_YEAR_FIRST = r"(\d{4})([./-])(\d{1,2})[./](\d{1,2})((?:[ T]+\d{1,2}:\d{2}(?::\d{2})?)?)"


# Daily bars stamped at the exchange's midnight ('2024-01-02 00:00:00+08:00', as yfinance
# wrote them): the day is the local date, not the UTC one (the day before, east of UTC)
_LOCAL_MIDNIGHT = r"\d{4}-\d\d-\d\d[ T]00:00(:00)?(\.0+)?[+-]\d\d:?\d\d"


@dataclass
class Stamps:
    """Parsed stamps, or the position of the first cell that is not one."""

    index: pd.DatetimeIndex | None
    bad: int = -1  # position of the first cell that is not a date
    expected: str = "YYYY-MM-DD"  # what a date should look like, for the error
    note: str = ""  # how an ambiguous date was read


def parse_stamps(cells: pd.Series, formats: tuple[str, ...], chosen: str | None) -> Stamps:
    """Stamps of `cells` (stripped text): `chosen` (a strftime format) if given, else unix
    times, the layout's `formats`, day/month dates or ISO 8601."""
    if chosen:
        parsed = pd.to_datetime(cells, format=chosen, errors="coerce")
        return _checked(parsed, chosen)
    if len(cells) and cells.str.fullmatch(r"\d{9,13}(\.\d+)?").all():
        numbers = cells.astype(float)
        unit = "ms" if numbers.max() > 1e11 else "s"
        return Stamps(pd.DatetimeIndex(pd.to_datetime(numbers, unit=unit)))
    for fmt in formats:
        parsed = pd.to_datetime(cells, format=fmt, errors="coerce")
        if parsed.notna().all():
            return Stamps(pd.DatetimeIndex(parsed))
    expected = " or ".join([*formats, "YYYY-MM-DD"])
    parts = cells.str.extract(f"^{_NUMERIC}$")
    if len(cells) and parts[0].notna().all():
        return _day_month(cells, parts)
    parts = cells.str.extract(f"^{_YEAR_FIRST}$")
    if len(cells) and parts[0].notna().all():  # '2023/4/23' (East Asian spreadsheets)
        return _iso(_assemble(parts[0], parts[2], parts[3], parts[4]), expected)
    return _iso(cells, expected)


def _checked(parsed: pd.Series, expected: str) -> Stamps:
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size:
        return Stamps(None, int(bad[0]), expected)
    return Stamps(pd.DatetimeIndex(parsed))


def _iso(cells: pd.Series, expected: str) -> Stamps:
    if len(cells) and cells.str.fullmatch(_LOCAL_MIDNIGHT).all():
        cells = cells.str.replace(r"[+-]\d\d:?\d\d$", "", regex=True)  # the exchange's date
    parsed = pd.to_datetime(
        cells.str.replace(r"\s*UTC$", "+00:00", regex=True),
        format="ISO8601",
        utc=True,
        errors="coerce",
    )
    stamps = _checked(parsed, expected)
    if stamps.index is not None:
        stamps.index = stamps.index.tz_convert("UTC").tz_localize(None)
    return stamps


def _day_month(cells: pd.Series, parts: pd.DataFrame) -> Stamps:
    """'a/b/year' rows, read day-first or month-first: whichever every row allows; if both
    do, the one with the rows closest together (daily prices are a day apart)."""
    first, second = parts[0].astype(int), parts[2].astype(int)
    separator, year = parts[1].iloc[0], _year(parts[3])
    fits = {"day": (first <= 31) & (second <= 12), "month": (first <= 12) & (second <= 31)}
    readings = {}
    for order, ok in fits.items():
        day, month = (first, second) if order == "day" else (second, first)
        if ok.all():
            iso = _assemble(year, month.astype(str), day.astype(str), parts[4])
            readings[order] = _iso(iso, _format(order, separator))
        else:
            readings[order] = Stamps(None, int(np.argmin(ok.to_numpy())), _format(order, separator))
    usable = [o for o, s in readings.items() if s.index is not None]
    if not usable:  # neither reading fits every row: name the first row the better one fails
        return max(readings.values(), key=lambda s: s.bad)
    if len(usable) == 1:
        return readings[usable[0]]
    spreads = {o: _spread(readings[o].index) for o in usable}
    tie = len(set(spreads.values())) == 1  # too few rows to tell
    # a tie: US Excel's m/d/yyyy for slashes, day first for dots and dashes (as Europe writes)
    order = (
        ("month" if separator == "/" else "day") if tie else min(usable, key=lambda o: spreads[o])
    )
    why = "the usual reading" if tie else "that way the rows are closest together"
    other = "month" if order == "day" else "day"
    readings[order].note = (
        f"dates such as '{cells.iloc[0]}' read as {_format(order, separator)} (no day above 12"
        f" tells; {why}); if they are {_format(other, separator)}, give --date-format"
        f" {_strftime(other, separator, parts[3].str.len().max() == 2)}"
    )
    return readings[order]


def _spread(index: pd.DatetimeIndex | None) -> float:
    """The median step between sorted stamps, in days."""
    if index is None or len(index) < 2:
        return 0.0
    steps = np.diff(np.sort(index.to_numpy())).astype("timedelta64[s]").astype(float)
    return float(np.median(steps)) / 86400


def _year(years: pd.Series) -> pd.Series:
    """Four-digit years; two digits as strftime's %y reads them (69-99: 1900s)."""
    number = years.astype(int)
    return (number + np.where(years.str.len() == 2, np.where(number >= 69, 1900, 2000), 0)).astype(
        str
    )


def _assemble(year: pd.Series, month: pd.Series, day: pd.Series, time: pd.Series) -> pd.Series:
    clock = time.fillna("").str.strip().str.replace(r"^(\d):", r"0\1:", regex=True)
    clock = clock.where(clock == "", "T" + clock)
    return year.str.zfill(4) + "-" + month.str.zfill(2) + "-" + day.str.zfill(2) + clock


def _format(order: str, separator: str) -> str:
    words = ("DD", "MM") if order == "day" else ("MM", "DD")
    return separator.join([*words, "YYYY"])


def _strftime(order: str, separator: str, short_years: bool) -> str:
    codes = ("%d", "%m") if order == "day" else ("%m", "%d")
    return separator.join([*codes, "%y" if short_years else "%Y"])
