"""Price-file layouts: read the bytes, find the header, recognise who exported the file.

Every layout comes out the same way: a table of text cells plus where each row stood in the
file, so that errors can name the line. Parsing values is `load.py`'s job.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from seqcast.data.layouts import FORMATS, LAYOUTS, Layout, detect
from seqcast.data.text import decode, sniff
from seqcast.errors import SeqcastError


@dataclass
class RawTable:
    layout: Layout
    frame: pd.DataFrame  # every cell as text, columns stripped of spaces
    lines: np.ndarray  # the file line (or Parquet row) of each frame row
    unit: str  # "line" for text files, "row" for Parquet
    sha256: str  # of the file's bytes
    separator: str = ","  # between fields: ';' suggests decimal commas (European Excel)


def read_table(path: Path, fmt: str = "auto", date_col: str | None = None) -> RawTable:
    """Read `path` (CSV, optionally .gz/.zip, or Parquet) and recognise its layout."""
    if fmt not in FORMATS:
        raise SeqcastError(f"unknown format '{fmt}'; choose one of {', '.join(FORMATS)}")
    if not path.is_file():
        raise SeqcastError(f"{path}: file not found; give the price file with --data")
    data = path.read_bytes()
    separator, names = ",", ()  # names: from a header of several lines (yfinance)
    if data[:4] == b"PAR1":
        frame, skip, unit = _read_parquet(path, data), 0, "row"
    else:
        text = decode(path, _decompress(path, data))
        dialect = sniff(text)
        separator, names = dialect.separator, dialect.names  # type: ignore[assignment]
        skip = dialect.header + dialect.header_lines - 1
        frame, unit = _read_csv(path, text, skip, separator, names), "line"
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise SeqcastError(f"{path}: no data rows")
    layout = LAYOUTS[fmt] if fmt != "auto" else detect(frame.columns)
    if names and fmt == "auto":
        layout = LAYOUTS["yfinance"]
    if date_col:
        layout = dataclasses.replace(layout, date_col=date_col)
    first = skip + 2 if unit == "line" else 1  # the header ends on line skip + 1
    digest = hashlib.sha256(data).hexdigest()
    return RawTable(layout, frame, np.arange(len(frame)) + first, unit, digest, separator)


BIG = 20_000_000  # bytes: from here on, intraday files take the numeric path below


@dataclass
class Intraday:
    frame: pd.DataFrame  # date-indexed daily rows: the price, then open, high, low, volume
    layout: str
    sha256: str
    notes: list[str]


def read_intraday(path: Path, fmt: str, target: str | None) -> Intraday | None:
    """A large intraday file (Kaggle's 1-minute bars: millions of rows, many empty) read as
    numbers only, the needed columns, in chunks, each reduced to daily bars at once: seconds
    and a fraction of the memory of reading every cell as text. None when the file is not
    such a file, or when a cell is not a number or the rows are out of order: then the
    general reader (which names the line of any problem) takes it."""
    if fmt not in ("auto", "kaggle-intraday") or not path.is_file() or path.stat().st_size < BIG:
        return None
    data = path.read_bytes()
    if data[:4] == b"PAR1":
        return None
    text = _decompress(path, data)
    header = next(csv.reader([text[: text.find(b"\n")].decode("utf-8-sig", "replace")]))
    header = [c.strip() for c in header]
    if (LAYOUTS[fmt] if fmt != "auto" else detect(header)).name != "kaggle-intraday":
        return None
    stamp = find_column(pd.Index(header), "Timestamp")
    price = find_column(pd.Index(header), target or "Close")
    if stamp is None or price is None:
        return None
    wanted = {"price": price} | _bars(header, {stamp, price})
    try:
        frame, rows, empty = _daily_from_chunks(text, stamp, wanted)
    except (ValueError, pd.errors.ParserError):
        return None
    if frame is None:
        return None
    frame = frame.rename(columns={"price": price})
    notes = [f"skipped {empty} rows without values"] if empty else []
    notes.append(
        f"resampled {rows} intraday rows to {len(frame)} daily closes"
        " (the last price of each UTC day)"
    )
    return Intraday(frame, "kaggle-intraday", hashlib.sha256(data).hexdigest(), notes)


def _bars(header: list[str], taken: set[str]) -> dict[str, str]:
    index = pd.Index(header)
    found = {
        n: c for n in ("open", "high", "low") if (c := find_column(index, n)) and c not in taken
    }
    volumes = [c for c in header if c.lower().startswith("vol") and c not in taken]
    return found | ({"volume": volumes[0]} if volumes else {})


def _daily_from_chunks(
    text: bytes, stamp: str, wanted: dict[str, str]
) -> tuple[pd.DataFrame | None, int, int]:
    """(daily frame, rows with values, empty rows); None for the frame if the stamps go
    backwards or a price is not positive (the general reader explains those)."""
    how = {"price": "last", "open": "first", "high": "max", "low": "min", "volume": "sum"}
    columns = [stamp, *wanted.values()]
    parts, rows, empty, last = [], 0, 0, -np.inf
    chunks = pd.read_csv(io.BytesIO(text), usecols=columns, dtype=np.float64, chunksize=1 << 20)
    for chunk in chunks:
        chunk = chunk.rename(columns={v: k for k, v in wanted.items()})
        values = chunk[list(wanted)]
        has = values.notna().any(axis=1).to_numpy()
        empty += int((~has).sum())
        chunk = chunk[has]
        seconds = chunk[stamp].to_numpy()
        if len(seconds) and (seconds[0] < last or (np.diff(seconds) < 0).any()):
            return None, 0, 0
        if (chunk["price"] <= 0).any() or chunk["price"].isna().any():
            return None, 0, 0
        last = seconds[-1] if len(seconds) else last
        rows += len(chunk)
        days = pd.to_datetime(seconds // 86400 * 86400, unit="s")
        parts.append(chunk[list(wanted)].groupby(days).agg({k: how[k] for k in wanted}))
    if not parts:
        return None, 0, 0
    combined = pd.concat(parts)
    return combined.groupby(level=0).agg({k: how[k] for k in wanted}), rows, empty


def find_column(columns: pd.Index, name: str) -> str | None:
    """`name` as spelled in the file, matched without regard to case or spaces."""
    wanted = name.strip().lower()
    return next((c for c in columns if c.strip().lower() == wanted), None)


def _decompress(path: Path, data: bytes) -> bytes:
    try:
        if data[:2] == b"\x1f\x8b":
            return gzip.decompress(data)
        if data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = [m for m in archive.namelist() if not m.endswith("/")]
                if len(members) != 1:
                    raise SeqcastError(
                        f"{path}: the zip holds {len(members)} files; it must hold exactly one"
                    )
                return archive.read(members[0])
    except SeqcastError:
        raise
    except Exception as exc:  # zlib and zipfile raise many types for damaged archives
        raise SeqcastError(f"{path}: damaged archive ({exc})") from None
    return data


def _read_csv(
    path: Path, text: str, skip: int, separator: str, names: tuple[str, ...] = ()
) -> pd.DataFrame:
    hint = ""
    if separator == ",":  # '2023-04-17,27591,38': a decimal comma splits an unquoted number
        hint = "; a number with a decimal comma must be quoted, or the fields separated by ';'"
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=separator,
            skiprows=skip + 1 if names else skip,
            header=None if names else "infer",
            names=list(names) if names else None,
            dtype=str,
            keep_default_na=False,
            skipinitialspace=True,
            skip_blank_lines=False,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv.Error) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        extra = hint if "fields in line" in reason else ""
        raise SeqcastError(f"{path}: not a readable CSV ({reason}){extra}") from None
    if not isinstance(frame.index, pd.RangeIndex):  # pandas took the extra field as an index
        raise SeqcastError(
            f"{path}: line {skip + 2} has more fields than the header ({len(frame.columns)}){hint}"
        )
    return frame


def _read_parquet(path: Path, data: bytes) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(io.BytesIO(data))
    except ImportError:
        raise SeqcastError(
            f"{path}: reading Parquet needs pyarrow; pip install 'seqcast[parquet]'"
        ) from None
    except Exception as exc:  # pyarrow raises many types for damaged files
        raise SeqcastError(f"{path}: not a readable Parquet file ({exc})") from None
    frame = frame.reset_index() if not isinstance(frame.index, pd.RangeIndex) else frame
    return frame.astype(str).replace({"nan": "", "NaT": "", "None": ""})
