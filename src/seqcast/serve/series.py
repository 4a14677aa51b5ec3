"""A request's series -> what a model reads: a date-indexed price series on the run's
calendar (and the day's open, high, low and volume beside it), repaired as the run's file
was (gaps filled with the last price, up to the run's --max-gap, said in a warning), or one
line naming the series and what to change."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from seqcast.data.calendar import expected_days
from seqcast.errors import SeqcastError
from seqcast.serve.schema import COVARIATES, Row, Series
from seqcast.settings import LoadOptions

DAY = 86_400 * 10**9  # in nanoseconds
EPOCH = 719_163  # date(1970, 1, 1).toordinal(): dates as days since numpy's epoch, quickly


@dataclass
class Item:
    name: str  # the item_id, or where the series was in the request
    series: pd.Series  # float prices, date-indexed, oldest first
    frame: pd.DataFrame | None  # open, high, low, volume beside them (what was given)
    warnings: list[str] = field(default_factory=list)


def from_table(rows: list[Row]) -> list[Series]:
    """Nixtla's long table -> one series per unique_id, in the order they first appear."""
    groups: dict[str, tuple[list, list]] = {}
    for row in rows:
        dates, values = groups.setdefault(row.unique_id, ([], []))
        dates.append(row.ds)
        values.append(row.y)
    return [
        Series(item_id=name, timestamps=dates, target=values)
        for name, (dates, values) in groups.items()
    ]


def to_item(spec: Series, where: str, calendar: str, options: LoadOptions) -> Item:
    """The series `spec` (`where`: its place in the request) on the run's `calendar`."""
    name = spec.item_id or where
    values = np.asarray(spec.target, dtype=float)
    index = _dates(spec, name, calendar, len(values))
    frame = _covariates(spec, name, index)
    item = Item(name, pd.Series(values, index=index, name="price"), frame)
    return _fill_gaps(item, calendar, options)


def _dates(spec: Series, name: str, calendar: str, n: int) -> pd.DatetimeIndex:
    if spec.start is not None:
        start = pd.Timestamp(spec.start)
        if calendar == "trading" and start.day_of_week >= 5:
            raise SeqcastError(
                f"{name}: start {start.date()} is a {start.day_name()}, but this run's days"
                " are trading days (Monday to Friday); start on one of them"
            )
        return pd.date_range(start, periods=n, freq="B" if calendar == "trading" else "D")
    assert spec.timestamps is not None  # the schema asks for one of them
    if len(spec.timestamps) != n:
        raise SeqcastError(
            f"{name}: {len(spec.timestamps)} timestamps for {n} target values; give one each"
        )
    days = np.fromiter((d.toordinal() for d in spec.timestamps), np.int64, n) - EPOCH
    index = pd.DatetimeIndex(days.astype("datetime64[D]").astype("datetime64[ns]"), name="date")
    steps = np.diff(index.asi8)
    if (steps <= 0).any():
        k = int(np.flatnonzero(steps <= 0)[0]) + 1
        if steps[k - 1] == 0:
            raise SeqcastError(
                f"{name}: timestamp {index[k].date()} appears twice (positions {k - 1} and"
                f" {k}); give each day once"
            )
        raise SeqcastError(
            f"{name}: timestamps out of order at position {k} ({index[k].date()} after"
            f" {index[k - 1].date()}); sort them oldest first"
        )
    if calendar == "trading" and (index.day_of_week >= 5).any():
        day = index[index.day_of_week >= 5][0]
        raise SeqcastError(
            f"{name}: {day.date()} is a {day.day_name()}, but this run's days are trading"
            " days (Monday to Friday); leave weekends out"
        )
    return index


def _covariates(spec: Series, name: str, index: pd.DatetimeIndex) -> pd.DataFrame | None:
    given = spec.past_covariates
    if not given:
        return None
    unknown = sorted(set(given) - set(COVARIATES))
    if unknown:
        raise SeqcastError(
            f"{name}: past_covariates {', '.join(unknown)} unknown; give {', '.join(COVARIATES)}"
        )
    for key, values in given.items():
        if len(values) != len(index):
            raise SeqcastError(
                f"{name}: past_covariates.{key} has {len(values)} values for {len(index)}"
                " target values; give one each (null where unknown)"
            )
    columns = [c for c in COVARIATES if c in given]  # the loader's order
    data = {c: np.array(given[c], dtype=float) for c in columns}  # null -> NaN
    return pd.DataFrame(data, index=index)


def _fill_gaps(item: Item, calendar: str, options: LoadOptions) -> Item:
    """Missing days of the calendar, as the run's load options treat them."""
    index = item.series.index
    if calendar == "daily" and (len(index) < 2 or (np.diff(index.asi8) == DAY).all()):
        return item  # every day there: nothing to fill (the common case, checked fast)
    expected = expected_days(index[0], index[-1], calendar)
    missing = expected[~expected.isin(index)]
    if missing.empty or options.gaps == "drop":
        if len(missing):
            item.warnings.append(f"{len(missing)} missing days left out, as the run's data")
        return item
    present = expected.isin(index)
    runs = np.diff(np.flatnonzero(np.r_[True, present, True])) - 1
    longest = int(runs.max())
    if options.gaps == "error" or longest > options.max_gap:
        limit = "none" if options.gaps == "error" else f"at most {options.max_gap}"
        raise SeqcastError(
            f"{item.name}: {longest} days missing in a row, from {missing[0].date()} (this"
            f" run fills {limit}); send those days"
        )
    series = item.series.reindex(expected).ffill()
    frame = item.frame
    if frame is not None:  # an invented day: no trades, the last price all day
        frame = frame.reindex(expected)
        for column in frame.columns:
            frame[column] = frame[column].fillna(0.0 if column == "volume" else series)
    item.warnings.append(
        f"filled {len(missing)} missing days with the last known price (first: {missing[0].date()})"
    )
    return Item(item.name, series, frame, item.warnings)
