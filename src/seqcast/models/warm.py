"""Warm-started refits: a network's refit that begins where the fit before it ended (the
layer-list family's, neural.py, and the direct deep families', deep.py).

A walk-forward with `--warm-start` chains each model's refits (`FitJob.previous`): the
first fit is cold; every later one starts from the previous fit's trained weights and
optimizer state, trains on its own history for at most `warm_epochs` epochs, and stops
early on its own validation tail, where the starting weights are the ones to beat (a refit
that learns nothing better keeps them).

Scaling: a chain keeps its first fit's scales (the target's, the covariates' means and
spreads) for every refit. They were fitted on data before the first cutoff, so no refit
sees later data through them, and the network goes on reading its inputs on the scale it
learnt them on (refitting the scales would change what every carried weight means).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from seqcast.errors import SeqcastError
from seqcast.models.base import FitJob
from seqcast.models.inputs import Inputs
from seqcast.models.optim import MemberMoments
from seqcast.models.train import Carry


@dataclass
class Start:
    """Where one network member of a warm refit begins."""

    network: nn.Module  # the previous fit's trained one-member network
    moments: MemberMoments  # its optimizer state when it stopped
    inputs: Inputs  # the chain's scales: its first fit's


def starts(job: FitJob, members: int) -> list[Start | None]:
    """Where each of the `members` networks of `job` begins: nowhere (a cold fit) unless
    the job continues a previous fit, which must be of the same model, and fitted."""
    if job.previous is None:
        return [None] * members
    previous: Any = job.previous.forecaster  # a network forecaster (tagged warm_starts)
    mine: Any = job.forecaster
    if type(previous) is not type(mine) or previous.group_key() != mine.group_key():
        raise SeqcastError(f"a warm start continues the same model: {mine!r} from {previous!r}")
    if previous.seed != mine.seed:
        raise SeqcastError(f"a warm start keeps its seed: {mine.seed} from {previous.seed}")
    moments = getattr(previous, "moments_", None)
    if moments is None:
        raise SeqcastError("a warm start needs the fit it continues fitted first (fit_all)")
    return [
        Start(network, member, previous.inputs_)
        for network, member in zip(previous.networks_, moments, strict=True)
    ]


def kept_scales(start: Start | None) -> Inputs | None:
    """The scales a member keeps: a warm chain's first fit's (None: fit its own)."""
    return start.inputs if start else None


def begin(network: nn.Module, first: list[Start | None]) -> Carry:
    """Put each warm member's weights into its slot of the grouped `network` (built with
    the seeds' initial weights); the carry hands `fit_members` their optimizer states."""
    with torch.no_grad():
        for slot, start in enumerate(first):
            if start is not None:
                for param, value in zip(
                    network.parameters(), start.network.parameters(), strict=True
                ):
                    param[slot] = value[0]
    return Carry([None if start is None else start.moments for start in first])
