"""N-HiTS: shapes, multi-rate pooling, forecasts interpolated between knots, the preset's
knot spacing capped at the horizon, and bad pooling/downsampling lists refused in one line."""

import numpy as np
import pytest
import torch

from seqcast.errors import SeqcastError
from seqcast.models.arch_settings import int_list
from seqcast.models.nhits import Network, check, downsample, interpolate, pool

SMALL = {"nhits_layers": 2, "nhits_units": 16}


@pytest.mark.parametrize(("horizon", "channels", "outputs"), [(1, 1, 1), (7, 2, 1), (10, 1, 3)])
def test_every_day_of_the_horizon_at_once(horizon, channels, outputs):
    torch.manual_seed(0)
    net = Network(30, horizon, outputs, channels, **SMALL)
    assert net(torch.randn(4, 30, channels)).shape == (4, horizon, outputs)


def test_pooling_takes_the_max_of_each_run_of_days():
    x = torch.tensor([[1.0, 5.0, 2.0, 0.0, 3.0, -1.0, 4.0]])
    assert pool(x, 3).tolist() == [[5.0, 3.0, 4.0]]  # the last run is one day
    assert pool(x, 1).tolist() == x.tolist()


def test_interpolation_joins_evenly_spread_knots_by_straight_lines():
    knots = torch.tensor([[0.0, 2.0, -1.0, 4.0]])
    expected = np.interp(np.arange(10), np.linspace(0, 9, 4), knots[0].numpy())
    np.testing.assert_allclose(interpolate(knots, 10)[0].numpy(), expected, atol=1e-6)
    assert interpolate(torch.tensor([[3.0]]), 5).tolist() == [[3.0] * 5]


def test_each_stack_forecasts_a_line_through_its_knots():
    torch.manual_seed(1)
    net = Network(30, 7, 2, 1, nhits_downsample=(3, 2, 1), **SMALL)
    with torch.no_grad():
        parts = net.parts(torch.randn(5, 30, 1))
    for r, part in zip((3, 2, 1), parts, strict=True):
        knots = np.linspace(0, 6, -(-7 // r)).round().astype(int)  # 0,3,6; 0,2,4,6; every day
        for row in part.transpose(1, 2).reshape(-1, 7).numpy():
            line = np.interp(np.arange(7), knots, row[knots])
            np.testing.assert_allclose(row, line, atol=1e-5)
    # and the check can fail: the finest stack is not a straight line through 3 knots
    row = parts[2][0, :, 0].numpy()
    assert np.abs(row - np.interp(np.arange(7), [0, 3, 6], row[[0, 3, 6]])).max() > 1e-3


def test_coarse_stacks_read_fewer_values():
    net = Network(30, 7, nhits_pooling=(8, 4, 1), **SMALL)
    widths = [block.body[0].in_features for block in net.blocks]
    assert widths == [4, 8, 30]  # ceil(30 / k)


def test_the_preset_spacing_is_capped_at_the_horizon():
    assert downsample({}, 7) == (4, 2, 1)
    assert downsample({}, 1) == (1, 1, 1)
    assert downsample({"nhits_pooling": (2, 1)}, 3) == (3, 2)
    assert downsample({"nhits_downsample": (5, 1, 1)}, 7) == (5, 1, 1)


def test_int_list():
    assert int_list("8, 4,1") == (8, 4, 1)
    with pytest.raises(SeqcastError, match="whole numbers"):
        int_list("8,x")


@pytest.mark.parametrize(
    ("options", "window", "horizon", "line"),
    [
        (
            {"nhits_pooling": (40, 4, 1)},
            30,
            7,
            "--nhits-pooling 40,4,1: each kernel from 1 to the window .30 days.; use --window 40",
        ),
        ({"nhits_pooling": (0, 1)}, 30, 7, "--nhits-pooling 0,1: each kernel from 1"),
        ({"nhits_pooling": ()}, 30, 7, "--nhits-pooling is empty"),
        (
            {"nhits_downsample": (8, 2, 1)},
            30,
            7,
            "--nhits-downsample 8,2,1: each factor from 1 to the horizon .7 days.,.*--horizon 8",
        ),
        (
            {"nhits_downsample": (2, 1)},
            30,
            7,
            r"--nhits-downsample 2,1: one factor per stack, 3 \(as --nhits-pooling 8,4,1\)",
        ),
        ({"nhits_units": 0}, 30, 7, "--nhits-units 0: at least 1"),
    ],
)
def test_bad_options_are_one_line(options, window, horizon, line):
    check(window, 1, {})  # the preset passes, even for one day
    with pytest.raises(SeqcastError, match=line):
        check(window, horizon, options)
