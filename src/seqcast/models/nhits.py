"""N-HiTS (Challu et al., 2022): N-BEATS with multi-rate input pooling and hierarchical
interpolation, forecasting all H days at once from one window.

Stack s max-pools the window with kernel k_s (coarse stacks see slow movements, k = 1 sees
every day) and outputs few coefficients: ceil(H / r_s) knots of the forecast and ceil(L / r_s)
of the backcast, spread evenly from the first to the last day and joined linearly. Large r
makes a stack forecast a smooth, low-frequency curve; r = 1 gives every day its own value.
The stacks' forecasts add up, as in N-BEATS; their backcasts are taken off the residual.

forward(x: (B, L, C)) -> (B, H, Q): channel 0 is the target (pooled and residual), channels
1.. past covariates flattened beside each block's input, unpooled (as the reference model does
with historical exogenous inputs).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from seqcast.errors import SeqcastError
from seqcast.models.arch_settings import NHITS, PRESET_DOWNSAMPLE, NHitsSettings
from seqcast.models.arch_settings import build as build_direct
from seqcast.models.deep import DeepForecaster
from seqcast.models.nbeats import check_dropout, mlp


def downsample(options: dict[str, Any], horizon: int) -> tuple[int, ...]:
    """The knot spacing in use: the given list, else the preset's capped at `horizon`."""
    o = NHITS | options
    if o["nhits_downsample"] is not None:
        return tuple(o["nhits_downsample"])
    stacks = len(o["nhits_pooling"])
    return tuple(min(r, horizon) for r in (PRESET_DOWNSAMPLE * stacks)[:stacks])


def check(window: int, horizon: int, options: dict[str, Any]) -> None:
    """One line per bad option, naming it and the smallest (or largest) value that fits."""
    o = NHITS | options
    pooling = tuple(o["nhits_pooling"])
    if not pooling:
        raise SeqcastError("--nhits-pooling is empty: give one kernel per stack, e.g. 8,4,1")
    for k in pooling:
        if not 1 <= k <= window:
            raise SeqcastError(
                f"--nhits-pooling {_text(pooling)}: each kernel from 1 to the window ({window}"
                f" days); use --window {max(k, 1)} or more, or smaller kernels"
            )
    spacing = downsample(o, horizon)
    if len(spacing) != len(pooling):
        raise SeqcastError(
            f"--nhits-downsample {_text(spacing)}: one factor per stack, {len(pooling)}"
            f" (as --nhits-pooling {_text(pooling)})"
        )
    for r in spacing:
        if not 1 <= r <= horizon:
            raise SeqcastError(
                f"--nhits-downsample {_text(spacing)}: each factor from 1 to the horizon"
                f" ({horizon} days), or the stack has no knot; use --horizon {max(r, 1)} or"
                " more, or smaller factors"
            )
    for name in ("nhits_blocks", "nhits_layers", "nhits_units"):
        if o[name] < 1:
            raise SeqcastError(f"--{name.replace('_', '-')} {o[name]}: at least 1")
    check_dropout(o["dropout"])


def _text(values: tuple[int, ...]) -> str:
    return ",".join(str(v) for v in values)


def pool(x: Tensor, kernel: int) -> Tensor:
    """(B, L) -> (B, ceil(L / kernel)): the max of each run of `kernel` days, the last run
    shorter when `kernel` does not divide L."""
    return F.max_pool1d(x[:, None], kernel, kernel, ceil_mode=True)[:, 0]


def interpolate(knots: Tensor, steps: int) -> Tensor:
    """(B, K) -> (B, steps): knots spread evenly over the first to the last step, joined by
    straight lines (one knot: a constant)."""
    return F.interpolate(knots[:, None], size=steps, mode="linear", align_corners=True)[:, 0]


class Block(nn.Module):
    """One N-HiTS block: pool the residual, an MLP on it and the covariates, then knots of
    the backcast and of the forecast, interpolated to every day."""

    def __init__(
        self,
        window: int,
        horizon: int,
        covariates: int,
        outputs: int,
        kernel: int,
        spacing: int,
        body: tuple[int, int, float],  # layers, units, dropout
    ):
        super().__init__()
        self.kernel, self.window, self.horizon, self.outputs = kernel, window, horizon, outputs
        self.knots_b = math.ceil(window / spacing)
        self.knots_f = math.ceil(horizon / spacing)
        layers, units, dropout = body
        self.body = mlp(math.ceil(window / kernel) + covariates, layers, units, dropout)
        self.theta = nn.Linear(units, self.knots_b + self.knots_f * outputs)

    def forward(self, residual: Tensor, extra: Tensor) -> tuple[Tensor, Tensor]:
        """(B, L), (B, E) -> backcast (B, L), forecast (B, H, Q)."""
        theta = self.theta(self.body(torch.cat([pool(residual, self.kernel), extra], dim=1)))
        backcast = interpolate(theta[:, : self.knots_b], self.window)
        knots = theta[:, self.knots_b :].reshape(-1, self.knots_f)  # (B * Q, K): Q sets of knots
        forecast = interpolate(knots, self.horizon).view(-1, self.outputs, self.horizon)
        return backcast, forecast.transpose(1, 2)


class Network(nn.Module):
    """N-HiTS on a window of `window` days with `n_inputs` channels (the target first),
    giving `outputs_per_step` values for each of `horizon` days; the options default to the
    preset (arch_settings.NHITS)."""

    def __init__(
        self,
        window: int,
        horizon: int,
        outputs_per_step: int = 1,
        n_inputs: int = 1,
        nhits_pooling: Sequence[int] = NHITS["nhits_pooling"],
        nhits_downsample: Sequence[int] | None = NHITS["nhits_downsample"],
        nhits_blocks: int = NHITS["nhits_blocks"],
        nhits_layers: int = NHITS["nhits_layers"],
        nhits_units: int = NHITS["nhits_units"],
        dropout: float = NHITS["dropout"],
    ):
        super().__init__()
        covariates = window * (n_inputs - 1)
        options = {"nhits_pooling": nhits_pooling, "nhits_downsample": nhits_downsample}
        spacing = downsample(options, horizon)
        self.blocks = nn.ModuleList()
        self.stack_of: list[int] = []  # each block's stack
        for stack, (kernel, r) in enumerate(zip(nhits_pooling, spacing, strict=True)):
            for _ in range(nhits_blocks):
                body = (nhits_layers, nhits_units, dropout)
                self.blocks.append(
                    Block(window, horizon, covariates, outputs_per_step, kernel, r, body)
                )
                self.stack_of.append(stack)

    def parts(self, x: Tensor) -> list[Tensor]:
        """Each stack's share of the forecast, [(B, H, Q)], coarsest first."""
        residual, extra = x[..., 0], x[..., 1:].flatten(1)
        shares = [torch.zeros(()) for _ in range(self.stack_of[-1] + 1)]
        for stack, block in zip(self.stack_of, self.blocks, strict=True):
            backcast, forecast = block(residual, extra)
            residual = residual - backcast
            shares[stack] = shares[stack] + forecast
        return shares

    def forward(self, x: Tensor) -> Tensor:
        """(B, L, C) -> (B, H, Q)."""
        return torch.stack(self.parts(x)).sum(0)


@dataclass(eq=False, repr=False)
class NHitsForecaster(NHitsSettings, DeepForecaster):
    """N-HiTS behind the forecaster interface: the direct deep family's pipeline (scales,
    target transforms, windows, grouped training with early stopping, shrinkage, quantile
    heads, saved state) on this module's `Network`."""


def build(name: str, settings: dict[str, Any]) -> NHitsForecaster:
    forecaster: NHitsForecaster = build_direct(NHitsForecaster, name, settings)
    return forecaster
