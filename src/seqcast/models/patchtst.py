"""PatchTST (Nie et al., 2023): a Transformer encoder over patches of one series at a time,
forecasting all H days at once from one window.

Each channel is its own series (channel independence): normalised by its window's mean and
spread (RevIN), padded at the end with `stride` copies of its last value, cut into patches of
`patch` days every `stride` days, each patch embedded linearly with a learnt position, run
through the encoder, and the patches' outputs flattened into a linear head giving H days.
Every channel goes through the same weights and never sees another channel.

forward(x: (B, L, C)) -> (B, H, Q): the forecast of channel 0, the target. Under channel
independence a covariate cannot change the target's forecast, so the forecaster feeds the
target alone; `forward_channels` gives every channel's forecast.

The encoder normalises with LayerNorm where the paper uses BatchNorm: batch statistics would
mix a grouped member's rows with the padding rows of a group, and differ between training in
a group and alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from seqcast.errors import SeqcastError
from seqcast.models.arch_settings import PATCHTST, PatchTstSettings
from seqcast.models.arch_settings import build as build_direct
from seqcast.models.deep import DeepForecaster
from seqcast.models.grouped_module import Dropout
from seqcast.models.nbeats import check_dropout


def patches(window: int, patch: int, stride: int) -> int:
    """Patches a window makes, its end padded by one stride."""
    return (window + stride - patch) // stride + 1


def check(window: int, horizon: int, options: dict[str, Any]) -> None:
    """One line per bad option, naming it and the smallest value that works."""
    o = PATCHTST | options
    patch, stride, heads = o["patchtst_patch"], o["patchtst_stride"], o["patchtst_heads"]
    if patch < 1:
        raise SeqcastError(f"--patchtst-patch {patch}: at least 1 day")
    if patch > window:
        raise SeqcastError(
            f"--patchtst-patch {patch} is longer than the window ({window} days); use"
            f" --window {patch} or more, or a patch of at most {window}"
        )
    if not 1 <= stride <= patch:
        raise SeqcastError(
            f"--patchtst-stride {stride}: from 1 to the patch length ({patch}), or days"
            " between patches are never seen"
        )
    for name in ("patchtst_d_model", "patchtst_heads", "patchtst_layers", "patchtst_ff"):
        if o[name] < 1:
            raise SeqcastError(f"--{name.replace('_', '-')} {o[name]}: at least 1")
    if o["patchtst_d_model"] % heads:
        raise SeqcastError(
            f"--patchtst-d-model {o['patchtst_d_model']}: a multiple of --patchtst-heads"
            f" ({heads}), e.g. {heads * 8}"
        )
    check_dropout(o["dropout"])


class EncoderLayer(nn.Module):
    """Post-norm Transformer encoder layer: self-attention, then a GELU feed-forward, each
    added to its input and normalised (the paper's order)."""

    def __init__(self, width: int, heads: int, hidden: int, dropout: float):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.ff = nn.Sequential(
            nn.Linear(width, hidden), nn.GELU(), Dropout(dropout), nn.Linear(hidden, width)
        )
        self.norm1, self.norm2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.dropout1, self.dropout2 = Dropout(dropout), Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        """(S, N, D) -> (S, N, D)."""
        S, N, D = x.shape
        q, k, v = self.qkv(x).view(S, N, 3, self.heads, D // self.heads).permute(2, 0, 3, 1, 4)
        attended = F.scaled_dot_product_attention(q, k, v)  # (S, heads, N, D / heads)
        x = self.norm1(x + self.dropout1(self.out(attended.transpose(1, 2).reshape(S, N, D))))
        return self.norm2(x + self.dropout2(self.ff(x)))


class Network(nn.Module):
    """PatchTST on a window of `window` days with `n_inputs` series, giving
    `outputs_per_step` values for each of `horizon` days of each; the options default to
    the preset (arch_settings.PATCHTST)."""

    def __init__(
        self,
        window: int,
        horizon: int,
        outputs_per_step: int = 1,
        n_inputs: int = 1,
        patchtst_patch: int = PATCHTST["patchtst_patch"],
        patchtst_stride: int = PATCHTST["patchtst_stride"],
        patchtst_d_model: int = PATCHTST["patchtst_d_model"],
        patchtst_heads: int = PATCHTST["patchtst_heads"],
        patchtst_layers: int = PATCHTST["patchtst_layers"],
        patchtst_ff: int = PATCHTST["patchtst_ff"],
        patchtst_revin: bool = PATCHTST["patchtst_revin"],
        dropout: float = PATCHTST["dropout"],
    ):
        super().__init__()
        width = patchtst_d_model
        self.patch, self.stride = patchtst_patch, patchtst_stride
        self.count = patches(window, patchtst_patch, patchtst_stride)
        self.horizon, self.outputs, self.revin = horizon, outputs_per_step, patchtst_revin
        self.embed = nn.Linear(self.patch, width)
        self.position = nn.Parameter(torch.empty(self.count, width).uniform_(-0.02, 0.02))
        self.layers = nn.Sequential(
            *(
                EncoderLayer(width, patchtst_heads, patchtst_ff, dropout)
                for _ in range(patchtst_layers)
            )
        )
        self.head = nn.Linear(self.count * width, horizon * outputs_per_step)
        # RevIN's affine map, one per channel (channels share everything else)
        self.scale = nn.Parameter(torch.ones(n_inputs))
        self.shift = nn.Parameter(torch.zeros(n_inputs))

    def patchify(self, z: Tensor) -> Tensor:
        """(S, L) -> (S, N, P): `stride` copies of the last day appended, then patches."""
        padded = torch.cat([z, z[:, -1:].expand(-1, self.stride)], dim=1)
        return padded.unfold(1, self.patch, self.stride)

    def forward_channels(self, x: Tensor) -> Tensor:
        """(B, L, C) -> (B, C, H, Q): each channel's forecast from that channel alone."""
        B, L, C = x.shape
        z = x.transpose(1, 2)  # (B, C, L)
        if self.revin:
            mean = z.mean(2, keepdim=True)
            spread = (z.var(2, keepdim=True, unbiased=False) + 1e-5).sqrt()
            z = (z - mean) / spread * self.scale[:, None] + self.shift[:, None]
        tokens = self.embed(self.patchify(z.reshape(B * C, L))) + self.position  # (S, N, D)
        y = self.head(self.layers(tokens).flatten(1)).view(B, C, self.horizon * self.outputs)
        if self.revin:
            y = (y - self.shift[:, None]) / (self.scale[:, None] + 1e-10) * spread + mean
        return y.view(B, C, self.horizon, self.outputs)

    def forward(self, x: Tensor) -> Tensor:
        """(B, L, C) -> (B, H, Q): the target's forecast."""
        return self.forward_channels(x)[:, 0]


@dataclass(eq=False, repr=False)
class PatchTstForecaster(PatchTstSettings, DeepForecaster):
    """PatchTST behind the forecaster interface: the direct deep family's pipeline (scales,
    target transforms, windows, grouped training with early stopping, shrinkage, quantile
    heads, saved state) on this module's `Network`."""


def build(name: str, settings: dict[str, Any]) -> PatchTstForecaster:
    forecaster: PatchTstForecaster = build_direct(PatchTstForecaster, name, settings)
    return forecaster
