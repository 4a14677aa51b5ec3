"""The direct deep architectures DLinear, N-BEATS, N-HiTS, TCN and PatchTST (their networks:
dlinear.py, nbeats.py, nhits.py, tcn.py, patchtst.py): the table of them (ARCHITECTURES),
each one's preset and tuning space, and each family's settings (the shared ones of
deep_settings.DeepSettings, and its own). Imports no PyTorch: `seqcast --help` reads it.

A setting left at None takes its architecture's preset. Every preset is sized for a daily
price file on a 2-core CPU: a few thousand training windows of one series fit tens of
thousands of weights, not the millions the papers spend on M4's 100,000 series or years of
hourly electricity data, and a walk-forward backtest trains 13 refits of each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from seqcast.errors import SeqcastError
from seqcast.models import deep_settings
from seqcast.models.deep_settings import Architecture, DeepSettings
from seqcast.options import Dimension, name_list, option

STACK_KINDS = ("generic", "trend", "seasonality")  # N-BEATS stacks

# DLinear: the paper's 25-day moving average; two linear maps, 2 x 60 x 7 weights at h = 7.
DLINEAR: dict[str, Any] = {"kernel": 25}

# N-BEATS, generic: 3 stacks of 1 block of 2 layers of 128 (the paper: 30 stacks of 4
# layers of 512); about 100,000 weights on a 60-day window.
NBEATS: dict[str, Any] = {
    "nbeats_stacks": ("generic", "generic", "generic"),
    "nbeats_blocks": 1,
    "nbeats_layers": 2,
    "nbeats_units": 128,
    "nbeats_degree": 2,
    "dropout": 0.0,  # the paper uses none
}
# N-BEATS, interpretable: the paper's trend then seasonality stacks (3 blocks each, weights
# shared within a stack), 2 layers of 128 where the paper has 4 of 256 and of 2048.
NBEATS_I: dict[str, Any] = NBEATS | {"nbeats_stacks": ("trend", "seasonality"), "nbeats_blocks": 3}
# N-HiTS: 3 stacks of 1 block of 2 layers of 128 (the paper: 3 stacks of 1 block of 2
# layers of 512), pooling from a week's scale to a day's; knots every 4, 2, 1 days (capped
# at the horizon: a 7-day forecast gets 2, 4 and 7 knots).
NHITS: dict[str, Any] = {
    "nhits_pooling": (8, 4, 1),
    "nhits_downsample": None,  # None: 4,2,1 capped at the horizon
    "nhits_blocks": 1,
    "nhits_layers": 2,
    "nhits_units": 128,
    "dropout": 0.0,
}
PRESET_DOWNSAMPLE = (4, 2, 1)
# TCN: 3 levels of 32 channels, kernel 5: a receptive field of 57 days, nearly all of the
# default 60-day window, with about 26,000 weights (the paper: 4-8 levels of 25-150).
TCN: dict[str, Any] = {"tcn_levels": 3, "tcn_channels": 32, "tcn_kernel": 5, "dropout": 0.1}
# PatchTST: the paper's patches (16 days every 8: 7 patches of a 60-day window) on a small
# encoder: 2 layers of width 32 with 2 heads, feed-forward 64, about 19,000 weights (the
# paper: 3 layers of 128 with 16 heads). No RevIN: the inputs are already scaled daily
# returns, and the outputs are changes over k days, not the window's series continued.
PATCHTST: dict[str, Any] = {
    "patchtst_patch": 16,
    "patchtst_stride": 8,
    "patchtst_d_model": 32,
    "patchtst_heads": 2,
    "patchtst_layers": 2,
    "patchtst_ff": 64,
    "patchtst_revin": False,
    "dropout": 0.2,  # the paper's
}


def int_list(text: str) -> tuple[int, ...]:
    """'8,4,1' -> (8, 4, 1)."""
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise SeqcastError(
            f"'{text}': give whole numbers separated by commas, e.g. 4,2,1"
        ) from None


def _preset(help: str, parse: Any = None) -> Any:
    return option(None, help, parse=parse, shown="the preset's")


# What `tune` tries of each architecture's own settings (beside the family's common ones).
SPACES: dict[str, tuple[Dimension, ...]] = {
    "dlinear": (Dimension("kernel", choices=(5, 9, 15, 19)),),  # within the 20-day window
    "nbeats": (
        Dimension("nbeats_units", 32, 256, log=True),
        Dimension("nbeats_layers", 1, 4),
        Dimension("nbeats_blocks", 1, 3),
        Dimension("dropout", 0.0, 0.3),
    ),
    "nbeats-i": (
        Dimension("nbeats_units", 32, 256, log=True),
        Dimension("nbeats_degree", 1, 4),
        Dimension("nbeats_blocks", 1, 3),
    ),
    "nhits": (
        Dimension("nhits_units", 32, 256, log=True),
        Dimension("nhits_layers", 1, 3),
        Dimension("nhits_blocks", 1, 3),
        Dimension("dropout", 0.0, 0.3),
    ),
    "tcn": (  # levels and kernel whose receptive field fits the 20-day shortest window
        Dimension("tcn_channels", 8, 64, log=True),
        Dimension("tcn_levels", 1, 2),
        Dimension("tcn_kernel", 2, 4),
        Dimension("dropout", 0.0, 0.3),
    ),
    "patchtst": (
        Dimension("patchtst_patch", choices=(8, 12, 16)),  # at least the stride, 8
        Dimension("patchtst_d_model", choices=(16, 32, 64)),
        Dimension("patchtst_layers", 1, 3),
        Dimension("dropout", 0.0, 0.3),
    ),
}

NBEATS_OPTIONS = (
    "nbeats_stacks",
    "nbeats_blocks",
    "nbeats_layers",
    "nbeats_units",
    "nbeats_degree",
    "dropout",
)

ARCHITECTURES: dict[str, Architecture] = {
    "dlinear": Architecture(
        "seqcast.models.dlinear",
        "DLinear (Zeng et al. 2023): a moving-average trend and the remainder, one linear"
        " map each from the window to the horizon",
        ("kernel",),
        DLINEAR,
        SPACES["dlinear"],
    ),
    "nbeats": Architecture(
        "seqcast.models.nbeats",
        "N-BEATS (Oreshkin et al. 2019), generic stacks",
        NBEATS_OPTIONS,
        NBEATS,
        SPACES["nbeats"],
    ),
    "nbeats-i": Architecture(
        "seqcast.models.nbeats",
        "N-BEATS, interpretable: a trend stack and a seasonality stack",
        NBEATS_OPTIONS,
        NBEATS_I,
        SPACES["nbeats-i"],
    ),
    "nhits": Architecture(
        "seqcast.models.nhits",
        "N-HiTS (Challu et al. 2022): multi-rate pooling, interpolated forecasts",
        (
            "nhits_pooling",
            "nhits_downsample",
            "nhits_blocks",
            "nhits_layers",
            "nhits_units",
            "dropout",
        ),
        NHITS,
        SPACES["nhits"],
    ),
    "tcn": Architecture(
        "seqcast.models.tcn",
        "TCN (Bai et al. 2018): dilated causal convolutions",
        ("tcn_levels", "tcn_channels", "tcn_kernel", "dropout"),
        TCN,
        SPACES["tcn"],
    ),
    "patchtst": Architecture(
        "seqcast.models.patchtst",
        "PatchTST (Nie et al. 2023): a Transformer over patches, channel-independent",
        (
            "patchtst_patch",
            "patchtst_stride",
            "patchtst_d_model",
            "patchtst_heads",
            "patchtst_layers",
            "patchtst_ff",
            "patchtst_revin",
            "dropout",
        ),
        PATCHTST,
        SPACES["patchtst"],
        covariates=False,  # channel independence: a covariate never reaches the target
    ),
}


@dataclass(eq=False)
class _Direct(DeepSettings):
    """A direct deep family's settings: architectures of this module's table."""

    NAMES: ClassVar[tuple[str, ...]] = ()  # the architectures a family of these settings runs

    @property
    def architecture(self) -> Architecture:
        if self.model not in self.NAMES:
            raise SeqcastError(f"unknown model '{self.model}' here; use {', '.join(self.NAMES)}")
        return ARCHITECTURES[self.model]


@dataclass(eq=False)
class DLinearSettings(_Direct):
    """DLinear's settings: the direct deep family's, and its own."""

    NAMES: ClassVar[tuple[str, ...]] = ("dlinear",)
    model: str = option("dlinear", "DLinear.")
    kernel: int | None = _preset("DLinear's moving-average length (days).")


@dataclass(eq=False)
class NBeatsSettings(_Direct):
    """N-BEATS's settings: the direct deep family's, and its own."""

    NAMES: ClassVar[tuple[str, ...]] = ("nbeats", "nbeats-i")
    model: str = option("nbeats", "N-BEATS: nbeats (generic) or nbeats-i (interpretable).")
    nbeats_stacks: tuple[str, ...] | None = _preset(
        "N-BEATS stacks in order: generic (a learnt basis), trend (polynomials), seasonality"
        " (Fourier series); 'trend,seasonality' is the paper's interpretable model.",
        name_list,
    )
    nbeats_blocks: int | None = _preset("N-BEATS blocks per stack.")
    nbeats_layers: int | None = _preset("Fully connected layers in each N-BEATS block.")
    nbeats_units: int | None = _preset("Units of each N-BEATS layer.")
    nbeats_degree: int | None = _preset("Degree of an N-BEATS trend stack's polynomials.")


@dataclass(eq=False)
class NHitsSettings(_Direct):
    """N-HiTS's settings: the direct deep family's, and its own."""

    NAMES: ClassVar[tuple[str, ...]] = ("nhits",)
    model: str = option("nhits", "N-HiTS.")
    nhits_pooling: tuple[int, ...] | None = _preset(
        "N-HiTS max-pooling kernel of each stack in days (one per stack, each at most the window).",
        int_list,
    )
    nhits_downsample: tuple[int, ...] | None = option(
        None,
        "N-HiTS days between forecast knots of each stack (one per stack, each at most the"
        " horizon).",
        parse=int_list,
        shown="4,2,1, each capped at the horizon",
    )
    nhits_blocks: int | None = _preset("N-HiTS blocks per stack.")
    nhits_layers: int | None = _preset("Fully connected layers in each N-HiTS block.")
    nhits_units: int | None = _preset("Units of each N-HiTS layer.")


@dataclass(eq=False)
class TcnSettings(_Direct):
    """The TCN's settings: the direct deep family's, and its own."""

    NAMES: ClassVar[tuple[str, ...]] = ("tcn",)
    model: str = option("tcn", "TCN.")
    tcn_levels: int | None = _preset("TCN residual blocks; block i dilates by 2**i.")
    tcn_channels: int | None = _preset("Channels of every TCN convolution.")
    tcn_kernel: int | None = _preset("Days each TCN convolution reads (before dilation).")


@dataclass(eq=False)
class PatchTstSettings(_Direct):
    """PatchTST's settings: the direct deep family's, and its own."""

    NAMES: ClassVar[tuple[str, ...]] = ("patchtst",)
    model: str = option("patchtst", "PatchTST.")
    patchtst_patch: int | None = _preset("PatchTST patch length in days (at most the window).")
    patchtst_stride: int | None = _preset("PatchTST days between the starts of patches.")
    patchtst_d_model: int | None = _preset("PatchTST width of each patch's embedding.")
    patchtst_heads: int | None = _preset("PatchTST attention heads (dividing d_model).")
    patchtst_layers: int | None = _preset("PatchTST encoder layers.")
    patchtst_ff: int | None = _preset("PatchTST feed-forward width inside each layer.")
    patchtst_revin: bool | None = _preset(
        "PatchTST: normalise each window by its own mean and spread (RevIN)."
    )


def space(model: str) -> dict[str, Dimension]:
    """What a study of one of these architectures tries unless a space file says otherwise:
    the direct deep family's common settings, and the architecture's own."""
    base = model.partition("*")[0]
    return deep_settings.common_space() | {d.name: d for d in ARCHITECTURES[base].space}


def build(cls: type[_Direct], name: str, settings: dict[str, Any]) -> Any:
    """An architecture's preset (`tcn`), or a seed ensemble of K of it (`tcn*5`), with
    `settings` over the preset's."""
    from seqcast.models.ensembles import ensemble_settings  # imports PyTorch: only to build

    return cls(**ensemble_settings(name, settings))
