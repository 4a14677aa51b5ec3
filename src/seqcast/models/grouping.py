"""Which neural fits train together, and how many at once: the grouping planner.

Fits that differ only in seed and history (seeds, refits, series, folds) train as the
members of one grouped network; a model pooled over several series trains one member on
all of them. A group is cut into chunks that keep each activation buffer below glibc's
fresh-page threshold and the whole chunk within half the free memory.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, cast

from seqcast.models.base import FitJob
from seqcast.models.spec import check_fits_in_memory, footprint, format_layers, resolve_layers

if TYPE_CHECKING:
    from seqcast.models.neural import NeuralForecaster

Pool = list[FitJob]  # the jobs one network member learns from: one, or a pooled model's series
Chunk = list[Pool]  # the members of one grouped network

# glibc serves allocations above 32 MiB with fresh pages from the system, and faults them in
# again on every training step: a 13-member LSTM(64) group took 7.4-8.9 ms per member-step
# against 5.0-5.5 ms for groups of 2-8 (measured). Groups keep each buffer below it.
FRESH_PAGES_ABOVE = 32 * 2**20
MAX_MEMBERS = 64


def plan(
    members: list[FitJob], chunker: Callable[[list[Pool]], list[Chunk]] | None = None
) -> Iterator[Chunk]:
    """The chunks to train one after another (each planned when the one before is done,
    on the memory free then). A member job is one network: a forecaster, or one member of
    an ensemble; a pooled model's member jobs of one seed and refit (one per series) share
    one network. `chunker` cuts a group (a family's own; the layer lists' by default)."""
    pools: dict[tuple[tuple, tuple], Pool] = {}
    for member in members:
        forecaster = _neural(member)
        shared = (forecaster.seed, member.refit) if forecaster.pooled else (id(member),)
        pools.setdefault((forecaster.group_key(), shared), []).append(member)
    groups: dict[tuple, list[Pool]] = {}
    for (settings, _), pool in pools.items():
        groups.setdefault(settings, []).append(pool)
    for group in groups.values():
        yield from (chunker or chunks)(group)


def chunks(pools: list[Pool]) -> list[Chunk]:
    """Consecutive pools of one group to train at once: as many as keep each activation
    buffer under glibc's fresh-page threshold and the whole chunk within half the free
    memory."""
    head = _neural(pools[0][0])
    layers = resolve_layers(head.model, head.layers, head.outputs())
    channels = 1 + len(head.features) + ("weekday" in head.features)
    one = footprint(layers, head.window, channels, head.batch_size, 1)
    check_fits_in_memory(layers, one, available_memory(), f"'{format_layers(layers)}'")
    rows = max(sum(len(job.y) for job in pool) for pool in pools)
    windows = 4 * head.window * channels * rows
    by_memory = available_memory() // 2 // (one.total_bytes + windows)
    by_buffer = FRESH_PAGES_ABOVE // max(one.largest_buffer, 1)
    size = max(1, min(MAX_MEMBERS, by_memory, by_buffer))
    return [pools[i : i + size] for i in range(0, len(pools), size)]


def available_memory() -> int:
    """Bytes the system can still hand out (MemAvailable on Linux; physical size elsewhere)."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def _neural(job: FitJob) -> NeuralForecaster:
    # the planner sees networks' jobs only (a direct deep forecaster has the same seed,
    # pooled and group_key)
    return cast("NeuralForecaster", job.forecaster)
