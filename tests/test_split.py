import pandas as pd
import pytest

from seqcast.data.split import chronological_split, split_tail
from seqcast.errors import SeqcastError


def _days(n: int) -> pd.Series:
    return pd.Series(range(n), index=pd.date_range("2021-01-01", periods=n), dtype=float)


def test_split_is_chronological_with_exact_values() -> None:
    train, val, test = chronological_split(_days(10), test_days=3, val_days=2)
    assert train.tolist() == [0, 1, 2, 3, 4]
    assert val.tolist() == [5, 6]
    assert test.tolist() == [7, 8, 9]
    assert train.index[-1] < val.index[0] and val.index[-1] < test.index[0]


def test_no_validation_gives_empty_tail() -> None:
    train, val, test = chronological_split(_days(10), test_days=4)
    assert (len(train), len(val), len(test)) == (6, 0, 4)


@pytest.mark.parametrize("n", [-1, 10, 11])
def test_impossible_holdouts_are_refused(n: int) -> None:
    with pytest.raises(SeqcastError):
        split_tail(_days(10), n)
