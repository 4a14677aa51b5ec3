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
from typing import cast

import torch.nn.functional as F
from torch import Tensor, nn

from seqcast.errors import SeqcastError
from seqcast.options import option


@dataclass(eq=False)
class TcnOptions:
    """The network's shape. The preset (3 levels of 32 channels, kernel 5, no dropout) sees
    57 days, nearly all of the default 60-day window, with about 27,000 weights: the paper's
    designs of 4-8 levels of 25-150 channels, at the size one price file can fit."""

    tcn_levels: int = option(3, "TCN residual blocks; block i dilates by 2**i.")
    tcn_channels: int = option(32, "Channels of every TCN convolution.")
    tcn_kernel: int = option(5, "Days each TCN convolution reads (before dilation).")
    tcn_dropout: float = option(0.0, "Dropout after each TCN convolution.")

    def receptive_field(self) -> int:
        """Days the last day's features depend on: two convolutions per level, each adding
        (kernel - 1) * dilation."""
        return 1 + 2 * (self.tcn_kernel - 1) * (2**self.tcn_levels - 1)

    def check_tcn(self, window: int) -> None:
        """One line per bad option, naming it and the smallest value that works."""
        for flag, value in (
            ("--tcn-levels", self.tcn_levels),
            ("--tcn-channels", self.tcn_channels),
        ):
            if value < 1:
                raise SeqcastError(f"{flag} {value}: at least 1")
        if self.tcn_kernel < 2:
            raise SeqcastError(f"--tcn-kernel {self.tcn_kernel}: at least 2 (1 sees one day)")
        if not 0.0 <= self.tcn_dropout < 1.0:
            raise SeqcastError(f"--tcn-dropout {self.tcn_dropout:g}: from 0 to below 1")
        field = self.receptive_field()
        if window < field:
            raise SeqcastError(
                f"--window {window} is shorter than the TCN's receptive field, {field} days"
                f" (--tcn-levels {self.tcn_levels}, --tcn-kernel {self.tcn_kernel}); use"
                f" --window {field} or more, or fewer levels or a smaller kernel"
            )


class CausalConv(nn.Module):
    """A dilated causal convolution with weight normalisation (w = g v / |v|, per output
    channel), written out so its parameters are two plain tensors."""

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
        self.dropout = nn.Dropout(dropout)
        self.skip = nn.Conv1d(inputs, channels, 1) if inputs != channels else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        h = self.dropout(F.relu(self.conv1(x)))
        h = self.dropout(F.relu(self.conv2(h)))
        return F.relu(h + self.skip(x))


class Tcn(nn.Module):
    """A TCN on a window of `window` days with `channels` inputs, giving `outputs` values for
    each of `horizon` days."""

    def __init__(
        self, options: TcnOptions, window: int, horizon: int, channels: int = 1, outputs: int = 1
    ):
        super().__init__()
        options.check_tcn(window)
        self.levels = nn.Sequential(
            *(
                Level(
                    channels if i == 0 else options.tcn_channels,
                    options.tcn_channels,
                    options.tcn_kernel,
                    2**i,
                    options.tcn_dropout,
                )
                for i in range(options.tcn_levels)
            )
        )
        self.head = nn.Linear(options.tcn_channels, horizon * outputs)
        self.horizon, self.outputs = horizon, outputs

    def features(self, x: Tensor) -> Tensor:
        """(B, L, C) -> (B, L, F): day t's features, read from days <= t only."""
        return self.levels(x.transpose(1, 2)).transpose(1, 2)

    def forward(self, x: Tensor) -> Tensor:
        """(B, L, C) -> (B, H, Q), from the last day's features."""
        last = self.features(x)[:, -1]  # (B, F)
        return self.head(last).view(-1, self.horizon, self.outputs)
