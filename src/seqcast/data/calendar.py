"""Which days a series has: every calendar day (crypto trades every day) or trading days
(stocks and indices: no weekend rows), those of an exchange where it is known (trading.py).
Windows, horizons and test periods count rows, so on a trading calendar they count sessions;
a trading series' weekends and holidays are never filled in.
"""

from __future__ import annotations

import pandas as pd

from seqcast.data import exchanges

# Below this share of weekend rows a series is on trading days: every-day series have 2 in
# 7 (29%); a file of weekdays may hold a stray weekend row or an exchange's make-up Saturday.
WEEKEND_SHARE = 0.05


def detect(index: pd.DatetimeIndex) -> str:
    """'trading' when (almost) no row falls on a weekend and there are enough rows to tell."""
    if len(index) >= 10 and (index.day_of_week >= 5).mean() < WEEKEND_SHARE:
        return "trading"
    return "daily"


def expected_days(first: pd.Timestamp, last: pd.Timestamp, calendar: str) -> pd.DatetimeIndex:
    """Every day between `first` and `last` the calendar has."""
    days = pd.date_range(first, last, freq="D")
    return days[days.day_of_week < 5] if calendar == "trading" else days  # "B" is 50x slower


def next_dates(
    index: pd.DatetimeIndex, horizon: int, calendar: str | None = None
) -> pd.DatetimeIndex:
    """The `horizon` days after `index` ends, on its calendar: every day, weekdays, or an
    exchange's sessions (`calendar` as `Loaded.calendar` and `series.attrs` name it; without
    it, told from the index)."""
    calendar = calendar or detect(index)
    if calendar not in ("daily", "trading"):
        return pd.DatetimeIndex(
            exchanges.next_sessions(calendar, index[-1], horizon), name=index.name
        )
    step = pd.offsets.BDay() if calendar == "trading" else pd.Timedelta(days=1)
    dates = [index[-1] + step * (k + 1) for k in range(horizon)]
    return pd.DatetimeIndex(dates, name=index.name)
