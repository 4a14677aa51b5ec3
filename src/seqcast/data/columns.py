"""Which columns of a price file hold the dates, the price and the day's open, high, low
and volume: named by the user, the layout's, or found from the header and the values."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from seqcast.data.formats import RawTable, find_column
from seqcast.data.numbers import parse_numbers, read_column
from seqcast.data.options import LoadOptions
from seqcast.errors import SeqcastError

# Column names a price goes by, for files no layout describes ('Adj_Close', 'close_price_usd')
PRICE_NAME = re.compile(r"(^|[^a-z])(adj(usted)?[ _]?)?(close|closing|price|last)([^a-z]|$)")
DATE_NAME = re.compile(r"date|time|day|^ds$", re.IGNORECASE)


def find_columns(path: Path, raw: RawTable, options: LoadOptions) -> tuple[str, str]:
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
    numeric = [c for c in others if np.isfinite(lenient(raw.frame[c].head(50))).mean() > 0.9]
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


def ohlcv(columns: pd.Index, taken: set[str]) -> dict[str, str]:
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


def lenient(cells: pd.Series) -> np.ndarray:
    """Numbers of a column, for telling numeric columns apart (NaN where unsure)."""
    reading = read_column(cells)
    return (
        np.full(len(cells), np.nan)
        if reading.mixed
        else parse_numbers(cells, reading.decimal or ".")
    )
