"""N-BEATS (Oreshkin et al., 2019): stacks of fully connected blocks with doubly residual
links, forecasting all H days at once from one window.

Each block reads what earlier blocks left unexplained of the window (the residual), runs an
MLP, and projects it onto two bases: a backcast (subtracted from the residual) and a forecast
(added to the total). Generic stacks learn their bases (a linear layer); interpretable stacks
fix them: a trend stack's forecasts are polynomials of degree p in t = [0, 1, ..., H-1] / H,
a seasonality stack's are Fourier series with harmonics 1 .. H/2 - 1 over the horizon. Blocks
of an interpretable stack share their weights, as in the paper.

forward(x: (B, L, C)) -> (B, H, Q): channel 0 is the target (the residual the blocks share);
channels 1.. are past covariates, flattened beside each block's input (the NBEATSx way) and
never subtracted. Q outputs per day (1, or one per quantile of a quantile head).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from seqcast.errors import SeqcastError
from seqcast.models.arch_settings import NBEATS, STACK_KINDS, NBeatsSettings
from seqcast.models.arch_settings import build as build_direct
from seqcast.models.deep import DeepForecaster
from seqcast.models.grouped_module import Dropout


def check(window: int, horizon: int, options: dict[str, Any]) -> None:
    """One line per bad option, naming it and the smallest value that works."""
    o = NBEATS | options
    if not o["nbeats_stacks"]:
        raise SeqcastError("--nbeats-stacks is empty: give at least 1 stack, e.g. generic")
    for kind in o["nbeats_stacks"]:
        if kind not in STACK_KINDS:
            raise SeqcastError(
                f"--nbeats-stacks '{kind}': each stack is one of {', '.join(STACK_KINDS)}"
            )
    for name in ("nbeats_blocks", "nbeats_layers", "nbeats_units"):
        if o[name] < 1:
            raise SeqcastError(f"--{name.replace('_', '-')} {o[name]}: at least 1")
    if o["nbeats_degree"] < 0:
        raise SeqcastError(f"--nbeats-degree {o['nbeats_degree']}: at least 0 (a level)")
    check_dropout(o["dropout"])


def check_dropout(rate: float) -> None:
    if not 0.0 <= rate < 1.0:
        raise SeqcastError(f"--dropout {rate:g}: from 0 to below 1")


def mlp(inputs: int, layers: int, units: int, dropout: float) -> nn.Sequential:
    """`layers` fully connected ReLU layers of `units` (a block's body)."""
    body: list[nn.Module] = []
    for _ in range(layers):
        body += [nn.Linear(inputs, units), nn.ReLU()]
        body += [Dropout(dropout)] if dropout else []
        inputs = units
    return nn.Sequential(*body)


def trend_basis(degree: int, steps: int) -> Tensor:
    """(degree + 1, steps): row i is t**i, t = [0, 1, ..., steps-1] / steps."""
    t = torch.arange(steps, dtype=torch.float32) / steps
    return torch.stack([t**i for i in range(degree + 1)])


def harmonics(horizon: int) -> int:
    """The paper's harmonics of a seasonality stack: 1 .. H/2 - 1 (none for H < 4)."""
    return max(horizon // 2 - 1, 0)


def seasonality_basis(horizon: int, steps: int, start: int) -> Tensor:
    """(1 + 2K, steps): a constant, then cos and sin of harmonic k = 1..K of the horizon, at
    days start .. start + steps - 1 measured in horizons (the window's days are negative, so
    a pattern the backcast finds carries on into the forecast)."""
    t = torch.arange(start, start + steps, dtype=torch.float32) / horizon
    rows = [torch.ones(steps)]
    for k in range(1, harmonics(horizon) + 1):
        rows += [torch.cos(2 * math.pi * k * t), torch.sin(2 * math.pi * k * t)]
    return torch.stack(rows)


class Block(nn.Module):
    """One N-BEATS block: an MLP on (residual, covariates), then a backcast of the window and
    a forecast of the horizon. `bases` None: generic (learnt linear bases)."""

    def __init__(
        self,
        body: nn.Sequential,
        units: int,
        window: int,
        horizon: int,
        outputs: int,
        bases: tuple[Tensor, Tensor] | None,
    ):
        super().__init__()
        self.body, self.horizon, self.outputs = body, horizon, outputs
        if bases is None:  # generic: theta -> basis folded into one linear layer each way
            self.backcast = nn.Linear(units, window)
            self.forecast = nn.Linear(units, horizon * outputs)
            self.basis_b: Tensor | None = None
            self.basis_f: Tensor | None = None
        else:  # expansion coefficients onto fixed bases (no bias: the basis is the output)
            basis_b, basis_f = bases
            self.backcast = nn.Linear(units, len(basis_b), bias=False)
            self.forecast = nn.Linear(units, len(basis_f) * outputs, bias=False)
            self.register_buffer("basis_b", basis_b, persistent=False)
            self.register_buffer("basis_f", basis_f, persistent=False)

    def forward(self, residual: Tensor, extra: Tensor) -> tuple[Tensor, Tensor]:
        """(B, L), (B, E) -> backcast (B, L), forecast (B, H, Q)."""
        h = self.body(torch.cat([residual, extra], dim=1))
        theta_b, theta_f = self.backcast(h), self.forecast(h)
        if self.basis_b is None or self.basis_f is None:
            return theta_b, theta_f.view(-1, self.horizon, self.outputs)
        theta_f = theta_f.view(-1, self.outputs, len(self.basis_f))  # (B, Q, P)
        return theta_b @ self.basis_b, (theta_f @ self.basis_f).transpose(1, 2)


class Network(nn.Module):
    """N-BEATS on a window of `window` days with `n_inputs` channels (the target first),
    giving `outputs_per_step` values for each of `horizon` days; the options default to
    the generic preset (arch_settings.NBEATS)."""

    def __init__(
        self,
        window: int,
        horizon: int,
        outputs_per_step: int = 1,
        n_inputs: int = 1,
        nbeats_stacks: Sequence[str] = NBEATS["nbeats_stacks"],
        nbeats_blocks: int = NBEATS["nbeats_blocks"],
        nbeats_layers: int = NBEATS["nbeats_layers"],
        nbeats_units: int = NBEATS["nbeats_units"],
        nbeats_degree: int = NBEATS["nbeats_degree"],
        dropout: float = NBEATS["dropout"],
    ):
        super().__init__()
        inputs = window * n_inputs  # the residual window plus the flattened covariates
        self.blocks = nn.ModuleList()
        self.order: list[tuple[int, int]] = []  # (stack, block) in the order they apply
        for stack, kind in enumerate(nbeats_stacks):
            bases = _bases(kind, nbeats_degree, window, horizon)
            for repeat in range(nbeats_blocks):
                if bases is None or repeat == 0:  # an interpretable stack shares one block
                    body = mlp(inputs, nbeats_layers, nbeats_units, dropout)
                    block = Block(body, nbeats_units, window, horizon, outputs_per_step, bases)
                    self.blocks.append(block)
                self.order.append((stack, len(self.blocks) - 1))
        self.kinds = tuple(nbeats_stacks)

    def parts(self, x: Tensor) -> list[Tensor]:
        """Each stack's share of the forecast, [(B, H, Q)] in stack order (the interpretable
        model's trend and seasonality)."""
        residual, extra = x[..., 0], x[..., 1:].flatten(1)  # (B, L), (B, L * (C - 1))
        shares = [torch.zeros(()) for _ in self.kinds]
        for stack, block in self.order:
            backcast, forecast = self.blocks[block](residual, extra)
            residual = residual - backcast
            shares[stack] = shares[stack] + forecast
        return shares

    def forward(self, x: Tensor) -> Tensor:
        """(B, L, C) -> (B, H, Q)."""
        return torch.stack(self.parts(x)).sum(0)


def _bases(kind: str, degree: int, window: int, horizon: int) -> tuple[Tensor, Tensor] | None:
    """The fixed (backcast, forecast) bases of an interpretable stack; None for generic."""
    if kind == "trend":
        return trend_basis(degree, window), trend_basis(degree, horizon)
    if kind == "seasonality":
        return seasonality_basis(horizon, window, -window), seasonality_basis(horizon, horizon, 0)
    return None


@dataclass(eq=False, repr=False)
class NBeatsForecaster(NBeatsSettings, DeepForecaster):
    """N-BEATS behind the forecaster interface: the direct deep family's pipeline (scales,
    target transforms, windows, grouped training with early stopping, shrinkage, quantile
    heads, saved state) on this module's `Network`."""


def build(name: str, settings: dict[str, Any]) -> NBeatsForecaster:
    forecaster: NBeatsForecaster = build_direct(NBeatsForecaster, name, settings)
    return forecaster
