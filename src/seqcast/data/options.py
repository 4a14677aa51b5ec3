"""How a price file becomes one clean daily series: the loading settings."""

from __future__ import annotations

from dataclasses import dataclass

from seqcast.data.layouts import FORMATS
from seqcast.errors import SeqcastError
from seqcast.options import check_choices, option


@dataclass(frozen=True)
class LoadOptions:
    """How a price file becomes one clean daily series."""

    format: str = option("auto", "Force a file layout.", choices=FORMATS)
    date_col: str | None = option(None, "Time-stamp column, for files no layout describes.")
    date_format: str | None = option(
        None, "How the dates are written (strftime), e.g. %d/%m/%Y.", shown="recognised"
    )
    target: str | None = option(
        None, "Column to forecast.", flag="--target", shown="the layout's price column"
    )
    duplicates: str = option(
        "error", "Two rows for one day: refuse, or keep one.", choices=("error", "first", "last")
    )
    gaps: str = option(
        "ffill",
        "Missing days: carry the last price forward, leave them out, or refuse.",
        choices=("ffill", "drop", "error"),
    )
    max_gap: int = option(7, "Longest run of missing days --gaps ffill may fill.")
    bad_rows: str = option(
        "error", "Empty, text or <= 0 prices: refuse, or drop the row.", choices=("error", "drop")
    )
    series_col: str | None = option(
        None, "Column naming the series of a long file (a symbol or asset): one series each."
    )
    calendar: str = option(
        "auto",
        "Which days the series has: daily (every day), trading (weekdays; the rows are the"
        " sessions, holidays not filled) or an exchange code (XNYS, XTAI...: its sessions;"
        " only a missing session is a gap). auto: trading when almost no row is on a weekend,"
        " the exchange from the ticker (.TW, ^GSPC, AAPL).",
    )

    def __post_init__(self) -> None:
        check_choices(self)
        if self.max_gap < 1:
            raise SeqcastError("--max-gap must be at least 1 day")
