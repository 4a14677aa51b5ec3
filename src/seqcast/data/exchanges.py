"""Exchange calendars (the `exchange_calendars` library, imported only when a series needs
one): which weekdays an exchange was closed, so that a holiday is told from a missing
session and forecasts are dated on sessions.

The exchange is named (`calendar = "XNYS"`) or inferred from the ticker: Yahoo's suffixes
('2330.TW', '7203.T', 'VOD.L'), its index symbols ('^GSPC', '^TWII'), and a bare upper-case
symbol ('AAPL', 'BRK-B'), which Yahoo uses for US listings. The library's calendars cover
the last 20 years and the next one; before that a series' rows are taken as its sessions.
"""

from __future__ import annotations

import functools
import re

import pandas as pd

from seqcast.errors import SeqcastError

# Yahoo Finance ticker suffix -> ISO 10383 code of the exchange
SUFFIXES = {
    "TW": "XTAI", "TWO": "XTAI", "T": "XTKS", "HK": "XHKG", "L": "XLON", "IL": "XLON",
    "DE": "XETR", "F": "XFRA", "PA": "XPAR", "AS": "XAMS", "BR": "XBRU", "LS": "XLIS",
    "MI": "XMIL", "MC": "XMAD", "SW": "XSWX", "VI": "XWBO", "ST": "XSTO", "HE": "XHEL",
    "CO": "XCSE", "OL": "XOSL", "IR": "XDUB", "WA": "XWAR", "IS": "XIST", "TA": "XTAE",
    "TO": "XTSE", "V": "XTSX", "AX": "XASX", "NZ": "XNZE", "KS": "XKRX", "KQ": "XKRX",
    "SS": "XSHG", "SZ": "XSHG", "BO": "XBOM", "NS": "XBOM", "SI": "XSES", "BK": "XBKK",
    "KL": "XKLS", "JK": "XIDX", "SA": "BVMF", "MX": "XMEX", "JO": "XJSE", "SR": "XSAU",
}  # fmt: skip
# Yahoo index symbols -> the exchange whose sessions they follow
INDICES = {
    "^GSPC": "XNYS", "^DJI": "XNYS", "^IXIC": "XNYS", "^NDX": "XNYS", "^RUT": "XNYS",
    "^VIX": "XNYS", "^NYA": "XNYS", "^TWII": "XTAI", "^N225": "XTKS", "^HSI": "XHKG",
    "^FTSE": "XLON", "^GDAXI": "XETR", "^FCHI": "XPAR", "^AEX": "XAMS", "^SSMI": "XSWX",
    "^GSPTSE": "XTSE", "^AXJO": "XASX", "^KS11": "XKRX", "^BSESN": "XBOM", "^STI": "XSES",
}  # fmt: skip
US_SYMBOL = re.compile(r"[A-Z]{1,5}([.-][A-Z])?")  # AAPL, BRK-B, BF.B: a US listing


def infer(ticker: str) -> str | None:
    """The exchange `ticker` trades on, as Yahoo names tickers; None if it does not say."""
    ticker = ticker.strip()
    if ticker.upper() in INDICES:
        return INDICES[ticker.upper()]
    if "." in ticker and ticker.rsplit(".", 1)[1].upper() in SUFFIXES:
        return SUFFIXES[ticker.rsplit(".", 1)[1].upper()]
    return "XNYS" if US_SYMBOL.fullmatch(ticker) else None


def check(code: str) -> str:
    """`code` as the library names it, or one line listing the codes it knows."""
    names = _names()
    if code.upper() in names:
        return code.upper()
    raise SeqcastError(
        f"--calendar '{code}': unknown exchange; give daily, trading, auto or an exchange"
        f" code ({', '.join(sorted(n for n in names if re.fullmatch(r'X[A-Z]{3}', n)))})"
    )


@functools.cache
def sessions(code: str) -> pd.DatetimeIndex:
    """Every session the library knows for `code` (the last 20 years and the next)."""
    import exchange_calendars

    known = pd.DatetimeIndex(exchange_calendars.get_calendar(check(code)).sessions)
    return known.tz_localize(None) if known.tz is not None else known


def next_sessions(code: str, last: pd.Timestamp, count: int) -> pd.DatetimeIndex:
    """The `count` sessions after `last`; weekdays past the calendar's end."""
    known = sessions(code)
    after = known[known > last][:count]
    if len(after) < count:
        start = after[-1] if len(after) else last
        after = after.append(pd.bdate_range(start, periods=count - len(after) + 1)[1:])
    return after


@functools.cache
def _names() -> frozenset[str]:
    try:
        import exchange_calendars
    except ImportError:  # a default dependency; a broken install says what to do
        raise SeqcastError(
            "exchange calendars need the exchange_calendars package: pip install exchange_calendars"
        ) from None
    return frozenset(exchange_calendars.get_calendar_names(include_aliases=False))
