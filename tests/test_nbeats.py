"""N-BEATS: shapes, the interpretable stacks' bases (trend polynomials, Fourier seasonality),
weight sharing, covariates beside the residual, and bad options refused in one line."""

import math

import numpy as np
import pytest
import torch

from seqcast.errors import SeqcastError
from seqcast.models.nbeats import Network, check, harmonics, seasonality_basis, trend_basis

SMALL = {"nbeats_layers": 2, "nbeats_units": 16}


@pytest.mark.parametrize("stacks", [("generic",) * 3, ("trend", "seasonality")])
@pytest.mark.parametrize(("horizon", "channels", "outputs"), [(1, 1, 1), (7, 3, 1), (5, 1, 3)])
def test_every_day_of_the_horizon_at_once(stacks, horizon, channels, outputs):
    torch.manual_seed(0)
    net = Network(20, horizon, outputs, channels, nbeats_stacks=stacks, **SMALL)
    assert net(torch.randn(4, 20, channels)).shape == (4, horizon, outputs)


def test_trend_basis_is_powers_of_time_over_the_horizon():
    expected = [[1, 1, 1, 1], [0, 0.25, 0.5, 0.75], [0, 0.0625, 0.25, 0.5625]]
    np.testing.assert_allclose(trend_basis(2, 4).numpy(), expected)


def test_seasonality_basis_is_fourier_over_the_horizon_and_continues_into_the_window():
    assert [harmonics(h) for h in (1, 3, 4, 7, 14)] == [0, 0, 1, 2, 6]
    forecast = seasonality_basis(7, 7, 0).numpy()
    t = np.arange(7) / 7
    expected = [np.ones(7)]
    for k in (1, 2):
        expected += [np.cos(2 * math.pi * k * t), np.sin(2 * math.pi * k * t)]
    np.testing.assert_allclose(forecast, expected, atol=1e-6)
    window = seasonality_basis(7, 14, -14).numpy()  # days -14..-1: period 7 carries on
    np.testing.assert_allclose(window[:, 7:], forecast, atol=1e-5)
    np.testing.assert_allclose(window[:, :7], forecast, atol=1e-5)


def _residual_off_span(values: np.ndarray, basis: np.ndarray) -> float:
    """Largest distance of each row of `values` from the span of `basis`'s rows."""
    coefficients, *_ = np.linalg.lstsq(basis.T, values.T, rcond=None)
    return float(np.abs(basis.T @ coefficients - values.T).max())


def test_interpretable_stacks_forecast_in_their_bases():
    torch.manual_seed(1)
    net = Network(30, 10, 2, 1, nbeats_stacks=("trend", "seasonality"), nbeats_degree=2, **SMALL)
    with torch.no_grad():
        trend, season = net.parts(torch.randn(8, 30, 1))  # (B, H, Q) each
        total = net(torch.randn(8, 30, 1))
    assert total.shape == (8, 10, 2)
    flat = lambda share: share.transpose(1, 2).reshape(-1, 10).numpy()  # noqa: E731
    assert _residual_off_span(flat(trend), trend_basis(2, 10).numpy()) < 1e-5
    assert _residual_off_span(flat(season), seasonality_basis(10, 10, 0).numpy()) < 1e-5
    # and the check can fail: a trend is not a season (degree 2 is not in 1, cos, sin...)
    assert _residual_off_span(flat(trend), seasonality_basis(10, 10, 0)[:3].numpy()) > 1e-3


def test_parts_add_up_to_the_forecast():
    torch.manual_seed(2)
    net = Network(20, 5, nbeats_blocks=2, **SMALL)
    x = torch.randn(3, 20, 1)
    with torch.no_grad():
        torch.testing.assert_close(torch.stack(net.parts(x)).sum(0), net(x))


def test_interpretable_blocks_share_weights_and_generic_ones_do_not():
    def count(stacks, blocks):
        net = Network(20, 5, nbeats_stacks=stacks, nbeats_blocks=blocks, **SMALL)
        return sum(p.numel() for p in net.parameters())

    assert count(("trend",), 3) == count(("trend",), 1)
    assert count(("generic",), 3) == 3 * count(("generic",), 1)


def test_covariates_inform_the_forecast():
    torch.manual_seed(3)
    net = Network(20, 5, n_inputs=2, **SMALL)
    x = torch.randn(3, 20, 2)
    moved = x.clone()
    moved[..., 1] += 1.0
    with torch.no_grad():
        assert not torch.allclose(net(x), net(moved))


@pytest.mark.parametrize(
    ("options", "line"),
    [
        ({"nbeats_stacks": ("trend", "weekly")}, "--nbeats-stacks 'weekly': each stack is one of"),
        ({"nbeats_stacks": ()}, "--nbeats-stacks is empty: give at least 1 stack"),
        ({"nbeats_blocks": 0}, "--nbeats-blocks 0: at least 1"),
        ({"nbeats_layers": 0}, "--nbeats-layers 0: at least 1"),
        ({"nbeats_units": 0}, "--nbeats-units 0: at least 1"),
        ({"nbeats_degree": -1}, r"--nbeats-degree -1: at least 0"),
        ({"dropout": 1.0}, "--dropout 1: from 0 to below 1"),
    ],
)
def test_bad_options_are_one_line(options, line):
    check(20, 5, {})  # the preset passes
    with pytest.raises(SeqcastError, match=line):
        check(20, 5, options)
