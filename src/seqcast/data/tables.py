"""One file, several series: yfinance's download of many tickers (a column per field and
ticker), a long table (Nixtla's `unique_id, ds, y`, or a ticker/symbol column naming each
row's series) and a wide table (a date column and one column per ticker). Each series comes
out as a table of its own, named by its ticker, to be loaded like a file of its own.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seqcast.data.columns import DATE_NAME, PRICE_NAME, lenient
from seqcast.data.formats import RawTable, find_column
from seqcast.data.layouts import LAYOUTS
from seqcast.data.options import LoadOptions
from seqcast.data.parse import EMPTY
from seqcast.data.text import TICKER
from seqcast.errors import SeqcastError

SERIES_COLUMNS = ("unique_id", "ticker", "symbol")  # a long table's series column
EXTENSIONS = (".csv", ".tsv", ".txt", ".parquet", ".pq", ".gz", ".zip")


@dataclass
class Part:
    name: str  # the ticker
    raw: RawTable | None  # its rows and columns only; None: the whole file, read as one
    options: LoadOptions  # how to read it (a long or wide table names its columns)


def ticker(path: Path) -> str:
    """The series a file holds, by its name: 'AAPL.csv' -> 'AAPL', '2330.TW.csv.gz' ->
    '2330.TW', '^GSPC.parquet' -> '^GSPC'."""
    name = path.name
    while any(name.lower().endswith(e) for e in EXTENSIONS):
        name = name[: name.lower().rfind(".")]
    return name or path.name


def split(path: Path, raw: RawTable, options: LoadOptions, wide: bool = False) -> list[Part]:
    """The series `raw` holds: by ticker (yfinance), by its series column (a long table),
    by column (a wide table, when `wide`), or the whole table as one named by the file."""
    if raw.layout.name == "yfinance":
        return _by_ticker(path, raw, options)
    column = _series_column(path, raw, options)
    if column is not None:
        return _long(raw, column, options)
    columns = _wide_columns(raw, options) if wide else []
    if columns:
        date_col = options.date_col or raw.layout.date_col or _date(raw) or ""
        return [
            Part(
                c,
                _part(raw, [date_col, c]),
                dataclasses.replace(options, target=c, date_col=date_col),
            )
            for c in columns
        ]
    return [Part(ticker(path), raw, options)]


def _by_ticker(path: Path, raw: RawTable, options: LoadOptions) -> list[Part]:
    date_col, *columns = raw.frame.columns
    tickers = list(dict.fromkeys(c.rsplit(TICKER, 1)[1] for c in columns))
    layout = dataclasses.replace(LAYOUTS["yfinance"], date_col=date_col)
    parts = []
    for name in tickers:
        own = [c for c in columns if c.rsplit(TICKER, 1)[1] == name]
        part = _part(raw, [date_col, *own])
        part.frame.columns = [date_col, *(c.rsplit(TICKER, 1)[0] for c in own)]
        parts.append(Part(name or ticker(path), dataclasses.replace(part, layout=layout), options))
    return parts


def _series_column(path: Path, raw: RawTable, options: LoadOptions) -> str | None:
    """The column naming each row's series: --series-col, Nixtla's unique_id, or a ticker
    or symbol column naming more than one."""
    if options.series_col:
        found = find_column(raw.frame.columns, options.series_col)
        if found is None:
            raise SeqcastError(
                f"{path}: no column '{options.series_col}' (columns are:"
                f" {', '.join(raw.frame.columns)}); choose the series column with --series-col"
            )
        return found
    for name in SERIES_COLUMNS:
        found = find_column(raw.frame.columns, name)
        if found and (name == "unique_id" or raw.frame[found].str.strip().nunique() > 1):
            return found
    return None


def _long(raw: RawTable, column: str, options: LoadOptions) -> list[Part]:
    names = raw.frame[column].str.strip()
    nixtla = {"ds", "y"} <= {c.lower() for c in raw.frame.columns}
    if nixtla:  # Nixtla's names: ds the date, y the value
        options = dataclasses.replace(
            options,
            date_col=options.date_col or find_column(raw.frame.columns, "ds"),
            target=options.target or find_column(raw.frame.columns, "y"),
        )
    parts = []
    for name in dict.fromkeys(names):  # in the order the file first names them
        rows = (names == name).to_numpy()
        frame = raw.frame[rows].drop(columns=[column]).reset_index(drop=True)
        part = dataclasses.replace(raw, frame=frame, lines=raw.lines[rows])
        parts.append(Part(str(name), part, options))
    return parts


def _wide_columns(raw: RawTable, options: LoadOptions) -> list[str]:
    """A wide table's ticker columns: a generic table with a date column, no column named
    like a price, and two or more numeric columns (an empty one is a series too, to be
    reported as such)."""
    if raw.layout.name != "generic" or options.target:
        return []
    date_col = options.date_col or _date(raw)
    others = [c for c in raw.frame.columns if c != date_col]
    if date_col is None or any(PRICE_NAME.search(c.lower()) for c in others):
        return []
    numeric, empty = [], []
    for column in others:
        cells = raw.frame[column].str.strip()
        given = ~cells.str.lower().isin(EMPTY).to_numpy()
        if not given.any():
            empty.append(column)
        elif np.isfinite(lenient(cells[given])).mean() > 0.9:
            numeric.append(column)
    return [c for c in others if c in numeric or c in empty] if len(numeric) >= 2 else []


def _date(raw: RawTable) -> str | None:
    named = [c for c in raw.frame.columns if DATE_NAME.search(c)]
    return named[0] if len(named) == 1 else None


def _part(raw: RawTable, columns: list[str]) -> RawTable:
    return dataclasses.replace(raw, frame=raw.frame[columns].copy())
