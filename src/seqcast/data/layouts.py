"""The price-file layouts seqcast knows, and how a header is recognised as one of them.

Light on purpose (no pandas): the CLI lists the layout names in its help.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Layout:
    name: str
    date_col: str  # where the time stamps are
    target: str  # the price column a forecast wants by default
    about: str  # one line for `inspect` and --help
    date_formats: tuple[str, ...] = ()  # tried in order before ISO 8601; none = ISO only


LAYOUTS: dict[str, Layout] = {
    "yahoo": Layout("yahoo", "Date", "Close", "Yahoo Finance export"),
    "coingecko": Layout("coingecko", "snapped_at", "price", "CoinGecko export"),
    "cryptodatadownload": Layout(
        "cryptodatadownload", "date", "close", "CryptoDataDownload export"
    ),
    "investing": Layout(
        "investing", "Date", "Price", "Investing.com export", ("%m/%d/%Y", "%b %d, %Y")
    ),
    "kaggle-intraday": Layout(
        "kaggle-intraday", "Timestamp", "Close", "Kaggle intraday OHLC with unix Timestamp"
    ),
    "yfinance": Layout(
        "yfinance",
        "Date",
        "Close",
        "yfinance download: header lines Price, Ticker, Date; a column per field and ticker",
    ),
    "generic": Layout(
        "generic",
        "",
        "",
        "any CSV: a date column and a price column (found, or --date-col and --target)",
    ),
}
FORMATS = ("auto", *LAYOUTS)


def detect(columns: Iterable[object]) -> Layout:
    """The layout whose header this is; `generic` for any other."""
    names = [str(c).strip() for c in columns]
    have = {c.lower() for c in names}
    if {"snapped_at", "price"} <= have:
        return LAYOUTS["coingecko"]
    if {"unix", "date", "symbol", "close"} <= have:
        return LAYOUTS["cryptodatadownload"]
    if {"date", "price", "open", "high", "low", "change %"} <= have:
        return LAYOUTS["investing"]
    if {"timestamp", "open", "high", "low", "close"} <= have:
        return LAYOUTS["kaggle-intraday"]
    if {"date", "close"} <= have:
        return LAYOUTS["yahoo"]
    return LAYOUTS["generic"]  # the loader finds its date and price columns
