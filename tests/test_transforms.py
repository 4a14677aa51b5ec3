import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from seqcast.errors import SeqcastError
from seqcast.models.names import TRANSFORMS
from seqcast.models.transforms import TargetTransform

prices = arrays(np.float64, st.integers(3, 60), elements=st.floats(1.0, 1e5, allow_nan=False))


def test_price_scaler_statistics_come_from_training_only() -> None:
    train, future = np.array([10.0, 20.0, 30.0]), np.array([1000.0, 5.0])
    fitted = TargetTransform("price").fit(train)
    assert fitted.extremes_ == [10.0, 30.0]
    z = fitted.transform(np.concatenate([train, future]))
    assert z.tolist() == pytest.approx([0.0, 0.5, 1.0, 49.5, -0.25])  # the future extrapolates


@pytest.mark.parametrize("kind", ["log_return", "pct_change"])
def test_returns_by_hand_with_no_change_kept_at_zero(kind: str) -> None:
    p = np.array([100.0, 110.0, 99.0, 99.0])
    fitted = TargetTransform(kind).fit(p)
    raw = np.log([1.1, 0.9, 1.0]) if kind == "log_return" else np.array([0.1, -0.1, 0.0])
    z = fitted.transform(p)
    assert np.isnan(z[0])
    np.testing.assert_allclose(z[1:], raw / np.abs(raw).max())
    assert z[3] == 0.0  # a zero prediction is exactly the naive forecast
    assert fitted.inverse_transform(np.zeros(2), previous=p[1:3]).tolist() == [110.0, 99.0]


@pytest.mark.parametrize("kind", TRANSFORMS)
@given(p=prices)
def test_inverse_of_transform_is_identity(kind: str, p: np.ndarray) -> None:
    fitted = TargetTransform(kind).fit(p[: len(p) // 2 + 2])
    z = fitted.transform(p)
    lag = fitted.lag
    back = fitted.inverse_transform(z[lag:], previous=p[:-1] if lag else None)
    np.testing.assert_allclose(back, p[lag:], rtol=1e-9)


@pytest.mark.parametrize("kind", TRANSFORMS)
def test_scaling_is_scikit_learns_to_the_bit(kind: str) -> None:
    """The scalers are written out (scikit-learn is not imported at run time); they must
    give scikit-learn's MinMaxScaler / MaxAbsScaler numbers exactly, both ways."""
    from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler

    p = np.random.default_rng(2).lognormal(9, 1, 300)
    ours = TargetTransform(kind).fit(p[:200])
    raw = ours._raw(p)
    scaler = MinMaxScaler() if kind == "price" else MaxAbsScaler()
    scaler.fit(raw[ours.lag : 200].reshape(-1, 1))
    z = ours.transform(p)
    np.testing.assert_array_equal(z[ours.lag :], scaler.transform(raw[ours.lag :, None]).ravel())
    back = scaler.inverse_transform(z[ours.lag :, None]).ravel()
    if kind == "price":
        np.testing.assert_array_equal(ours.inverse_transform(z), back)
    else:
        change = np.exp(back) if kind == "log_return" else 1.0 + back
        expected = p[:-1] * change
        np.testing.assert_array_equal(ours.inverse_transform(z[1:], previous=p[:-1]), expected)


@pytest.mark.parametrize("kind", TRANSFORMS)
def test_state_round_trip_is_exact(kind: str) -> None:
    p = np.random.default_rng(1).uniform(100, 200, 50)
    fitted = TargetTransform(kind).fit(p[:30])
    restored = TargetTransform.from_state(fitted.state())
    np.testing.assert_array_equal(restored.transform(p), fitted.transform(p))


def test_returns_handle_prices_far_beyond_the_training_range() -> None:
    fitted = TargetTransform("log_return").fit(np.array([10.0, 11.0, 10.5, 10.8]))
    future = np.array([1000.0, 1010.0, 990.0])
    z = fitted.transform(future)
    back = fitted.inverse_transform(z[1:], previous=future[:-1])
    np.testing.assert_allclose(back, future[1:])
    assert np.all(np.abs(z[1:]) < 5)  # a return is a return, whatever the price level


def test_unknown_kind_is_a_clear_error() -> None:
    with pytest.raises(SeqcastError, match="unknown transform 'diff'"):
        TargetTransform("diff").fit(np.ones(5))
