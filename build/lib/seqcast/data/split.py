"""Chronological splits: the future is always the tail, never shuffled in."""

from __future__ import annotations

import pandas as pd

from seqcast.errors import SeqcastError


def split_tail(series: pd.Series, n: int) -> tuple[pd.Series, pd.Series]:
    """Return (head, tail) where tail holds the last `n` rows; n=0 gives an empty tail."""
    if n < 0:
        raise SeqcastError(f"cannot hold out {n} days: the number must be 0 or more")
    if n >= len(series):
        raise SeqcastError(f"cannot hold out {n} of {len(series)} days: nothing left to train on")
    cut = len(series) - n
    return series.iloc[:cut], series.iloc[cut:]


def chronological_split(
    series: pd.Series, test_days: int = 60, val_days: int = 0
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Split into (train, validation, test); validation is carved from the end of training."""
    before_test, test = split_tail(series, test_days)
    train, val = split_tail(before_test, val_days)
    return train, val, test
