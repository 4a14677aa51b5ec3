"""Refusals every fitted family shares: one line naming the model and what it needs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from seqcast.errors import SeqcastError


def check_history(model: str, y: pd.Series, needed: int, logs: str | None) -> None:
    """One line when a history cannot be fitted: too short, constant, or (when the model
    takes logs: `logs` says of what) a zero or negative price."""
    values = np.asarray(y, dtype=float)
    if len(values) < needed:
        raise SeqcastError(
            f"{model} needs at least {needed} days to fit, but the history has {len(values)};"
            " use a longer series or a shorter test period"
        )
    if logs and not (values > 0).all():
        first = int(np.argmax(~(values > 0)))
        raise SeqcastError(
            f"{model} works on {logs}, but the price on {y.index[first].date()} is"
            f" {values[first]:g}; prices must be above 0"
        )
    if np.all(values == values[0]):
        raise SeqcastError(
            f"{model}: all {len(values)} prices to {y.index[-1].date()} are {values[0]:g};"
            " a constant history has nothing to fit"
        )


def check_whole(model: str, option: str, value: Any, least: int) -> None:
    """An option that must be a whole number of at least `least`."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
        raise SeqcastError(
            f"{model}: {option} must be a whole number of at least {least}, not {value!r}"
        )


def first_line(exc: BaseException) -> str:
    """An exception's first line (a library's message may run on)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
