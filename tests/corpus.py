"""Small price files in every layout seqcast reads, generated from one series.

Each writer returns the file's bytes; every layout of the same series must load to the same
daily closes.
"""

from __future__ import annotations

import gzip
import io
import zipfile

import numpy as np
import pandas as pd


def base_series(n: int = 40, seed: int = 3) -> pd.Series:
    """Daily closes with 2 decimals (what every exporter can print exactly), a few whole."""
    rng = np.random.default_rng(seed)
    close = np.round(20000 * np.exp(np.cumsum(rng.normal(0, 0.03, n))), 2)
    close[::7] = np.round(close[::7])  # some prices are whole dollars
    return pd.Series(close, index=pd.date_range("2021-03-01", periods=n, name="date"))


def yahoo(s: pd.Series) -> bytes:
    rows = ["Date,Open,High,Low,Close,Adj Close,Volume"]
    for day, c in s.items():
        rows.append(f"{day:%Y-%m-%d},{c:.6f},{c * 1.01:.6f},{c * 0.99:.6f},{c:.6f},{c:.6f},1000")
    return ("\n".join(rows) + "\n").encode()


def coingecko(s: pd.Series) -> bytes:
    rows = ["snapped_at,price,market_cap,total_volume"]
    rows += [f"{day:%Y-%m-%d} 00:00:00 UTC,{c!r},{c * 1.9e7!r},{c * 1e4!r}" for day, c in s.items()]
    return ("\n".join(rows) + "\n").encode()


def cryptodatadownload(s: pd.Series) -> bytes:
    rows = [
        "https://www.CryptoDataDownload.com",
        "unix,date,symbol,open,high,low,close,Volume BTC,Volume USD",
    ]
    for day, c in s.iloc[::-1].items():  # newest first
        price = f"{c:.0f}" if c == round(c) else f"{c:.2f}"  # whole prices print bare
        unix = int(day.timestamp()) * 1000
        rows.append(
            f"{unix},{day:%Y-%m-%d},BTC/USD,{price},{price},{price},{price},12.5,{c * 12.5:.2f}"
        )
    return ("\n".join(rows) + "\n").encode()


def investing(s: pd.Series) -> bytes:
    rows = ['"Date","Price","Open","High","Low","Vol.","Change %"']
    previous = s.shift(1)
    for day, c in s.iloc[::-1].items():
        change = 0.0 if np.isnan(previous[day]) else 100 * (c / previous[day] - 1)
        rows.append(
            f'"{day:%m/%d/%Y}","{c:,.2f}","{c:,.2f}","{c:,.2f}","{c:,.2f}","93.56K","{change:.2f}%"'
        )
    return ("\ufeff" + "\n".join(rows) + "\n").encode()


def kaggle_cleaned(s: pd.Series) -> bytes:
    rows = ["SNo,Date,Price,Open,High,Low,Vol.,Change %"]
    for i, (day, c) in enumerate(s.iloc[::-1].items()):
        rows.append(f'{i},"{day:%b %d, %Y}","{c:,.2f}","{c:,.2f}","{c:,.2f}","{c:,.2f}",1.2M,0.5%')
    return ("\n".join(rows) + "\n").encode()


def kaggle_intraday(s: pd.Series) -> bytes:
    """Hourly bars with unix seconds; the day's last bar closes at the day's close, and some
    hours have no trades (NaN), as in the Kaggle Bitstamp files."""
    rows = ["Timestamp,Open,High,Low,Close,Volume_(BTC),Volume_(Currency),Weighted_Price"]
    for day, c in s.items():
        for hour in range(24):
            stamp = int((day + pd.Timedelta(hours=hour)).timestamp())
            if hour == 5:
                rows.append(f"{stamp},NaN,NaN,NaN,NaN,NaN,NaN,NaN")
                continue
            price = c if hour == 23 else c * (1 + 0.001 * (hour - 12))
            rows.append(f"{stamp},{price!r},{price!r},{price!r},{price!r},1.0,{price!r},{price!r}")
    return ("\n".join(rows) + "\n").encode()


def generic(s: pd.Series) -> bytes:
    rows = ["when,btc_usd,note"]
    rows += [f" {day:%Y-%m-%d} , {c!r} ,x" for day, c in s.items()]  # stray spaces
    return ("\n".join(rows) + "\n").encode()


def _european(value: float, thousands: str = ".") -> str:
    """27591.38 -> '27.591,38' (Excel in Germany, Italy, Spain...)."""
    return f"{value:,.2f}".replace(",", "_").replace(".", ",").replace("_", thousands)


def google_sheets(s: pd.Series) -> bytes:
    """Sheets in a decimal-comma locale: commas between fields, so each number is quoted;
    the automatic format drops trailing zeros ('27591,4' beside '27591,38', '27591')."""
    rows = ["Date,Open,High,Low,Close,Volume"]
    for day, c in s.items():
        cell = f"{c:.2f}".rstrip("0").rstrip(".").replace(".", ",")
        rows.append(f'{day:%Y-%m-%d},"{cell}","{cell}","{cell}","{cell}",1000')
    return ("\n".join(rows) + "\n").encode()


def european_excel(s: pd.Series) -> bytes:
    """Excel's CSV in Germany: semicolons, decimal commas, thousands points, DD.MM.YYYY;
    the volume ('1.000') alone could be read either way, the prices tell."""
    rows = ["Date;Open;High;Low;Close;Volume"]
    for day, c in s.iloc[::-1].items():
        cell = _european(c)
        rows.append(f"{day:%d.%m.%Y};{cell};{cell};{cell};{cell};1.000")
    return ("\r\n".join(rows) + "\r\n").encode("cp1252")


def excel_unicode_text(s: pd.Series) -> bytes:
    """Excel's "Unicode text" (US): UTF-16 with a byte-order mark, tabs, CRLF, M/D/YYYY
    dates and numbers as displayed ('27,591.38')."""
    rows = ["Date\tOpen\tHigh\tLow\tClose\tVolume"]
    for day, c in s.items():
        rows.append(
            f"{day.month}/{day.day}/{day.year}\t{c:,.2f}\t{c:,.2f}\t{c:,.2f}\t{c:,.2f}\t1,000"
        )
    return ("\r\n".join(rows) + "\r\n").encode("utf-16")


def tab_separated(s: pd.Series) -> bytes:
    rows = ["Date\tClose\tVolume"]
    rows += [f"{day:%Y-%m-%d}\t{c!r}\t12" for day, c in s.items()]
    return ("\n".join(rows) + "\n").encode()


def parquet(s: pd.Series) -> bytes:
    frame = pd.DataFrame({"Date": s.index, "Close": s.to_numpy(), "Volume": 1000})
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def gz(data: bytes) -> bytes:
    return gzip.compress(data)


def zipped(data: bytes, name: str = "prices.csv") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


# name -> (writer, file name, extra load options, detected layout)
LAYOUT_FILES = {
    "yahoo": (yahoo, "BTC-USD.csv", {}, "yahoo"),
    "coingecko": (coingecko, "btc-usd-max.csv", {}, "coingecko"),
    "cryptodatadownload": (cryptodatadownload, "Bitstamp_BTCUSD_d.csv", {}, "cryptodatadownload"),
    "investing": (investing, "Bitcoin Historical Data.csv", {}, "investing"),
    "kaggle-cleaned": (kaggle_cleaned, "BTC_cleaned.csv", {}, "investing"),
    "kaggle-intraday": (kaggle_intraday, "bitstamp_1h.csv", {}, "kaggle-intraday"),
    "generic": (generic, "mine.csv", {"date_col": "when", "target": "btc_usd"}, "generic"),
    "parquet": (parquet, "prices.parquet", {}, "yahoo"),
    "gzip": (lambda s: gz(yahoo(s)), "prices.csv.gz", {}, "yahoo"),
    "zip": (lambda s: zipped(yahoo(s)), "prices.zip", {}, "yahoo"),
    "google-sheets": (google_sheets, "Sheet1.csv", {}, "yahoo"),
    "european-excel": (european_excel, "Kurse.csv", {}, "yahoo"),
    "excel-unicode-text": (excel_unicode_text, "prices.txt", {}, "yahoo"),
    "utf16-no-mark": (lambda s: excel_unicode_text(s)[2:], "prices.txt", {}, "yahoo"),
    "tab-separated": (tab_separated, "prices.tsv", {}, "yahoo"),
    "yfinance": (lambda s: yfinance({"BTC-USD": s}), "download.csv", {}, "yfinance"),
}


# Watch-lists: several series in one file, as the tools people use write them.
FIELDS = ("Close", "High", "Low", "Open", "Volume")


def yfinance(frames: dict[str, pd.Series], group_by: str = "column") -> bytes:
    """`yf.download(tickers).to_csv()` as yfinance writes it today: a header line of
    fields, one of tickers (swapped with group_by='ticker'), then 'Date,,,'."""
    tickers = list(frames)
    if group_by == "column":
        pairs = [(f, t) for f in FIELDS for t in tickers]
        top = ["Price", *(f for f, _ in pairs)], ["Ticker", *(t for _, t in pairs)]
    else:
        pairs = [(f, t) for t in tickers for f in FIELDS]
        top = ["Ticker", *(t for _, t in pairs)], ["Price", *(f for f, _ in pairs)]
    rows = [",".join(top[0]), ",".join(top[1]), "Date" + "," * len(pairs)]
    days = sorted(set().union(*(s.index for s in frames.values())))
    for day in days:
        cells = []
        for field, name in pairs:
            value = frames[name].get(day)
            cells.append(
                "" if value is None else "1000" if field == "Volume" else repr(float(value))
            )
        rows.append(f"{day:%Y-%m-%d}," + ",".join(cells))
    return ("\n".join(rows) + "\n").encode()


def wide(frames: dict[str, pd.Series]) -> bytes:
    table = pd.DataFrame(frames)
    table.index.name = "Date"
    return table.to_csv(float_format="%.10g").encode()


def long_table(frames: dict[str, pd.Series], fmt: str = "csv") -> bytes:
    """Nixtla's long format: unique_id, ds, y."""
    table = pd.concat(
        pd.DataFrame({"unique_id": name, "ds": s.index, "y": s.to_numpy()})
        for name, s in frames.items()
    )
    if fmt == "parquet":
        buffer = io.BytesIO()
        table.to_parquet(buffer, index=False)
        return buffer.getvalue()
    return table.to_csv(index=False, date_format="%Y-%m-%d").encode()
