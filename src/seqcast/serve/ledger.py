"""The ledger: a SQLite file of every forecast `seqcast track` published, and of the truth of
each target date once it arrived. Records only: scoring reads them (track.py).

- A forecast is published once: (series, run, model, origin, h) is unique, so running
  `track` twice on a day adds nothing the second time, and a published number is never
  rewritten (a newer run version starts with the next origin).
- Every change happens in one transaction, so a kill at any moment leaves the ledger as it
  was before the run or as it is after it (SQLite's rollback journal), never in between.
- The file says what it is: SQLite's application id marks a seqcast ledger and the
  schema_version table its version; any other file, or a newer version, is refused before
  anything is written.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from seqcast import __version__
from seqcast.errors import SeqcastError
from seqcast.vocabulary import bound_names

APPLICATION_ID = 0x5351434C  # "SQCL" in the file's header
SCHEMA = 1  # this version writes and reads schema 1
PAUSE = "SEQCAST_LEDGER_PAUSE"  # seconds to wait before each commit (the kill test's hook)
TABLES = """
CREATE TABLE schema_version (
    version INTEGER NOT NULL,
    written_by TEXT NOT NULL              -- the seqcast version that created the file
);
CREATE TABLE forecasts (
    id INTEGER PRIMARY KEY,
    series TEXT NOT NULL,                 -- the data: a file's name, or a symbol
    run TEXT NOT NULL,                    -- the run directory's name
    model TEXT NOT NULL,                  -- which of the run's models
    version TEXT NOT NULL,                -- digest of the run's files when it published
    origin TEXT NOT NULL,                 -- the last date the forecast saw (YYYY-MM-DD)
    target TEXT NOT NULL,                 -- the date forecast
    h INTEGER NOT NULL CHECK (h >= 1),    -- steps from origin to target
    point REAL NOT NULL,
    naive REAL NOT NULL,                  -- the price at the origin
    published TEXT NOT NULL,              -- when, in UTC
    UNIQUE (series, run, model, origin, h)
);
CREATE TABLE bounds (
    forecast INTEGER NOT NULL REFERENCES forecasts (id),
    level REAL NOT NULL,
    lo REAL,                              -- NULL: too few errors known for this level
    hi REAL,
    PRIMARY KEY (forecast, level)
);
CREATE TABLE truths (
    series TEXT NOT NULL,
    date TEXT NOT NULL,
    value REAL NOT NULL,                  -- the price as first read after the date
    recorded TEXT NOT NULL,
    PRIMARY KEY (series, date)
);
"""


@dataclass(frozen=True)
class Forecast:
    series: str
    run: str
    model: str
    version: str
    origin: str
    target: str
    h: int
    point: float
    naive: float
    bounds: dict[float, tuple[float | None, float | None]]  # level -> (lo, hi)


def connect(path: Path, create: bool = False) -> sqlite3.Connection:
    """The ledger at `path` (a new one if `create` and the file is new or empty), checked to
    be a seqcast ledger this version reads; nothing is written here."""
    path = Path(path)
    if not path.is_file() and not create:
        raise SeqcastError(
            f"{path}: no ledger there; `seqcast track --run DIR --data FILE` starts one"
        )
    if path.is_dir():
        raise SeqcastError(f"{path}: a directory; give the ledger's file name with --ledger")
    if not path.parent.is_dir():
        raise SeqcastError(f"{path}: the folder {path.parent} does not exist; create it first")
    try:
        connection = sqlite3.connect(path, isolation_level=None, timeout=30.0)
    except sqlite3.Error as exc:
        raise SeqcastError(f"{path}: cannot open it ({exc})") from None
    try:
        _check(connection, path)
    except BaseException:
        connection.close()
        raise
    return connection


def _check(connection: sqlite3.Connection, path: Path) -> None:
    try:
        application = connection.execute("PRAGMA application_id").fetchone()[0]
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise SeqcastError(
            f"{path}: not a seqcast ledger ({exc}); choose another --ledger"
        ) from None
    if application == 0 and not tables:
        return  # empty: `transaction` creates the tables with the first change
    if application != APPLICATION_ID or "schema_version" not in tables:
        raise SeqcastError(
            f"{path}: not a seqcast ledger (another SQLite database); choose another --ledger"
        )
    found = connection.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    if found is None or found > SCHEMA:
        raise SeqcastError(
            f"{path}: written by a newer seqcast (ledger schema {found}; this version"
            f" {__version__} reads up to {SCHEMA}); upgrade seqcast to read it"
        )


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One all-or-nothing change (creating the tables first if the file is new)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        if connection.execute("PRAGMA application_id").fetchone()[0] == 0:
            for statement in TABLES.split(";"):  # not executescript: it would commit first
                if statement.strip():
                    connection.execute(statement)
            connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            connection.execute("INSERT INTO schema_version VALUES (?, ?)", (SCHEMA, __version__))
        yield connection
        _pause()
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def publish(connection: sqlite3.Connection, forecasts: list[Forecast], now: str) -> int:
    """Add the forecasts not published yet (inside a transaction); how many were added."""
    added = 0
    for f in forecasts:
        cursor = connection.execute(
            "INSERT INTO forecasts (series, run, model, version, origin, target, h, point,"
            " naive, published) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (f.series, f.run, f.model, f.version, f.origin, f.target, f.h, f.point, f.naive, now),
        )
        if cursor.rowcount == 1:
            added += 1
            connection.executemany(
                "INSERT INTO bounds VALUES (?, ?, ?, ?)",
                [(cursor.lastrowid, level, lo, hi) for level, (lo, hi) in f.bounds.items()],
            )
    return added


def record_truths(connection: sqlite3.Connection, series: str, prices: pd.Series, now: str) -> int:
    """The prices of the target dates of `series`' forecasts that `prices` now knows and
    the ledger does not yet (inside a transaction); how many were recorded."""
    waiting = connection.execute(
        "SELECT DISTINCT target FROM forecasts WHERE series = ? AND target NOT IN"
        " (SELECT date FROM truths WHERE series = ?)",
        (series, series),
    ).fetchall()
    known = {str(d.date()): float(v) for d, v in prices.items()}
    rows = [(series, t, known[t], now) for (t,) in waiting if t in known]
    connection.executemany("INSERT INTO truths VALUES (?, ?, ?, ?)", rows)
    return len(rows)


def latest_origin(connection: sqlite3.Connection, series: str, run: str, model: str) -> str | None:
    row = connection.execute(
        "SELECT max(origin) FROM forecasts WHERE series = ? AND run = ? AND model = ?",
        (series, run, model),
    ).fetchone()
    return row[0] if row else None


def read(connection: sqlite3.Connection, run: str | None = None) -> pd.DataFrame:
    """Every forecast (of `run`), with its truth (NaN until known) and bounds as
    lo-<level>/hi-<level> columns, by series, run, model, h and origin."""
    where, args = ("WHERE f.run = ?", (run,)) if run else ("", ())
    if connection.execute("PRAGMA application_id").fetchone()[0] == 0:
        return pd.DataFrame(columns=["series", "run", "model", "version", "origin", "target", "h"])
    table = pd.read_sql_query(
        "SELECT f.*, t.value AS y FROM forecasts f LEFT JOIN truths t"
        f" ON t.series = f.series AND t.date = f.target {where}"
        " ORDER BY f.series, f.run, f.model, f.h, f.origin",
        connection,
        params=args,
    )
    bounds = pd.read_sql_query("SELECT * FROM bounds", connection)
    for level, part in bounds.groupby("level", sort=True):
        by_id = part.set_index("forecast")
        lo, hi = bound_names(level)
        table[lo] = table["id"].map(by_id["lo"]).astype(float)
        table[hi] = table["id"].map(by_id["hi"]).astype(float)
    return table


def _pause() -> None:
    """Wait before committing when $SEQCAST_LEDGER_PAUSE says so: the kill test's window
    (a subprocess is killed with SIGKILL while it waits here, inside the transaction)."""
    seconds = float(os.environ.get(PAUSE) or 0)
    if seconds > 0:
        print("seqcast: ledger transaction open, pausing", file=sys.stderr, flush=True)
        time.sleep(seconds)
