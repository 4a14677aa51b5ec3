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
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from seqcast.errors import SeqcastError
from seqcast.models.nbeats import mlp
from seqcast.options import option

PRESET_DOWNSAMPLE = (4, 2, 1)  # each capped at the horizon when --nhits-downsample is not given


def int_list(text: str) -> tuple[int, ...]:
    """'8,4,1' -> (8, 4, 1)."""
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise SeqcastError(
            f"'{text}': give whole numbers separated by commas, e.g. 4,2,1"
        ) from None


@dataclass(eq=False)
class NHitsOptions:
    """The network's shape. The preset (3 stacks of 1 block, 2 layers of 128, pooling
    8,4,1, knots every 4,2,1 days) is the paper's 3-stack design cut to 2 CPU cores: its
    pooling goes from a week's scale to a day's, and a 7-day forecast gets 2, 4 and 7 knots."""

    nhits_pooling: tuple[int, ...] = option(
        (8, 4, 1),
        "N-HiTS max-pooling kernel of each stack, in days (one per stack, each at most the"
        " window).",
        parse=int_list,
    )
    nhits_downsample: tuple[int, ...] | None = option(
        None,
        "N-HiTS days between forecast knots of each stack (one per stack, each at most the"
        " horizon).",
        parse=int_list,
        shown="4,2,1, each capped at the horizon",
    )
    nhits_blocks: int = option(1, "N-HiTS blocks per stack.")
    nhits_layers: int = option(2, "Fully connected layers in each N-HiTS block.")
    nhits_units: int = option(128, "Units of each N-HiTS layer.")

    def downsample(self, horizon: int) -> tuple[int, ...]:
        """The knot spacing in use: the given list, else the preset's capped at `horizon`."""
        if self.nhits_downsample is not None:
            return tuple(self.nhits_downsample)
        stacks = len(self.nhits_pooling)
        return tuple(min(r, horizon) for r in (PRESET_DOWNSAMPLE * stacks)[:stacks])

    def check_nhits(self, window: int, horizon: int) -> None:
        """One line per bad option, naming it and the smallest (or largest) value that fits."""
        stacks = len(self.nhits_pooling)
        if stacks == 0:
            raise SeqcastError("--nhits-pooling is empty: give one kernel per stack, e.g. 8,4,1")
        for k in self.nhits_pooling:
            if not 1 <= k <= window:
                raise SeqcastError(
                    f"--nhits-pooling {_text(self.nhits_pooling)}: each kernel from 1 to the"
                    f" window ({window} days); use --window {max(k, 1)} or more, or smaller"
                    " kernels"
                )
        downsample = self.downsample(horizon)
        if len(downsample) != stacks:
            raise SeqcastError(
                f"--nhits-downsample {_text(downsample)}: one factor per stack, {stacks}"
                f" (as --nhits-pooling {_text(self.nhits_pooling)})"
            )
        for r in downsample:
            if not 1 <= r <= horizon:
                raise SeqcastError(
                    f"--nhits-downsample {_text(downsample)}: each factor from 1 to the horizon"
                    f" ({horizon} days), or the stack has no knot; use --horizon {max(r, 1)} or"
                    " more, or smaller factors"
                )
        for flag, value in (
            ("--nhits-blocks", self.nhits_blocks),
            ("--nhits-layers", self.nhits_layers),
            ("--nhits-units", self.nhits_units),
        ):
            if value < 1:
                raise SeqcastError(f"{flag} {value}: at least 1")


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
        downsample: int,
        options: NHitsOptions,
    ):
        super().__init__()
        self.kernel, self.window, self.horizon, self.outputs = kernel, window, horizon, outputs
        self.knots_b = math.ceil(window / downsample)
        self.knots_f = math.ceil(horizon / downsample)
        inputs = math.ceil(window / kernel) + covariates
        self.body = mlp(inputs, options.nhits_layers, options.nhits_units)
        self.theta = nn.Linear(options.nhits_units, self.knots_b + self.knots_f * outputs)

    def forward(self, residual: Tensor, extra: Tensor) -> tuple[Tensor, Tensor]:
        """(B, L), (B, E) -> backcast (B, L), forecast (B, H, Q)."""
        theta = self.theta(self.body(torch.cat([pool(residual, self.kernel), extra], dim=1)))
        backcast = interpolate(theta[:, : self.knots_b], self.window)
        knots = theta[:, self.knots_b :].reshape(
            -1, self.knots_f
        )  # (B * Q, K): each output its own knots
        forecast = interpolate(knots, self.horizon).view(-1, self.outputs, self.horizon)
        return backcast, forecast.transpose(1, 2)


class NHits(nn.Module):
    """N-HiTS on a window of `window` days with `channels` inputs (the target first),
    giving `outputs` values for each of `horizon` days."""

    def __init__(
        self, options: NHitsOptions, window: int, horizon: int, channels: int = 1, outputs: int = 1
    ):
        super().__init__()
        options.check_nhits(window, horizon)
        covariates = window * (channels - 1)
        self.blocks = nn.ModuleList()
        self.stack_of: list[int] = []  # each block's stack
        spacing = options.downsample(horizon)
        for stack, (kernel, r) in enumerate(zip(options.nhits_pooling, spacing, strict=True)):
            for _ in range(options.nhits_blocks):
                self.blocks.append(Block(window, horizon, covariates, outputs, kernel, r, options))
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
