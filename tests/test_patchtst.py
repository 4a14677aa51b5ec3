"""PatchTST: shapes, patches (count, padding, content), channel independence, RevIN's
scale equivariance, and bad options refused in one line."""

import pytest
import torch

from seqcast.errors import SeqcastError
from seqcast.models.patchtst import Network, check, patches

SMALL = {
    **{"patchtst_d_model": 8, "patchtst_heads": 2, "patchtst_layers": 1, "patchtst_ff": 16},
    "dropout": 0.0,
}


@pytest.mark.parametrize(("horizon", "channels", "outputs"), [(1, 1, 1), (7, 3, 1), (5, 1, 3)])
def test_every_day_of_the_horizon_at_once(horizon, channels, outputs):
    torch.manual_seed(0)
    net = Network(32, horizon, outputs, channels, **SMALL)
    assert net(torch.randn(4, 32, channels)).shape == (4, horizon, outputs)
    assert net.forward_channels(torch.randn(4, 32, channels)).shape == (
        4,
        channels,
        horizon,
        outputs,
    )


@pytest.mark.parametrize(
    ("window", "patch", "stride", "count"),
    [(60, 16, 8, 7), (16, 16, 8, 2), (32, 16, 8, 4), (10, 4, 4, 3), (10, 1, 1, 11)],
)
def test_patch_count(window, patch, stride, count):
    net = Network(window, 3, patchtst_patch=patch, patchtst_stride=stride, **SMALL)
    assert patches(window, patch, stride) == count == net.count
    assert net.patchify(torch.randn(2, window)).shape == (2, count, patch)


def test_patches_slide_by_the_stride_over_the_window_padded_with_its_last_day():
    net = Network(10, 2, patchtst_patch=4, patchtst_stride=3, **SMALL)
    z = torch.arange(10.0)[None]
    patches = net.patchify(z)[0].tolist()
    assert patches == [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9], [9, 9, 9, 9]]


def test_channels_are_independent():
    torch.manual_seed(1)
    net = Network(32, 5, n_inputs=3, patchtst_revin=True, **SMALL).eval()
    x = torch.randn(4, 32, 3)
    changed = x.clone()
    changed[..., 1:] = torch.randn(4, 32, 2) * 3
    with torch.no_grad():
        before, after = net.forward_channels(x), net.forward_channels(changed)
        assert torch.equal(after[:, 0], before[:, 0])  # the target never sees the others
        assert not torch.allclose(after[:, 1], before[:, 1])
        swapped = net.forward_channels(x[..., [2, 0, 1]])  # the same weights for every one
        torch.testing.assert_close(swapped, before[:, [2, 0, 1]], atol=1e-6, rtol=1e-5)


def test_revin_makes_the_forecast_follow_the_windows_level_and_scale():
    torch.manual_seed(2)
    net = Network(32, 5, patchtst_revin=True, **SMALL).eval()
    x = torch.randn(4, 32, 1)
    with torch.no_grad():
        torch.testing.assert_close(net(3.0 * x + 10.0), 3.0 * net(x) + 10.0, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize(
    ("options", "window", "line"),
    [
        (
            {"patchtst_patch": 16},
            12,
            r"--patchtst-patch 16 is longer than the window \(12 days\); use --window 16 or more",
        ),
        ({"patchtst_patch": 0}, 12, "--patchtst-patch 0: at least 1 day"),
        ({"patchtst_stride": 0}, 60, "--patchtst-stride 0: from 1 to the patch length"),
        ({"patchtst_stride": 20}, 60, "--patchtst-stride 20: from 1 to the patch length .16."),
        (
            {"patchtst_d_model": 30, "patchtst_heads": 4},
            60,
            r"--patchtst-d-model 30: a multiple of --patchtst-heads \(4\), e.g. 32",
        ),
        ({"patchtst_layers": 0}, 60, "--patchtst-layers 0: at least 1"),
        ({"dropout": -0.1}, 60, "--dropout -0.1: from 0 to below 1"),
    ],
)
def test_bad_options_are_one_line(options, window, line):
    check(16, 5, {})  # the preset passes on its patch's length
    with pytest.raises(SeqcastError, match=line):
        check(window, 5, options)
