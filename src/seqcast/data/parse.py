"""A price file's cells to numbers and time stamps: rows without values skipped, the decimal
separator read per column, unusable prices refused or dropped (saying which row)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from seqcast.data.columns import ohlcv
from seqcast.data.dates import parse_stamps
from seqcast.data.formats import RawTable
from seqcast.data.numbers import parse_numbers, read_column
from seqcast.data.options import LoadOptions
from seqcast.errors import SeqcastError

EMPTY = ["", "null", "nan", "none", "-"]  # a cell without a value, as exporters write it


def drop_empty_rows(raw: RawTable, date_col: str, notes: list[str]) -> RawTable:
    """Rows with a date but no values (Yahoo's all-'null' days, minutes without trades in
    intraday files, blank lines) are missing data, not errors."""
    values = raw.frame.drop(columns=[date_col])
    cells = values.apply(lambda c: c.str.strip().str.lower())
    empty = cells.isin(EMPTY).all(axis=1).to_numpy()
    if not empty.any():
        return raw
    notes.append(
        f"skipped {empty.sum()} rows without values (first: {raw.unit} {raw.lines[empty][0]})"
    )
    kept = raw.frame[~empty].reset_index(drop=True)
    return dataclasses.replace(raw, frame=kept, lines=raw.lines[~empty])


def parse(
    path: Path,
    raw: RawTable,
    date_col: str,
    target_col: str,
    options: LoadOptions,
    notes: list[str],
) -> tuple[pd.DataFrame, RawTable]:
    """Stamps and numbers: the price (refusing or dropping unusable ones) and the day's
    open, high, low and volume where the file has them (NaN where a cell is unusable)."""
    stamps = _parse_stamps(path, raw, date_col, options.date_format, notes)
    columns = {target_col: target_col} | ohlcv(raw.frame.columns, {date_col, target_col})
    decimals = _decimals(path, raw, list(columns.values()), notes)
    values = parse_numbers(raw.frame[target_col], decimals[target_col])
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
    frame = pd.DataFrame({target_col: values}, index=stamps)
    for name, column in list(columns.items())[1:]:
        frame[name] = parse_numbers(raw.frame[column], decimals[column])
    return frame[~bad], dataclasses.replace(raw, lines=raw.lines[~bad])


def _decimals(path: Path, raw: RawTable, columns: list[str], notes: list[str]) -> dict[str, str]:
    """Each column's decimal separator, read from its cells; a column no cell decides
    ('1,234' reads either way) follows the file's other columns, then its field separator
    (';' is European Excel's, with decimal commas). Refuses a column holding both."""
    readings = {c: read_column(raw.frame[c]) for c in columns}
    for column, reading in readings.items():
        if reading.mixed:
            point, comma = raw.frame[column].iloc[[reading.point, reading.comma]].str.strip()
            raise SeqcastError(
                f"{path}: column '{column}' mixes a decimal point ('{point}',"
                f" {raw.unit} {raw.lines[reading.point]}) and a decimal comma ('{comma}',"
                f" {raw.unit} {raw.lines[reading.comma]}); save the file with one decimal"
                " separator"
            )
    decided = {r.decimal for r in readings.values() if r.decimal}
    fallback = next(iter(decided)) if len(decided) == 1 else "," if raw.separator == ";" else "."
    chosen = {c: r.decimal or fallback for c, r in readings.items()}
    commas = [c for c in columns if chosen[c] == ","]
    if commas:
        notes.append(f"read decimal commas in {', '.join(commas)} ('1.234,5' is 1234.5)")
    for column, reading in readings.items():
        if not decided and reading.ambiguous >= 0:  # nothing in the file tells: say so
            cell = raw.frame[column].iloc[[reading.ambiguous]]
            value = parse_numbers(cell, chosen[column])[0]
            notes.append(
                f"column '{column}': no value in the file tells the decimal separator; read"
                f" '{cell.iloc[0].strip()}' as {value:.12g}"
            )
    return chosen


def _parse_stamps(
    path: Path, raw: RawTable, column: str, chosen: str | None, notes: list[str]
) -> pd.DatetimeIndex:
    """Time stamps as naive UTC (data/dates.py), or one line naming the row that is not one."""
    cells = raw.frame[column].str.strip()
    stamps = parse_stamps(cells, raw.layout.date_formats, chosen)
    if stamps.index is None:
        i = stamps.bad
        how = f"--date-format {chosen}" if chosen else f"expected {stamps.expected}"
        raise SeqcastError(
            f"{path}: {raw.unit} {raw.lines[i]}, column '{column}': '{cells.iloc[i]}' is not a"
            f" date ({how}); fix or remove that row"
        )
    if stamps.note:
        notes.append(stamps.note)
    return stamps.index
