"""Ray, when one machine is not enough: `connect` to a cluster (or start a local instance),
then `Cluster.map` runs independent pieces of work (compare's model fits, tuning trials) as
Ray tasks. Ray is an optional extra: `pip install 'seqcast[ray]'`.

A cluster: `ray start --head` on one machine (it prints its address, e.g. 10.0.0.5:6379),
`ray start --address 10.0.0.5:6379` on the others (each with seqcast installed), then
`seqcast compare --ray 10.0.0.5:6379` or `seqcast tune ... --ray 10.0.0.5:6379` anywhere.

Retries: a task whose worker process or machine dies (killed, stopped by Ray's memory
monitor, a node lost) runs again from its inputs, up to RETRIES times. Every task is a pure
function of its inputs (data, settings, seeds), so the retry returns what the lost attempt
would have, and a panel does not lose a series to one dead worker. An exception the task
raises itself (bad input, a bug) is not retried: it would be raised again, only later.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, TypeVar

from seqcast.errors import SeqcastError

LOCAL = "local"  # `--ray` alone: a Ray instance on this machine, started for the command
RETRIES = 3  # runs of a task after its worker dies (Ray's own default for tasks)
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Cluster:
    """A connected Ray instance; each task takes `cpus` of its CPUs."""

    address: str
    cpus: int = 1

    def map(self, function: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """`[function(item) for item in items]`, each call a Ray task, results in order."""
        import ray

        return list(ray.get([self.submit(function, item) for item in items]))

    def submit(self, function: Callable[..., R], *args: Any) -> Any:
        """`function(*args)` as a task started now; `wait` (or `ray.get`) collects it."""
        import ray

        remote: Any = ray.remote(num_cpus=self.cpus, max_retries=RETRIES, retry_exceptions=False)(
            _with_threads
        )
        return remote.remote(function, args, self.cpus)

    def slots(self) -> int:
        """How many tasks run at once on the cluster's CPUs."""
        import ray

        return max(1, int(ray.cluster_resources().get("CPU", 1)) // self.cpus)


def pieces(items: list[T], count: int) -> list[list[T]]:
    """`items` cut in `count` consecutive pieces (fewer when there are fewer items) whose
    lengths differ by one at most; in order, so that joining them gives `items` back."""
    count = max(1, min(count, len(items)))
    size, longer = divmod(len(items), count)
    ends = [k * size + min(k, longer) for k in range(count + 1)]
    return [items[a:b] for a, b in pairwise(ends)]


def wait(futures: list[Any]) -> tuple[Any, Any]:
    """The first of `futures` to finish and its value."""
    import ray

    done, _ = ray.wait(futures, num_returns=1)
    return done[0], ray.get(done[0])


def connect(address: str, cpus: int | None = None) -> Cluster:
    """Ray at `address` (host:port of a running head, or `local` to start one here with
    `cpus` CPUs); refused in one line when Ray is missing or nothing answers."""
    try:
        import ray
    except ImportError:
        raise SeqcastError(
            "--ray needs Ray, an optional extra: pip install 'seqcast[ray]'"
        ) from None
    if ray.is_initialized():
        return Cluster(address)
    if address == LOCAL:
        ray.init(num_cpus=cpus, include_dashboard=False, logging_level=logging.ERROR)
    else:
        _reachable(address)
        try:
            ray.init(address=address, logging_level=logging.ERROR)
        except (ConnectionError, RuntimeError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise SeqcastError(f"--ray {address}: cannot join the Ray cluster ({reason})") from None
    return Cluster(address)


def _reachable(address: str) -> None:
    """Fail fast (Ray itself waits a minute) when nothing listens at host:port."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise SeqcastError(f"--ray {address}: give the head's HOST:PORT, e.g. 10.0.0.5:6379")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as exc:
        raise SeqcastError(
            f"--ray {address}: nothing answers there ({exc.strerror or exc});"
            " start the head with `ray start --head`, or give --ray alone for a local instance"
        ) from None


def _with_threads(function: Callable[..., R], args: tuple[Any, ...], threads: int) -> R:
    """Run in a Ray worker, set up as the CLI sets up its process, with PyTorch on the
    task's CPUs (Ray sets no torch threads)."""
    from seqcast import runtime

    runtime.prepare(threads=threads)
    return function(*args)
