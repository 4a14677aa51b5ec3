"""What a neural network member learns from: the scales fitted on a history and its
training and validation windows (train.MemberData), one history, or several stacked (a
model pooled over series).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd

from seqcast.errors import SeqcastError
from seqcast.models.base import FitJob
from seqcast.models.inputs import Inputs
from seqcast.models.train import MemberData


class Windowed(Protocol):
    """What `prepare` reads of a forecaster (a layer-list one, or a direct deep one)."""

    window: int
    features: tuple[str, ...]

    def resolved(self) -> dict[str, Any]: ...  # at least transform and val_days
    def min_history(self) -> int: ...
    def min_train(self) -> int: ...
    def outputs(self) -> int: ...


def prepare(
    model: Windowed,
    y: pd.Series,
    frame: pd.DataFrame | None,
    inputs: Inputs | None = None,
) -> tuple[Inputs, MemberData]:
    """The scales (fitted on the history before its validation tail, unless given: a warm
    chain keeps its first fit's) and the windows of one history: every target of a
    training window lies before the tail, and of a validation window inside the history."""
    settings, first, outputs = model.resolved(), model.min_history(), model.outputs()
    if len(y) < model.min_train():
        raise SeqcastError(
            f"training needs more than {first + outputs - 1} days (window {model.window}) plus"
            f" {settings['val_days']} validation days, but has {len(y)};"
            " use a longer series, a smaller window or fewer --val-days"
        )
    values = np.asarray(y, dtype=float)
    fit_end = len(values) - settings["val_days"]
    features = tuple(model.features)
    if inputs is None:
        inputs = Inputs.fit(model.window, settings["transform"], y, frame, features, fit_end)
    z, extra = inputs.target(values), inputs.covariates(y, frame)
    X, target = inputs.windows(z, extra, np.arange(first, fit_end - outputs + 1), outputs)
    validation = None
    if settings["val_days"] >= outputs:
        last = len(z) - outputs + 1
        validation = inputs.windows(z, extra, np.arange(max(fit_end, first), last), outputs)
    return inputs, MemberData(X, target, validation)


def together(parts: list[MemberData]) -> MemberData:
    """One member's data from several series' (a pooled model): their windows stacked."""
    if len(parts) == 1:
        return parts[0]
    validation = None
    if all(p.validation is not None for p in parts):
        sets = [p.validation for p in parts if p.validation is not None]
        validation = (np.concatenate([v[0] for v in sets]), np.concatenate([v[1] for v in sets]))
    X = np.concatenate([p.X for p in parts])
    return MemberData(X, np.concatenate([p.y for p in parts]), validation)


def prepare_chunk(
    model: Windowed,
    pools: Sequence[Sequence[FitJob]],
    given: Callable[[FitJob], Inputs | None],
    targets: Callable[[MemberData, Inputs], MemberData] = lambda data, _: data,
) -> tuple[list[MemberData], dict[int, Inputs]]:
    """Each pool's stacked windows, and each job's scales (by id). `given(job)`: the scales
    a job must keep (a warm chain's first fit's), else None to fit them; `targets` turns a
    history's windows into what the family's network learns. Seeds of one history (and
    one chain) prepare it once."""
    prepared: dict[tuple[int, int], tuple[Inputs, MemberData]] = {}
    keys = {}
    for job in (job for pool in pools for job in pool):
        kept = given(job)
        keys[id(job)] = key = (id(job.y), id(kept) if kept is not None else 0)
        if key not in prepared:
            inputs, windows = prepare(model, job.y, job.X, kept)
            prepared[key] = inputs, targets(windows, inputs)
    data = [together([prepared[keys[id(job)]][1] for job in pool]) for pool in pools]
    return data, {job: prepared[key][0] for job, key in keys.items()}
