"""Numbers as exporters print them: '93,557.2', '27.591,38' (European), '1.5K', '0.84%'.

The decimal separator is decided per column, from the cells that can be read only one way
('27591,38' has a decimal comma, '93,557.2' a decimal point); a cell such as '1,234' reads
either way and follows its column. A column holding both kinds is refused by the caller,
never read half one way and half the other.

Plain numbers ('27591.38', '1e-05') take pandas' C parser; only the other cells are matched
against the patterns below, so a large file of plain numbers reads as fast as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

_SUFFIXES = {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}
_EXPONENT = r"([eE][+-]?\d+)?"
# A thousands group starts with 1-3 digits, no leading 0 ('0.345' is a decimal)
_POINT = rf"[+-]?(\d+|[1-9]\d{{0,2}}(,\d{{3}})+)?(\.\d*)?{_EXPONENT}"
_COMMA = rf"[+-]?(\d+|[1-9]\d{{0,2}}(\.\d{{3}})+)?(,\d*)?{_EXPONENT}"
# A plain number both readings accept, differently: '27.591' (27.591, or 27591)
_EITHER = re.compile(rf"[+-]?[1-9]\d{{0,2}}\.\d{{3}}{_EXPONENT}")
_SPACES = r"[\s\u00a0\u202f']"  # thousands spaces (French), apostrophes (Swiss)


@dataclass(frozen=True)
class Reading:
    """How a column's numbers read."""

    decimal: str | None  # "." or ",", None when no cell tells
    point: int  # position of the first cell only a decimal point reads (-1: none)
    comma: int  # position of the first cell only a decimal comma reads (-1: none)
    ambiguous: int  # position of the first cell both read, differently (-1: none)

    @property
    def mixed(self) -> bool:
        return self.point >= 0 and self.comma >= 0


def read_column(cells: pd.Series) -> Reading:
    """Which decimal separator `cells` use, and where the evidence is."""
    text = cells.astype(str).reset_index(drop=True)
    plain = _plain(text).notna().to_numpy()
    point = comma = ambiguous = -1
    words = text.to_numpy(dtype=object)
    for i in np.flatnonzero(plain):  # plain numbers: decimal points, unless like '27.591'
        if "." in words[i]:
            if _EITHER.fullmatch(words[i].strip()) is None:
                point = int(i)
                break
            ambiguous = int(i) if ambiguous < 0 else ambiguous
    rest = _with_digits(text, ~plain)
    if rest.size:
        cleaned, _ = _clean(text.iloc[rest])
        by_point = cleaned.str.fullmatch(_POINT).to_numpy(dtype=bool)
        by_comma = cleaned.str.fullmatch(_COMMA).to_numpy(dtype=bool)
        separated = cleaned.str.contains(r"[.,]", regex=True).to_numpy(dtype=bool)
        point = _first(rest[by_point & ~by_comma], point)
        comma = _first(rest[by_comma & ~by_point], comma)
        ambiguous = _first(rest[by_point & by_comma & separated], ambiguous)
    decimal = None if (point >= 0) == (comma >= 0) else "." if point >= 0 else ","
    return Reading(decimal, point, comma, ambiguous)


def parse_numbers(cells: pd.Series, decimal: str = ".") -> np.ndarray:
    """The cells as floats, `decimal` being the decimal separator (the other one groups
    thousands); NaN for a cell that is not a number written that way."""
    text = cells.astype(str).reset_index(drop=True)
    values = _plain(text)
    if decimal == ",":  # of the plain numbers, only those without a point read the same
        values = values.where(~text.str.contains(".", regex=False))
    rest = _with_digits(text, values.isna().to_numpy())
    out = values.to_numpy(dtype=float, na_value=np.nan)
    if rest.size:
        out[rest] = _parse_written(text.iloc[rest], decimal)
    return out


def _plain(text: pd.Series) -> pd.Series:
    """Cells pandas' C parser reads as plain numbers (decimal point, no grouping)."""
    return pd.to_numeric(text, errors="coerce")


def _parse_written(text: pd.Series, decimal: str) -> np.ndarray:
    cleaned, scale = _clean(text)
    pattern, thousands = (_POINT, ",") if decimal == "." else (_COMMA, ".")
    valid = cleaned.str.fullmatch(pattern).to_numpy(dtype=bool)
    digits = cleaned.str.replace(thousands, "", regex=False)
    if decimal == ",":
        digits = digits.str.replace(",", ".", regex=False)
    values = pd.to_numeric(digits.where(valid, ""), errors="coerce")
    return values.to_numpy(dtype=float, na_value=np.nan) * scale


def _clean(cells: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Cells stripped of spaces, '%' and a K/M/B/T suffix; and the suffix's scale."""
    text = cells.str.replace(_SPACES, "", regex=True).str.rstrip("%")
    suffix = text.str[-1:].str.upper()
    scale = suffix.map(_SUFFIXES).fillna(1.0).to_numpy(dtype=float)
    return text.where(~suffix.isin(list(_SUFFIXES)), text.str[:-1]), scale


def _with_digits(text: pd.Series, among: np.ndarray) -> np.ndarray:
    """Positions of the cells `among` (a mask) holding a digit: the numbers left to read."""
    candidates = np.flatnonzero(among)
    if not candidates.size:
        return candidates
    digits = text.iloc[candidates].str.contains(r"\d", regex=True).to_numpy(dtype=bool)
    return candidates[digits]


def _first(positions: np.ndarray, earlier: int) -> int:
    """The first of `positions`, or of it and `earlier` (-1: none)."""
    found = [int(p) for p in positions[:1]] + ([earlier] if earlier >= 0 else [])
    return min(found) if found else -1
