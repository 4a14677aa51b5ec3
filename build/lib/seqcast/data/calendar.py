"""Which days a series has: every calendar day (crypto trades every day) or trading days
(stocks and indices: Monday to Friday, no weekend rows). Windows, horizons and test periods
count rows, so on a trading calendar they count trading days; a trading series' weekends are
never filled in, and its holidays are gaps like any other.
"""

from __future__ import annotations

import pandas as pd

CALENDARS = ("auto", "daily", "trading")


def detect(index: pd.DatetimeIndex) -> str:
    """'trading' when no row falls on a weekend (and there are enough rows to tell)."""
    if len(index) >= 10 and not (index.day_of_week >= 5).any():
        return "trading"
    return "daily"


def expected_days(first: pd.Timestamp, last: pd.Timestamp, calendar: str) -> pd.DatetimeIndex:
    """Every day between `first` and `last` the calendar has."""
    return pd.date_range(first, last, freq="B" if calendar == "trading" else "D")


def next_dates(index: pd.DatetimeIndex, horizon: int) -> pd.DatetimeIndex:
    """The `horizon` days after `index` ends, on its own calendar."""
    step = pd.offsets.BDay() if detect(index) == "trading" else pd.Timedelta(days=1)
    dates = [index[-1] + step * (k + 1) for k in range(horizon)]
    return pd.DatetimeIndex(dates, name=index.name)
