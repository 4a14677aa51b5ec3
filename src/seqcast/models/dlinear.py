"""DLinear (Zeng, Chen, Zhang & Xu 2023, "Are Transformers Effective for Time Series
Forecasting?"): the window split into a moving-average trend and the remainder, one linear
map from each to the whole horizon, the two added.

Every input channel (the price's and each covariate's) is decomposed alike and the maps
read them all (with one channel this is the paper's shared DLinear); each day ahead gets
`outputs_per_step` values (1, or a quantile head's quantiles).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from seqcast.errors import SeqcastError
from seqcast.models.arch_settings import DLinearSettings
from seqcast.models.arch_settings import build as build_direct
from seqcast.models.deep import DeepForecaster


def check(window: int, horizon: int, options: dict[str, Any]) -> None:
    """The moving average must fit in the window."""
    kernel = options["kernel"]
    if kernel < 1:
        raise SeqcastError(f"--kernel {kernel}: DLinear's moving average needs at least 1 day")
    if kernel > window:
        raise SeqcastError(
            f"--window {window} is shorter than DLinear's --kernel {kernel};"
            f" use --window {kernel} or more (or a smaller --kernel)"
        )


class Network(nn.Module):
    """(B, window, n_inputs) -> (B, horizon, outputs_per_step)."""

    def __init__(
        self,
        window: int,
        horizon: int,
        outputs_per_step: int,
        n_inputs: int,
        kernel: int = 25,
    ):
        super().__init__()
        self.horizon, self.outputs_per_step, self.kernel = horizon, outputs_per_step, kernel
        self.trend = nn.Linear(window * n_inputs, horizon * outputs_per_step)
        self.remainder = nn.Linear(window * n_inputs, horizon * outputs_per_step)

    def forward(self, x: Tensor) -> Tensor:
        trend = moving_average(x, self.kernel)  # (B, L, C)
        out = self.trend(trend.flatten(1)) + self.remainder((x - trend).flatten(1))
        return out.reshape(len(x), self.horizon, self.outputs_per_step)


def moving_average(x: Tensor, kernel: int) -> Tensor:
    """The mean of `kernel` days around each day of (B, L, C), the ends padded with their
    own first and last values (the paper's series_decomp), so the trend keeps length L."""
    front, back = (kernel - 1) // 2, kernel - 1 - (kernel - 1) // 2
    padded = torch.cat(
        [x[:, :1].expand(-1, front, -1), x, x[:, -1:].expand(-1, back, -1)], dim=1
    )  # (B, L + kernel - 1, C)
    return padded.unfold(1, kernel, 1).mean(dim=-1)  # (B, L, C)


@dataclass(eq=False, repr=False)
class DLinearForecaster(DLinearSettings, DeepForecaster):
    """DLinear behind the forecaster interface: the direct deep family's pipeline (scales,
    target transforms, windows, grouped training with early stopping, shrinkage, quantile
    heads, saved state) on this module's `Network`."""


def build(name: str, settings: dict[str, Any]) -> DLinearForecaster:
    forecaster: DLinearForecaster = build_direct(DLinearForecaster, name, settings)
    return forecaster
