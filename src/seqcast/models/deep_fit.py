"""Training a chunk of direct deep members (models/deep.py): their windows, with targets as
the network's outputs mean them, one grouped network through train.fit_members, and how
many members train at once."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np
import torch

from seqcast.models import grouping, training_data, warm
from seqcast.models.train import MemberData, fit_members

if TYPE_CHECKING:
    from seqcast.models.deep import DeepForecaster


def fit_chunk(pools: grouping.Chunk, starts: dict[int, warm.Start | None]) -> None:
    """Train one network member per pool of jobs, each job keeping its own scales; a
    warm-started member (models/warm.py) from its previous fit's weights, optimizer state
    and scales."""
    head = cast("DeepForecaster", pools[0][0].forecaster)
    first = [starts.get(id(pool[0])) for pool in pools]
    data, inputs = training_data.prepare_chunk(
        head,
        pools,
        lambda job: warm.kept_scales(starts.get(id(job))),
        lambda windows, scales: cumulative(windows, scales.transform.kind),
    )
    channels = next(iter(inputs.values())).channels
    seeds = [cast("DeepForecaster", pool[0].forecaster).seed for pool in pools]
    network = head.network(seeds, channels)
    carry = warm.begin(network, first)
    histories, finals = fit_members(network, data, head.train_config(warm=any(first)), carry=carry)
    group = {"group_members": len(pools), "threads": torch.get_num_threads()}
    group |= {"warm": True} if any(first) else {}
    for pool, history, final, moments in zip(pools, histories, finals, carry.ended, strict=True):
        for job in pool:
            forecaster = cast("DeepForecaster", job.forecaster)
            forecaster.inputs_ = inputs[id(job)]
            forecaster.networks_ = [final]
            forecaster.history_ = history
            forecaster.moments_ = [moments]
            forecaster.fit_info_ = group | ({"pooled_series": len(pool)} if len(pool) > 1 else {})


def cumulative(data: MemberData, kind: str) -> MemberData:
    """Targets as the change from the last known price (log returns summed over the days
    ahead); other transforms as they are (see the module's docstring)."""
    if kind != "log_return":
        return data
    validation = data.validation
    if validation is not None:
        validation = (validation[0], np.cumsum(validation[1], axis=1))
    return MemberData(data.X, np.cumsum(data.y, axis=1), validation)


def chunks(pools: list[grouping.Pool]) -> list[grouping.Chunk]:
    """As many pools at once as fit in half the free memory: each member's weights (held
    four times: value, gradient, two optimizer moments), a guess of its activations, and
    its windows."""
    head = cast("DeepForecaster", pools[0][0].forecaster)
    channels = 1 + len(head.features) + ("weekday" in head.features)
    probe = head.network([0], channels)
    weights = sum(p.numel() for p in probe.parameters())
    batch = head.resolved()["batch_size"]
    activations = 64 * batch * head.window * channels + 8 * batch * probe.outputs
    rows = max(sum(len(job.y) for job in pool) for pool in pools)
    one = 4 * (4 * weights + activations + head.window * channels * rows)
    size = max(1, min(grouping.MAX_MEMBERS, grouping.available_memory() // 2 // one))
    return [pools[i : i + size] for i in range(0, len(pools), size)]
