"""Past covariates from the file: what else each day says besides its close. Every value on
date t comes from day t's own row (known once day t is over), so a window that ends before
a forecast's date holds nothing of that date or later.

    log_range   log(high / low)            how far the price moved within the day
    oc_return   log(close / open)          where it ended against where it began
    log_volume  log(1 + volume)            how much traded
    weekday     sin and cos of the weekday  the day of the week (two columns)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seqcast.errors import SeqcastError

FEATURES = ("log_range", "oc_return", "log_volume", "weekday")
NEEDS = {"log_range": ("high", "low"), "oc_return": ("open",), "log_volume": ("volume",)}


def check_names(names: tuple[str, ...]) -> None:
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise SeqcastError(
            f"--features {', '.join(unknown)}: unknown; choose from {', '.join(FEATURES)}"
        )


def build(names: tuple[str, ...], y: pd.Series, frame: pd.DataFrame | None) -> pd.DataFrame:
    """The features `names` for the dates of `y` (its close) from the file's open, high,
    low and volume in `frame` (aligned with y); a feature a file cannot give is refused,
    naming the columns it lacks."""
    have = set() if frame is None else set(frame.columns)
    missing = sorted({c for n in names for c in NEEDS.get(n, ()) if c not in have})
    if missing:
        lacking = [n for n in names if set(NEEDS.get(n, ())) & set(missing)]
        raise SeqcastError(
            f"--features {', '.join(lacking)} need the file's {', '.join(missing)} column(s),"
            f" which it does not have (it has: {', '.join(sorted(have)) or 'only the price'});"
            " leave those features out"
        )
    columns: dict[str, np.ndarray] = {}
    close = y.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        for name in names:
            if name == "log_range":
                columns[name] = np.log(_col(frame, "high") / _col(frame, "low"))
            elif name == "oc_return":
                columns[name] = np.log(close / _col(frame, "open"))
            elif name == "log_volume":
                columns[name] = np.log1p(np.maximum(_col(frame, "volume"), 0.0))
            else:
                angle = 2 * np.pi * y.index.day_of_week.to_numpy() / 7
                columns["weekday_sin"], columns["weekday_cos"] = np.sin(angle), np.cos(angle)
    out = pd.DataFrame(columns, index=y.index)
    return out.where(np.isfinite(out))  # an unusable cell is missing, not infinite


def _col(frame: pd.DataFrame | None, name: str) -> np.ndarray:
    assert frame is not None  # build() checked it
    return frame[name].to_numpy(dtype=float)
