import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from seqcast.models.windows import make_windows


def test_exact_windows_on_a_known_series() -> None:
    values = np.arange(6, dtype=float)  # 0 1 2 3 4 5
    X, y = make_windows(values, 3, np.array([3, 4, 5]))
    assert X.shape == (3, 3, 1)
    assert X[..., 0].tolist() == [[0, 1, 2], [1, 2, 3], [2, 3, 4]]
    assert y.tolist() == [[3], [4], [5]]


def test_targets_over_a_horizon() -> None:
    X, y = make_windows(np.arange(6, dtype=float), 2, np.array([2, 4]), horizon=3)
    assert X[..., 0].tolist() == [[0, 1], [2, 3]]
    assert y[0].tolist() == [2, 3, 4]
    assert y[1, :2].tolist() == [4, 5] and np.isnan(y[1, 2])  # past the end: unknown


def test_next_day_window_has_unknown_target() -> None:
    X, y = make_windows(np.arange(5, dtype=float), 2, np.array([5]))
    assert X[0, :, 0].tolist() == [3, 4]
    assert np.isnan(y[0, 0])


@pytest.mark.parametrize("bad", [1, 6])
def test_targets_outside_the_series_are_refused(bad: int) -> None:
    with pytest.raises(ValueError):
        make_windows(np.arange(5, dtype=float), 2, np.array([bad]))


@given(
    n=st.integers(2, 80),
    window=st.integers(1, 20),
    data=st.data(),
)
def test_windows_hold_only_the_past(n: int, window: int, data: st.DataObject) -> None:
    if window > n:
        return
    values = np.arange(n, dtype=float)  # each value is its own position
    targets = np.array(data.draw(st.lists(st.integers(window, n), min_size=1, max_size=10)))
    X, _ = make_windows(values, window, targets)
    assert X.shape == (len(targets), window, 1)
    for row, t in zip(X[..., 0], targets, strict=True):
        assert row.tolist() == list(range(t - window, t))  # exactly the window before t
        assert row.max() < t  # nothing at or after the target
