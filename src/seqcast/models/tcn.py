"""TCN (Bai, Kolter and Koltun, 2018): a temporal convolutional network of dilated causal
convolutions, forecasting all H days at once from the last day's features.

Level i is a residual block of two weight-normalised causal convolutions with dilation 2**i
(padding on the left only, so day t's features read days <= t), ReLU and dropout, plus a
1x1 convolution on the skip path where the width changes. The last day's features see
1 + 2 (k - 1) (2**levels - 1) days: the receptive field, which must fit in the window. A
linear head maps them to the H days ahead.

forward(x: (B, L, C)) -> (B, H, Q): every channel (the target and past covariates) is an
input channel of the first convolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import torch.nn.functional as F
from torch import Tensor, nn

from seqcast.errors import SeqcastError
from seqcast.models.arch_settings import TCN, TcnSettings
from seqcast.models.arch_settings import build as build_direct
from seqcast.models.deep import DeepForecaster
from seqcast.models.grouped_module import Dropout
from seqcast.models.nbeats import check_dropout


def receptive_field(levels: int, kernel: int) -> int:
    """Days the last day's features depend on: two convolutions per level, each adding
    (kernel - 1) * dilation."""
    return 1 + 2 * (kernel - 1) * (2**levels - 1)


def check(window: int, horizon: int, options: dict[str, Any]) -> None:
    """One line per bad option, naming it and the smallest value that works."""
    o = TCN | options
    for name in ("tcn_levels", "tcn_channels"):
        if o[name] < 1:
            raise SeqcastError(f"--{name.replace('_', '-')} {o[name]}: at least 1")
    if o["tcn_kernel"] < 2:
        raise SeqcastError(f"--tcn-kernel {o['tcn_kernel']}: at least 2 (1 sees one day)")
    check_dropout(o["dropout"])
    field = receptive_field(o["tcn_levels"], o["tcn_kernel"])
    if window < field:
        raise SeqcastError(
            f"--window {window} is shorter than the TCN's receptive field, {field} days"
            f" (--tcn-levels {o['tcn_levels']}, --tcn-kernel {o['tcn_kernel']}); use"
            f" --window {field} or more, or fewer levels or a smaller kernel"
        )


class CausalConv(nn.Module):
    """A dilated causal convolution with weight normalisation (w = g v / |v|, per output
    channel), written out so its parameters are plain tensors."""

    def __init__(self, inputs: int, outputs: int, kernel: int, dilation: int):
        super().__init__()
        conv = nn.Conv1d(inputs, outputs, kernel)  # PyTorch's initialisation, then split
        self.v = nn.Parameter(conv.weight.detach().clone())  # (out, in, k)
        self.g = nn.Parameter(conv.weight.detach().norm(dim=(1, 2), keepdim=True))
        self.bias = nn.Parameter(cast(Tensor, conv.bias).detach().clone())
        self.padding = (kernel - 1) * dilation  # on the left only: no day reads a later one
        self.dilation = dilation

    def forward(self, x: Tensor) -> Tensor:
        """(B, C_in, L) -> (B, C_out, L)."""
        weight = self.g * self.v / self.v.norm(dim=(1, 2), keepdim=True)
        return F.conv1d(F.pad(x, (self.padding, 0)), weight, self.bias, dilation=self.dilation)


class Level(nn.Module):
    """One residual block: two causal convolutions, ReLU and dropout, plus the skip path."""

    def __init__(self, inputs: int, channels: int, kernel: int, dilation: int, dropout: float):
        super().__init__()
        self.conv1 = CausalConv(inputs, channels, kernel, dilation)
        self.conv2 = CausalConv(channels, channels, kernel, dilation)
        self.dropout1, self.dropout2 = Dropout(dropout), Dropout(dropout)
        self.skip = nn.Conv1d(inputs, channels, 1) if inputs != channels else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        h = self.dropout1(F.relu(self.conv1(x)))
        h = self.dropout2(F.relu(self.conv2(h)))
        return F.relu(h + self.skip(x))


class Network(nn.Module):
    """A TCN on a window of `window` days with `n_inputs` channels, giving
    `outputs_per_step` values for each of `horizon` days; the options default to the preset
    (arch_settings.TCN)."""

    def __init__(
        self,
        window: int,
        horizon: int,
        outputs_per_step: int = 1,
        n_inputs: int = 1,
        tcn_levels: int = TCN["tcn_levels"],
        tcn_channels: int = TCN["tcn_channels"],
        tcn_kernel: int = TCN["tcn_kernel"],
        dropout: float = TCN["dropout"],
    ):
        super().__init__()
        widths = [n_inputs] + [tcn_channels] * tcn_levels
        self.levels = nn.Sequential(
            *(Level(widths[i], tcn_channels, tcn_kernel, 2**i, dropout) for i in range(tcn_levels))
        )
        self.head = nn.Linear(tcn_channels, horizon * outputs_per_step)
        self.horizon, self.outputs = horizon, outputs_per_step

    def features(self, x: Tensor) -> Tensor:
        """(B, L, C) -> (B, L, F): day t's features, read from days <= t only."""
        return self.levels(x.transpose(1, 2)).transpose(1, 2)

    def forward(self, x: Tensor) -> Tensor:
        """(B, L, C) -> (B, H, Q), from the last day's features."""
        last = self.features(x)[:, -1]  # (B, F)
        return self.head(last).view(-1, self.horizon, self.outputs)


@dataclass(eq=False, repr=False)
class TcnForecaster(TcnSettings, DeepForecaster):
    """The TCN behind the forecaster interface: the direct deep family's pipeline (scales,
    target transforms, windows, grouped training with early stopping, shrinkage, quantile
    heads, saved state) on this module's `Network`."""


def build(name: str, settings: dict[str, Any]) -> TcnForecaster:
    forecaster: TcnForecaster = build_direct(TcnForecaster, name, settings)
    return forecaster
