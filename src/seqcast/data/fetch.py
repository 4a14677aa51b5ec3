"""Fresh prices: a symbol's daily history from Yahoo Finance's chart API, kept in a cache
and brought up to date with only the new days.

Why this source: the shipped data is Yahoo's BTC-USD export, and the same endpoint serves
crypto (BTC-USD), stocks (SPY) and indices (^GSPC) under one JSON shape, with no key. It is
the endpoint yfinance reads; seqcast calls it with httpx rather than through yfinance,
whose base address cannot be pointed at a test server and which brings a browser-imitating
HTTP stack. The address is configurable (`--base-url` or SEQCAST_FETCH_URL).

The written CSV is a Yahoo export (Date, Open, High, Low, Close, Adj Close, Volume) that
`read_prices` reads. A day is kept only once it is over in the exchange's time zone: today's
unfinished bar (an intraday price) never enters the file.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from seqcast.cache import cache_dir
from seqcast.errors import SeqcastError
from seqcast.io import write_file

BASE_URL = "https://query1.finance.yahoo.com"
COLUMNS = ["Open", "High", "Low", "Close", "Adj Close", "Volume"]
FIRST = 0  # the epoch: a new symbol's whole history
MAX_TIMEOUT = 86_400  # a day; sockets refuse waits past the platform's time range


@dataclass
class Fetched:
    path: Path  # the CSV written
    rows: int  # days in it
    new: int  # days this fetch added
    first: str
    last: str


def fetch(
    symbol: str,
    out: Path | None = None,
    base_url: str | None = None,
    timeout: float = 20.0,
    now: datetime | None = None,
) -> Fetched:
    """Bring the cached history of `symbol` up to yesterday (exchange time) and write it to
    `out` (default: <symbol>.csv here). On any failure the cache is left as it was."""
    if not re.fullmatch(r"[\w.^=-]{1,32}", symbol):
        raise SeqcastError(f"'{symbol}' is not a ticker symbol (e.g. BTC-USD, SPY, ^GSPC)")
    if not 0 < timeout <= MAX_TIMEOUT:  # NaN too: a socket takes no other wait
        raise SeqcastError(
            f"--timeout {timeout:g}: give the seconds to wait for an answer, above 0 and at"
            f" most {MAX_TIMEOUT:,} (e.g. --timeout 20)"
        )
    base = (base_url or os.environ.get("SEQCAST_FETCH_URL") or BASE_URL).rstrip("/")
    cached = _cache_path(symbol)
    old = _read_cache(cached)
    start = FIRST if old is None else int(old.index[-1].timestamp()) + 86_400
    now = now or datetime.now(UTC)
    payload = _get(base, symbol, start, int(now.timestamp()), timeout)
    new = _parse(payload, base, now)
    if old is not None:
        new = new[new.index > old.index[-1]]
        merged = pd.concat([old, new])
    else:
        merged = new
    if merged.empty:
        raise SeqcastError(f"{base}: no finished days for {symbol} yet")
    _write_atomic(cached, merged)
    target = out or Path(f"{symbol.replace('^', '')}.csv")
    _write_atomic(target, merged)
    first, last = merged.index[0].date(), merged.index[-1].date()
    return Fetched(target, len(merged), len(new), str(first), str(last))


def _cache_path(symbol: str) -> Path:
    return cache_dir() / "prices" / f"{re.sub(r'[^A-Za-z0-9.=-]', '_', symbol)}.csv"


def _read_cache(path: Path) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    try:
        frame = pd.read_csv(path, index_col="Date", parse_dates=["Date"])
        return frame[COLUMNS] if len(frame) else None
    except (ValueError, KeyError):  # a damaged cache is fetched again from the start
        return None


def _get(base: str, symbol: str, start: int, end: int, timeout: float) -> dict[str, Any]:
    import httpx

    url = f"{base}/v8/finance/chart/{symbol}"
    params: dict[str, str | int] = {"period1": start, "period2": end, "interval": "1d"}
    params["includeAdjustedClose"] = "true"
    headers = {"User-Agent": "Mozilla/5.0 (seqcast; +https://pypi.org/project/seqcast)"}
    host = httpx.URL(base).host or base
    try:
        response = httpx.get(url, params=params, headers=headers, timeout=timeout)
    except httpx.TimeoutException:
        raise SeqcastError(
            f"{host}: no answer within {timeout:g} s; try again later (or --timeout)"
        ) from None
    except httpx.HTTPError as exc:
        raise SeqcastError(f"cannot reach {host} ({_first(exc)}); check the address") from None
    if response.status_code == 429:
        wait = response.headers.get("Retry-After")
        after = f" after {wait} s" if wait else " later"
        raise SeqcastError(f"{host} is limiting requests (HTTP 429); try again{after}")
    if response.status_code == 404:
        raise SeqcastError(f"{host}: no symbol '{symbol}' (HTTP 404); check the ticker")
    if response.status_code != 200:
        raise SeqcastError(f"{host} answered HTTP {response.status_code}; try again later")
    try:
        payload = response.json()
    except ValueError:
        raise SeqcastError(f"{host} answered with something that is not JSON") from None
    if not isinstance(payload, dict):
        raise SeqcastError(f"{host}: unexpected answer (not a chart)")
    return payload


def _parse(payload: dict[str, Any], base: str, now: datetime) -> pd.DataFrame:
    """Daily rows of the chart payload, dated in the exchange's time, finished days only."""
    try:
        chart = payload["chart"]
        if chart.get("error"):
            error = chart["error"]
            raise SeqcastError(f"{base}: {error.get('description') or error.get('code')}")
        result = chart["result"][0]
        offset = int(result["meta"].get("gmtoffset", 0))
        stamps = result.get("timestamp") or []
        quote = result["indicators"]["quote"][0]
        adjusted = result["indicators"].get("adjclose", [{}])[0].get("adjclose", quote["close"])
        columns = [quote["open"], quote["high"], quote["low"], quote["close"], adjusted]
        columns.append(quote["volume"])
        if any(len(c) != len(stamps) for c in columns):
            raise ValueError("columns of different lengths")
        dates = pd.to_datetime([s + offset for s in stamps], unit="s").normalize()
        frame = pd.DataFrame(dict(zip(COLUMNS, columns, strict=True)), index=dates)
        frame = frame.apply(pd.to_numeric, errors="raise").astype(float)
    except SeqcastError:
        raise
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise SeqcastError(f"{base}: unexpected answer ({_first(exc)}); nothing written") from None
    frame.index.name = "Date"
    today = pd.Timestamp(now.timestamp() + offset, unit="s").normalize()
    frame = frame[frame.index < today]  # today's bar is not over yet
    frame = frame[frame["Close"].notna()]
    return frame[~frame.index.duplicated(keep="last")]


def _write_atomic(path: Path, frame: pd.DataFrame) -> None:
    buffer = io.StringIO()
    frame.to_csv(buffer, date_format="%Y-%m-%d", float_format="%.10g")
    write_file(path, buffer.getvalue().encode())


def _first(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
