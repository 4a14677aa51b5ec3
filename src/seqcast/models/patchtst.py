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

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from seqcast.errors import SeqcastError
from seqcast.options import option


@dataclass(eq=False)
class PatchTstOptions:
    """The network's shape. The preset (patches of 16 days every 8, d_model 32, 2 heads, 2
    layers, feed-forward 64) is the paper's patching on a small encoder: the paper's 3 layers
    of 128 with 16 heads fit years of hourly data; a 60-day window makes 7 patches, and 2
    cores train 25,000 weights in seconds."""

    patchtst_patch: int = option(16, "PatchTST patch length, in days (at most the window).")
    patchtst_stride: int = option(8, "PatchTST days between the starts of patches.")
    patchtst_d_model: int = option(32, "PatchTST width of each patch's embedding.")
    patchtst_heads: int = option(2, "PatchTST attention heads (dividing d_model).")
    patchtst_layers: int = option(2, "PatchTST encoder layers.")
    patchtst_ff: int = option(64, "PatchTST feed-forward width inside each layer.")
    patchtst_dropout: float = option(0.0, "PatchTST dropout in the encoder.")
    patchtst_revin: bool = option(True, "PatchTST: normalise each window by its mean and spread.")

    def patches(self, window: int) -> int:
        """Patches a window makes, the end padded by one stride."""
        return (window + self.patchtst_stride - self.patchtst_patch) // self.patchtst_stride + 1

    def check_patchtst(self, window: int) -> None:
        """One line per bad option, naming it and the smallest value that works."""
        if self.patchtst_patch < 1:
            raise SeqcastError(f"--patchtst-patch {self.patchtst_patch}: at least 1 day")
        if self.patchtst_patch > window:
            raise SeqcastError(
                f"--patchtst-patch {self.patchtst_patch} is longer than the window ({window}"
                f" days); use --window {self.patchtst_patch} or more, or a patch of at most"
                f" {window}"
            )
        if not 1 <= self.patchtst_stride <= self.patchtst_patch:
            raise SeqcastError(
                f"--patchtst-stride {self.patchtst_stride}: from 1 to the patch length"
                f" ({self.patchtst_patch}), or days between patches are never seen"
            )
        for flag, value in (
            ("--patchtst-d-model", self.patchtst_d_model),
            ("--patchtst-heads", self.patchtst_heads),
            ("--patchtst-layers", self.patchtst_layers),
            ("--patchtst-ff", self.patchtst_ff),
        ):
            if value < 1:
                raise SeqcastError(f"{flag} {value}: at least 1")
        if self.patchtst_d_model % self.patchtst_heads:
            raise SeqcastError(
                f"--patchtst-d-model {self.patchtst_d_model}: a multiple of --patchtst-heads"
                f" ({self.patchtst_heads}), e.g. {self.patchtst_heads * 8}"
            )
        if not 0.0 <= self.patchtst_dropout < 1.0:
            raise SeqcastError(f"--patchtst-dropout {self.patchtst_dropout:g}: from 0 to below 1")


class EncoderLayer(nn.Module):
    """Post-norm Transformer encoder layer: self-attention, then a GELU feed-forward, each
    added to its input and normalised (the paper's order)."""

    def __init__(self, width: int, heads: int, hidden: int, dropout: float):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.ff = nn.Sequential(
            nn.Linear(width, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, width)
        )
        self.norm1, self.norm2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        """(S, N, D) -> (S, N, D)."""
        S, N, D = x.shape
        q, k, v = self.qkv(x).view(S, N, 3, self.heads, D // self.heads).permute(2, 0, 3, 1, 4)
        attended = F.scaled_dot_product_attention(q, k, v)  # (S, heads, N, D / heads)
        x = self.norm1(x + self.dropout(self.out(attended.transpose(1, 2).reshape(S, N, D))))
        return self.norm2(x + self.dropout(self.ff(x)))


class PatchTst(nn.Module):
    """PatchTST on a window of `window` days with `channels` series, giving `outputs` values
    for each of `horizon` days of each."""

    def __init__(
        self,
        options: PatchTstOptions,
        window: int,
        horizon: int,
        channels: int = 1,
        outputs: int = 1,
    ):
        super().__init__()
        options.check_patchtst(window)
        width = options.patchtst_d_model
        self.patch, self.stride = options.patchtst_patch, options.patchtst_stride
        self.count = options.patches(window)
        self.horizon, self.outputs, self.revin = horizon, outputs, options.patchtst_revin
        self.embed = nn.Linear(self.patch, width)
        self.position = nn.Parameter(torch.empty(self.count, width).uniform_(-0.02, 0.02))
        self.layers = nn.Sequential(
            *(
                EncoderLayer(
                    width, options.patchtst_heads, options.patchtst_ff, options.patchtst_dropout
                )
                for _ in range(options.patchtst_layers)
            )
        )
        self.head = nn.Linear(self.count * width, horizon * outputs)
        # RevIN's affine map, one per channel (channels share everything else)
        self.scale = nn.Parameter(torch.ones(channels))
        self.shift = nn.Parameter(torch.zeros(channels))

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
