"""seqcast track and its ledger: a month of daily runs over the real BTC file scores as a
walk-forward backtest of the same saved model; a second run on a day adds nothing; a kill -9
inside a transaction leaves the ledger as it was; files that are not a ledger of this
version are refused untouched; the live record renders in Chromium and over HTTP."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from seqcast import runs
from seqcast.cli.app import app as cli
from seqcast.data.load import read_prices
from seqcast.evaluate.backtest import long_table
from seqcast.evaluate.intervals import add_intervals, column_names, volatility
from seqcast.evaluate.metrics import score_table
from seqcast.io import plain
from seqcast.serve import ledger
from seqcast.serve.app import create_app
from seqcast.serve.catalog import Catalog
from seqcast.serve.track import scores, track

from .conftest import TINY, random_walk, write_yahoo_csv
from .test_serve import AUTH, KEY, SRC, Server, save_run

LEVELS = (80.0, 95.0)


def cut(lines: list[str], rows: int, path: Path) -> Path:
    """The file's header and its first `rows` rows, as the file read on that day."""
    path.write_text("\n".join(lines[: rows + 1]) + "\n")
    return path


@pytest.mark.slow
def test_a_month_of_daily_track_runs_scores_as_a_walk_forward_backtest(
    btc_csv: Path, tmp_path: Path
) -> None:
    """A GRU fitted on BTC's 2021 is tracked every day of January 2022 (the file cut day by
    day); the ledger's realised scores equal the same saved model's walk-forward backtest
    over that month: one predict call per seed over every origin, no refit."""
    lines = btc_csv.read_text().splitlines()
    first = next(k for k, line in enumerate(lines) if line.startswith("2021-01-01"))
    year = [lines[0], *lines[first : first + 365]]  # 2021
    month = [*year, *lines[first + 365 : first + 365 + 31]]  # and January 2022
    data = cut(month, 365, tmp_path / "btc-usd.csv")
    run_dir = save_run(
        tmp_path / "btc-gru",
        data,
        {"gru": TINY},
        test_days=30,
        calibration_days=60,
        horizon=3,
        levels=LEVELS,
        intervals="conformal",
    )
    book = tmp_path / "ledger.db"
    for day in range(32):  # 2021-12-31 .. 2022-01-31
        tracked = track(run_dir, str(cut(month, 365 + day, data)), book)
        assert tracked.published == 3 and tracked.origin.startswith(("2021-12-31", "2022-01"))

    result, loaded = runs.load(run_dir), read_prices(data)
    series, start = loaded.series, len(loaded.series) - 31  # the first origin: 2021-12-31's
    origins = np.arange(start, len(series))
    paths = {c: result.fitted[c].predict(series, origins, 3, loaded.frame) for c in result.runs}
    backtest = add_intervals(
        long_table(series, start, 3, paths),
        pd.concat([result.calibration, result.table], ignore_index=True),
        result.runs,
        LEVELS,
        "conformal",
        60,
        volatility(series),
    )
    seeds = result.columns["gru"]
    backtest["gru"] = backtest[seeds].mean(axis=1)
    for level in LEVELS:
        for side in (0, 1):
            names = [column_names(c, level)[side] for c in seeds]
            backtest[column_names("gru", level)[side]] = backtest[names].mean(axis=1)
    expected = score_table(backtest, ["gru"], 1.0)

    by_h = {row["h"]: row for row in tracked.scores}
    assert sorted(by_h) == [1, 2, 3]
    for h, row in by_h.items():
        part = backtest[backtest["h"] == h]
        assert row["n"] == len(part) == 31 - h + 1
        assert row["MAE"] == pytest.approx(expected.loc[("gru", h), "MAE"], rel=1e-7)
        assert row["MAE/naive"] == pytest.approx(expected.loc[("gru", h), "MAE/naive"], rel=1e-7)
        assert row["DM p"] == pytest.approx(expected.loc[("gru", h), "DM p"], abs=1e-6)
        for level in LEVELS:
            lo, hi = column_names("gru", level)
            inside = (part[lo] <= part["y"]) & (part["y"] <= part[hi])
            assert row[f"cover {level:g}%"] == pytest.approx(100.0 * inside.mean(), abs=1e-9)

    connection = ledger.connect(book)
    published = ledger.read(connection)
    connection.close()
    published = published[published["y"].notna()].set_index(["origin", "h"]).sort_index()
    keys = [(str(c.date()), h) for c, h in zip(backtest["cutoff"], backtest["h"], strict=True)]
    mine = backtest.set_index(pd.MultiIndex.from_tuples(keys, names=["origin", "h"])).sort_index()
    assert list(published.index) == list(mine.index)
    np.testing.assert_allclose(published["point"], mine["gru"], rtol=1e-7)
    np.testing.assert_allclose(published["lo-95"], mine["gru-lo-95"], rtol=1e-7)
    np.testing.assert_array_equal(published["y"], mine["y"])  # the truth, from the same file


@pytest.fixture(scope="module")
def prices(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    folder = tmp_path_factory.mktemp("prices")
    return write_yahoo_csv(random_walk(260, seed=5), folder / "all.csv").read_text().splitlines()


@pytest.fixture(scope="module")
def base_run(tmp_path_factory: pytest.TempPathFactory, prices: list[str]) -> Path:
    """A 5-day moving average on the first 230 days, 3 days ahead, 80% intervals."""
    folder = tmp_path_factory.mktemp("base")
    data = cut(prices, 230, folder / "prices.csv")
    return save_run(
        folder / "base",
        data,
        {"ma:5": "ma:5"},
        test_days=30,
        calibration_days=50,
        horizon=3,
        levels=(80.0,),
    )


def state(path: Path) -> tuple[str, dict[str, list[tuple]]]:
    """Integrity and every row of every table (opening rolls a killed transaction back)."""
    with sqlite3.connect(path) as connection:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        tables = [
            r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        rows = {t: sorted(connection.execute(f"SELECT * FROM {t}").fetchall()) for t in tables}
    return integrity, rows


def killed_track(run_dir: Path, data: Path, book: Path) -> None:
    """`seqcast track` in a subprocess, killed with SIGKILL while its transaction is open."""
    env = {**os.environ, "PYTHONPATH": str(SRC), ledger.PAUSE: "300"}
    command = [
        "-m",
        "seqcast",
        "track",
        "--run",
        str(run_dir),
        "--data",
        str(data),
        "--ledger",
        str(book),
    ]
    process = subprocess.Popen(
        [sys.executable, *command], env=env, stderr=subprocess.PIPE, text=True
    )
    guard = threading.Timer(240, process.kill)  # never hang the test run
    guard.start()
    try:
        assert process.stderr is not None
        for line in process.stderr:
            if "ledger transaction open" in line:
                break
        else:
            pytest.fail("seqcast track ended without opening a transaction")
        process.send_signal(signal.SIGKILL)
        assert process.wait() == -signal.SIGKILL
    finally:
        guard.cancel()
        process.kill()


@pytest.mark.process
def test_a_kill_9_inside_the_transaction_leaves_the_ledger_as_it_was(
    base_run: Path, prices: list[str], tmp_path: Path
) -> None:
    book, data = tmp_path / "ledger.db", tmp_path / "prices.csv"
    killed_track(base_run, cut(prices, 230, data), book)  # the first day: a new file
    assert Path(f"{book}-journal").exists()  # the transaction really was open
    assert state(book) == ("ok", {})  # rolled back: nothing, not even the tables
    assert track(base_run, str(data), book).published == 3
    day_one = state(book)
    killed_track(base_run, cut(prices, 231, data), book)  # the next day, killed
    assert state(book) == day_one
    tracked = track(base_run, str(data), book)
    assert (tracked.published, tracked.scored) == (3, 1)
    integrity, rows = state(book)
    assert integrity == "ok" and len(rows["forecasts"]) == 6 == len(rows["bounds"])
    assert len(rows["truths"]) == 1


def test_a_second_run_on_a_day_adds_nothing(
    base_run: Path, prices: list[str], tmp_path: Path
) -> None:
    book, data = tmp_path / "ledger.db", cut(prices, 232, tmp_path / "prices.csv")
    first = track(base_run, str(data), book)
    before = state(book)
    again = track(base_run, str(data), book)
    assert (first.published, again.published, again.scored) == (3, 0, 0)
    assert "published before; nothing added" in again.notes[0]
    assert state(book) == before


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _other_database(path: Path) -> Path:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE users (name TEXT)")
    return path


def _newer_ledger(base_run: Path, data: Path, path: Path) -> Path:
    track(base_run, str(data), path)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE schema_version SET version = 2")
    return path


def test_files_that_are_not_a_ledger_of_this_version_are_refused_untouched(
    base_run: Path, prices: list[str], tmp_path: Path
) -> None:
    data = cut(prices, 233, tmp_path / "prices.csv")
    text = tmp_path / "notes.db"
    text.write_text("my notes\n" * 100)
    cases = [
        (text, "not a seqcast ledger"),
        (_other_database(tmp_path / "other.db"), "not a seqcast ledger (another SQLite database)"),
        (_newer_ledger(base_run, data, tmp_path / "newer.db"), "written by a newer seqcast"),
    ]
    runner = CliRunner()
    for path, says in cases:
        before = _digest(path)
        for args in (["--run", str(base_run), "--data", str(data)], ["--report"]):
            result = runner.invoke(cli, ["track", *args, "--ledger", str(path)])
            assert result.exit_code == 2, result.output
            assert says in result.output and len(result.output.strip().splitlines()) == 1
        assert _digest(path) == before and not path.with_suffix(".html").exists()


def test_track_refuses_days_the_model_learned_from_and_going_back(
    base_run: Path, prices: list[str], tmp_path: Path
) -> None:
    runner = CliRunner()
    book, data = tmp_path / "ledger.db", tmp_path / "prices.csv"
    early = runner.invoke(
        cli,
        [
            "track",
            "--run",
            str(base_run),
            "--data",
            str(cut(prices, 220, data)),
            "--ledger",
            str(book),
        ],
    )
    assert early.exit_code == 2 and "scored on days it learned from" in early.output
    assert not book.exists()  # nothing stored, not even an empty file
    track(base_run, str(cut(prices, 235, data)), book)
    before = state(book)
    back = runner.invoke(
        cli,
        [
            "track",
            "--run",
            str(base_run),
            "--data",
            str(cut(prices, 234, data)),
            "--ledger",
            str(book),
        ],
    )
    assert back.exit_code == 2 and "track only moves forward" in back.output
    assert state(book) == before
    alone = runner.invoke(cli, ["track", "--run", str(base_run)])
    assert alone.exit_code == 2 and "give both --run and --data" in alone.output


def test_track_fetches_a_symbol_beside_the_ledger(
    httpserver: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--data BTC-USD: the newest prices are fetched (here from a loopback server answering
    as Yahoo's chart API) into the ledger's folder, then tracked as a file would be."""
    from .test_fetch import chart

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("SEQCAST_FETCH_URL", httpserver.url_for("/"))
    httpserver.expect_oneshot_request("/v8/finance/chart/BTC-USD").respond_with_json(chart(0, 200))
    from seqcast.data.fetch import fetch

    first = fetch("BTC-USD", tmp_path / "first.csv")
    run_dir = save_run(tmp_path / "ma", first.path, {"ma:5": "ma:5"}, test_days=30, horizon=2)
    httpserver.expect_oneshot_request("/v8/finance/chart/BTC-USD").respond_with_json(chart(200, 3))
    book = tmp_path / "book" / "ledger.db"
    book.parent.mkdir()
    tracked = track(run_dir, "BTC-USD", book)
    assert (tracked.series, tracked.published) == ("BTC-USD", 2)
    assert "fetched BTC-USD: 3 new days" in tracked.notes[0]
    assert read_prices(book.parent / "BTC-USD.csv").series.index[-1] == pd.Timestamp(tracked.origin)


@pytest.fixture(scope="module")
def tracked_book(
    base_run: Path, prices: list[str], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Eight days of tracking: seven one-day forecasts scored."""
    folder = tmp_path_factory.mktemp("book")
    book, data = folder / "ledger.db", folder / "prices.csv"
    for day in range(230, 238):
        track(base_run, str(cut(prices, day, data)), book)
    return book


def recorded_scores(book: Path, run: str | None = None) -> list[dict[str, Any]]:
    connection = ledger.connect(book)
    try:
        return scores(ledger.read(connection, run))
    finally:
        connection.close()


def test_the_ledger_is_served_as_json(base_run: Path, tracked_book: Path) -> None:
    with Server(create_app(Catalog([base_run]), api_key=KEY, ledger=tracked_book)) as server:
        answer = httpx.get(f"{server.url}/v1/models/base/ledger", headers=AUTH)
        unknown = httpx.get(f"{server.url}/v1/models/nope/ledger", headers=AUTH)
    assert answer.status_code == 200, answer.text
    record = answer.json()
    expected = recorded_scores(tracked_book, "base")
    assert len(expected) == 3 and expected[0]["n"] == 7
    assert record["scores"] == [plain(row) for row in expected]
    assert len(record["forecasts"]) == 8 * 3 and record["forecasts"][0]["version"]
    assert unknown.status_code == 404 and "no model 'nope'" in unknown.json()["error"]


def test_the_live_record_page_renders_offline_in_chromium(tracked_book: Path) -> None:
    from .test_report import CHROMIUM, FLAGS

    result = CliRunner().invoke(cli, ["track", "--report", "--ledger", str(tracked_book)])
    assert result.exit_code == 0, result.output
    page_path = tracked_book.with_suffix(".html")
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (make test does)")
    from playwright.sync_api import sync_playwright

    expected = recorded_scores(tracked_book)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: errors.append(r.url) if r.url.startswith("http") else None)
        page.goto(page_path.as_uri())
        page.wait_for_function("window.seqcastReady === true", timeout=30_000)
        drawn = page.eval_on_selector_all(
            ".chart", "els => els.map(e => e.querySelectorAll('svg path').length)"
        )
        cells = page.eval_on_selector_all(
            "table.scores td[data-key='MAE']", "els => els.map(e => Number(e.dataset.value))"
        )
        browser.close()
    assert errors == []
    assert len(drawn) == 2 and all(count > 3 for count in drawn)
    assert cells == [row["MAE"] for row in expected] and len(cells) == 3
