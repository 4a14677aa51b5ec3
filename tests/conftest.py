"""Shared fixtures: small generated price series (fixed seeds) and the real BTC file."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import settings

# CI replays the same examples every run (a landing never hinges on a lucky draw);
# elsewhere hypothesis explores new ones each time.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# The team's read-only data beside the clone (../shared/data); SEQCAST_SHARED_DATA points
# elsewhere (a path that does not exist shows what a clone without ../shared does).
SHARED_DATA = Path(
    os.environ.get(
        "SEQCAST_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"
    )
)
BTC = SHARED_DATA / "btc-usd-daily.csv"
PANEL = SHARED_DATA / "panel"

# A tiny neural setup: enough to exercise every path in well under a second.
TINY = {"window": 10, "epochs": 2, "batch_size": 32, "val_days": 20, "shrink": False}


def random_walk(n: int = 240, seed: int = 0, start: str = "2020-01-01") -> pd.Series:
    """A geometric random walk of daily prices around 100."""
    rng = np.random.default_rng(seed)
    prices = 100.0 * np.exp(np.cumsum(rng.normal(0.0005, 0.02, n)))
    index = pd.date_range(start, periods=n, freq="D", name="date")
    return pd.Series(prices, index=index, name="Close")


def write_yahoo_csv(series: pd.Series, path: Path) -> Path:
    """Write `series` as a Yahoo Finance export (the layout load_prices reads)."""
    close = series.to_numpy()
    frame = pd.DataFrame(
        {
            "Date": series.index.strftime("%Y-%m-%d"),
            "Open": close * 0.99,
            "High": close * 1.02,
            "Low": close * 0.97,
            "Close": close,
            "Adj Close": close,
            "Volume": np.arange(len(close)) * 1000 + 5000,
        }
    )
    frame.to_csv(path, index=False, float_format="%.6f")
    return path


@pytest.fixture
def series() -> pd.Series:
    return random_walk()


@pytest.fixture
def price_csv(tmp_path: Path, series: pd.Series) -> Path:
    return write_yahoo_csv(series, tmp_path / "prices.csv")


@pytest.fixture
def btc_csv() -> Path:
    """The real BTC file; in a clone without ../shared, the same data as the package
    embeds it (gzip). CI always has ../shared: there a missing file is a setup failure."""
    if BTC.is_file():
        return BTC
    if os.environ.get("CI"):
        pytest.fail(f"real BTC data not found at {BTC}; clone with ../shared beside it")
    from seqcast.data.datasets import BITCOIN

    return BITCOIN


def shared_file(path: Path) -> Path:
    """`path` under ../shared/data, for a test that needs that very file: skipped, saying
    why, in a clone without ../shared (a failure in CI, which always has it)."""
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} not found; clone with ../shared beside it")
        pytest.skip(f"needs {path} (this clone has no ../shared beside it)")
    return path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test on the real BTC file is slow by nature: make test-fast leaves it out."""
    for item in items:
        if "btc_csv" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


def on_a_terminal(command: list[str], columns: int, timeout: float) -> str:
    """What `command` shows when its output is a terminal (a pseudo-terminal): progress bars
    draw only there. Fails the test if the command does not end with 0."""
    import pty
    import subprocess

    main, terminal = pty.openpty()
    process = subprocess.Popen(command, stdin=terminal, stdout=terminal, stderr=terminal,
                               env={**os.environ, "COLUMNS": str(columns)})  # fmt: skip
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the process closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    assert process.wait(timeout=timeout) == 0, shown.decode(errors="replace")[-2000:]
    return shown.decode(errors="replace")
