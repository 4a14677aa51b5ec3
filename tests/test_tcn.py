"""TCN: shapes, causal convolutions (no day's features read a later day), the receptive
field rule, weight normalisation, and bad options refused in one line."""

import pytest
import torch

from seqcast.errors import SeqcastError
from seqcast.models.tcn import CausalConv, Network, check, receptive_field

SMALL = {"tcn_levels": 2, "tcn_channels": 8, "tcn_kernel": 3, "dropout": 0.0}  # receptive field 13


@pytest.mark.parametrize(("horizon", "channels", "outputs"), [(1, 1, 1), (7, 3, 1), (5, 1, 3)])
def test_every_day_of_the_horizon_at_once(horizon, channels, outputs):
    torch.manual_seed(0)
    net = Network(20, horizon, outputs, channels, **SMALL)
    assert net(torch.randn(4, 20, channels)).shape == (4, horizon, outputs)


@pytest.mark.parametrize(
    ("levels", "kernel", "field"), [(3, 5, 57), (2, 3, 13), (1, 2, 3), (4, 3, 61)]
)
def test_receptive_field(levels, kernel, field):
    assert receptive_field(levels, kernel) == field


def test_no_day_reads_a_later_day():
    torch.manual_seed(1)
    net = Network(24, 3, n_inputs=2, **SMALL).eval()
    x = torch.randn(2, 24, 2)
    with torch.no_grad():
        before = net.features(x)
        for day in range(24):
            changed = x.clone()
            changed[:, day:] += torch.randn(2, 24 - day, 2) * 5  # change day `day` onwards
            after = net.features(changed)
            assert torch.equal(after[:, :day], before[:, :day])  # bit-identical before it
            assert not torch.allclose(after[:, day], before[:, day])  # and the check can fail


def test_the_last_day_sees_exactly_its_receptive_field():
    torch.manual_seed(2)
    field, window = receptive_field(SMALL["tcn_levels"], SMALL["tcn_kernel"]), 20
    net = Network(window, 3, **SMALL).eval()
    x = torch.randn(4, window, 1)
    with torch.no_grad():
        base = net(x)
        outside, inside = x.clone(), x.clone()
        outside[:, : window - field] += 10.0  # every day older than the field
        inside[:, window - field] += 10.0  # the oldest day inside it
        assert torch.equal(net(outside), base)
        assert not torch.allclose(net(inside), base)


def test_weight_normalisation_keeps_the_initial_weights_and_ignores_the_scale_of_v():
    torch.manual_seed(3)
    conv = CausalConv(2, 4, 3, dilation=2)
    x = torch.randn(1, 2, 10)
    with torch.no_grad():
        before = conv(x)
        conv.v.mul_(7.0)
        torch.testing.assert_close(conv(x), before)


@pytest.mark.parametrize(
    ("options", "window", "line"),
    [
        (
            {"tcn_levels": 3, "tcn_kernel": 5},
            40,
            r"--window 40 is shorter than the TCN's receptive field, 57 days \(--tcn-levels 3,"
            r" --tcn-kernel 5\); use --window 57 or more",
        ),
        ({"tcn_kernel": 1}, 60, "--tcn-kernel 1: at least 2"),
        ({"tcn_levels": 0}, 60, "--tcn-levels 0: at least 1"),
        ({"tcn_channels": 0}, 60, "--tcn-channels 0: at least 1"),
        ({"dropout": 1.0}, 60, "--dropout 1: from 0 to below 1"),
    ],
)
def test_bad_options_are_one_line(options, window, line):
    with pytest.raises(SeqcastError, match=line):
        check(window, 5, options)


def test_the_preset_fits_the_default_window():
    check(60, 7, {})
    net = Network(60, 7)
    assert sum(p.numel() for p in net.parameters()) < 30_000
