"""Text files as spreadsheets write them: the encoding (UTF-8, or Excel's UTF-16 "Unicode
text"), the field separator (comma, semicolon as European Excel writes, tab, pipe) and the
lines above the header (a source's address, yfinance's extra header lines).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from seqcast.errors import SeqcastError

SEPARATORS = (",", ";", "\t", "|")
SNIFF_LINES = 40  # lines read to decide the separator: a header and enough rows to agree


@dataclass(frozen=True)
class Dialect:
    separator: str
    header: int  # lines above the header (0: the header is the first line)
    columns: int  # fields in the header
    names: tuple[str, ...] = ()  # column names read from several header lines (yfinance)
    header_lines: int = 1  # lines the header takes


# yfinance's `download(...).to_csv()`: 'Price,Close,...' / 'Ticker,BTC-USD,...' / 'Date,,,'
# (or Ticker above Price with group_by='ticker'); one column per field and ticker
YFINANCE_ROWS = {"price", "ticker"}
TICKER = "|"  # joins field and ticker in a yfinance column name: 'Close|BTC-USD'


def decode(path: Path, data: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), or UTF-16 (Excel's
    "Unicode text", marked or not)."""
    encoding = _utf16(data)
    if encoding is None and b"\x00" in data[:4096]:
        raise SeqcastError(f"{path}: binary data, not a CSV or Parquet file")
    try:
        text = data.decode(encoding or "utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SeqcastError(
            f"{path}: byte {exc.start} is not {(encoding or 'UTF-8').upper()} text;"
            " save the file as UTF-8 CSV"
        ) from None
    return text.removeprefix("\ufeff")


def _utf16(data: bytes) -> str | None:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"  # the mark says which byte order
    head = data[:4096]
    if len(head) >= 4 and len(head) % 2 == 0:  # ASCII text in UTF-16: every other byte is 0
        if head[1::2].count(0) == len(head) // 2 and 0 not in head[0::2]:
            return "utf-16-le"
        if head[0::2].count(0) == len(head) // 2 and 0 not in head[1::2]:
            return "utf-16-be"
    return None


def sniff(text: str) -> Dialect:
    """The separator that splits the first lines into the same number of fields (two or
    more), the most lines agreeing; the header is the first line it splits (lines above it,
    like CryptoDataDownload's address, hold one field)."""
    lines = re.split(r"\r\n|\r|\n", text[: 1 << 16])[:SNIFF_LINES]  # as pandas counts lines
    best: tuple[float, int, int] = (0.0, 0, 0)  # share of lines agreeing, fields, -rank
    choice = Dialect(",", 0, 1)
    for rank, separator in enumerate(SEPARATORS):
        counts = [_fields(line, separator) for line in lines]
        usual, agree = Counter(c for c in counts if c).most_common(1)[0] if any(counts) else (0, 0)
        score = (agree / max(1, sum(1 for c in counts if c)), usual, -rank)
        if usual >= 2 and score > best:
            header = next(i for i, c in enumerate(counts) if c >= 2)
            best, choice = score, Dialect(separator, header, counts[header])
    return _yfinance(lines, choice)


def _yfinance(lines: list[str], dialect: Dialect) -> Dialect:
    """`dialect` with the column names of a yfinance three-line header, if it is one."""
    top = lines[dialect.header : dialect.header + 3]
    if len(top) < 3:
        return dialect
    rows = [next(csv.reader([line], delimiter=dialect.separator)) for line in top]
    if len({len(r) for r in rows}) != 1 or len(rows[0]) < 2:
        return dialect
    kinds = [rows[0][0].strip().lower(), rows[1][0].strip().lower()]
    dated = rows[2][0].strip().lower() in ("date", "datetime") and not any(
        c.strip() for c in rows[2][1:]
    )
    if set(kinds) != YFINANCE_ROWS or not dated:
        return dialect
    fields, tickers = (rows[0], rows[1]) if kinds[0] == "price" else (rows[1], rows[0])
    names = [
        f"{f.strip()}{TICKER}{t.strip()}" for f, t in zip(fields[1:], tickers[1:], strict=True)
    ]
    return replace(dialect, names=(rows[2][0].strip(), *names), header_lines=3)


def _fields(line: str, separator: str) -> int:
    """How many fields `line` splits into (0 for a blank line)."""
    if not line.strip():
        return 0
    try:
        return len(next(csv.reader([line], delimiter=separator)))
    except (csv.Error, StopIteration):
        return 0
