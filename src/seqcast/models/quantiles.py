"""Quantile heads: which quantiles a network learns for interval levels, and the pinball
loss that teaches them (Koenker & Bassett 1978).

A network with quantile heads gives, for every day ahead, one value per quantile: the
median first (the point forecast), then each level's lower and upper quantile, levels in
the order given: (0.5, 0.1, 0.9, 0.025, 0.975) for levels 80 and 95. Imports no PyTorch at
module level beyond the loss.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def quantiles_for(levels: tuple[float, ...]) -> tuple[float, ...]:
    """The median, then each level's (lower, upper) quantile."""
    tails = [((100.0 - level) / 200.0, (100.0 + level) / 200.0) for level in levels]
    return (0.5, *(q for pair in tails for q in pair))


def bound_channels(levels: tuple[float, ...]) -> dict[float, tuple[int, int]]:
    """Each level's (lower, upper) channel in a quantile head's outputs."""
    return {level: (1 + 2 * i, 2 + 2 * i) for i, level in enumerate(levels)}


class PinballLoss(nn.Module):
    """Per-element pinball loss averaged over the quantiles: predicted (..., H * Q), the
    quantiles of each day side by side, against targets (..., H) -> (..., H). At the median
    alone it is half the absolute error."""

    def __init__(self, quantiles: tuple[float, ...]):
        super().__init__()
        self.quantiles = quantiles

    def forward(self, predicted: Tensor, target: Tensor) -> Tensor:
        q = torch.tensor(self.quantiles, dtype=predicted.dtype)
        per_quantile = predicted.reshape(*target.shape, len(q))  # (..., H, Q)
        error = target.unsqueeze(-1) - per_quantile
        return torch.maximum(q * error, (q - 1) * error).mean(dim=-1)
