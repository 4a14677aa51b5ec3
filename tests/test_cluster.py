"""Ray past one machine: a panel's series spread over a real two-node Ray cluster give the
local run's forecasts and scores, and a worker killed mid-task costs a retry, not a series.

The cluster is ray.cluster_utils.Cluster: a head node and a second node (1 CPU each), each
its own raylet with its own worker processes, as `ray start --head` and `ray start
--address` make them; unlike `ray stop`, its shutdown ends only the processes it started
(other Ray instances on a shared machine are left alone).
"""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import pytest

from seqcast import cluster as ray_cluster
from seqcast.cluster import Cluster, connect, pieces
from seqcast.data.load import Loaded
from seqcast.evaluate.backtest import Walk
from seqcast.experiment import Experiment
from seqcast.models import registry
from seqcast.result import Panel
from seqcast.settings import Evaluation

from .conftest import TINY, random_walk, write_yahoo_csv

TASK = "ray::_with_threads"  # a worker's title while it runs one of seqcast's tasks


def test_pieces_keep_the_order_and_differ_by_one_at_most() -> None:
    assert pieces(list(range(7)), 3) == [[0, 1, 2], [3, 4], [5, 6]]
    assert pieces([1, 2], 5) == [[1], [2]]  # never an empty piece
    assert pieces([1, 2, 3], 1) == [[1, 2, 3]]
    for n in range(12):
        for count in range(1, 6):
            cut = pieces(list(range(n)), count)
            assert [x for piece in cut for x in piece] == list(range(n))
            assert max(map(len, cut)) - min(map(len, cut)) <= 1


class InProcess:
    """A cluster's shape, run here: records each task's series, per model column."""

    def __init__(self, slots: int):
        self.count = slots
        self.tasks: list[tuple[str, int]] = []  # (the walks' first column, series in it)

    def slots(self) -> int:
        return self.count

    def map(self, function: Callable[[list[Walk]], Any], items: list[list[Walk]]) -> list[Any]:
        self.tasks += [(walks[0].names[0], len(walks)) for walks in items]
        return [function(walks) for walks in items]


def test_each_models_series_are_cut_in_slots_a_pooled_models_kept_whole() -> None:
    series = [Loaded(random_walk(150, seed=k), "yahoo", name=f"s{k}") for k in range(3)]
    pooled = registry.make("gru", {**TINY, "pooled": True})
    experiment = Experiment({"drift": registry.make("drift"), "gru": pooled}, Evaluation(30))
    spread = InProcess(slots=2)
    remote = experiment.run_many(series, cast(Cluster, spread))
    assert spread.tasks == [("naive", 2), ("naive", 1), ("drift", 2), ("drift", 1), ("gru@0", 3)]
    local = experiment.run_many(series)
    assert remote.results["s2"].fitted["gru@0"].fit_info()["pooled_series"] == 3
    _same(local, remote)


def _panel() -> list[Loaded]:
    return [
        # prices near 100: 1e-6 is then finer than a float32 network's last bit needs
        Loaded(random_walk(200, seed=k), "yahoo", source=f"s{k}.csv", name=f"s{k}")
        for k in range(2)
    ]


def _experiment() -> Experiment:
    models = {
        "drift": registry.make("drift"),
        "gru": registry.make("gru", {**TINY, "epochs": 30}),  # long enough to be killed
    }
    evaluation = Evaluation(test_days=30, levels=(80, 95), calibration_days=60)
    return Experiment(models, evaluation, seeds=(0,))


@pytest.fixture(scope="module")
def local() -> Panel:
    return _experiment().run_many(_panel())


@pytest.fixture(scope="module")
def two_nodes() -> Iterator[tuple[Cluster, list[int]]]:
    """A head and a worker node; the pids of their raylets (every worker is a child)."""
    ray = pytest.importorskip("ray", reason="Ray is a dev dependency; `make test` installs it")
    from ray.cluster_utils import Cluster as LocalCluster

    nodes = LocalCluster(initialize_head=True, head_node_args={"num_cpus": 1})
    nodes.add_node(num_cpus=1)
    try:
        connected = connect(nodes.address)
        raylets = [
            node.all_processes["raylet"][0].process.pid
            for node in [nodes.head_node, *nodes.worker_nodes]
        ]
        yield connected, raylets
    finally:
        ray.shutdown()
        nodes.shutdown()


def _same(local: Panel, remote: Panel) -> None:
    """Every forecast, interval bound and score within 1e-6."""
    assert list(remote.results) == list(local.results)
    for name, mine in local.results.items():
        theirs = remote.results[name]
        for table in ("table", "scores"):
            a, b = getattr(mine, table), getattr(theirs, table)
            assert list(b.columns) == list(a.columns)
            numbers = [c for c in a.select_dtypes("number").columns if a[c].notna().any()]
            assert len(numbers) > 3
            np.testing.assert_allclose(
                b[numbers].to_numpy(float), a[numbers].to_numpy(float), atol=1e-6, rtol=0
            )
    pd.testing.assert_frame_equal(remote.summary(), local.summary(), atol=1e-6, rtol=0)


@pytest.mark.ray
def test_a_panel_over_two_nodes_survives_a_killed_worker_and_equals_the_local_run(
    two_nodes: tuple[Cluster, list[int]], local: Panel
) -> None:
    cluster, raylets = two_nodes
    assert cluster.slots() == 2
    with Killer(raylets) as killer:
        remote = _experiment().run_many(_panel(), cluster)
    assert killer.killed is not None  # a worker died while running a task...
    _same(local, remote)  # ...and every series still has its results, the local run's
    assert killer.nodes == set(raylets)  # the series' tasks ran on both nodes


@pytest.mark.ray
def test_without_retries_the_same_kill_loses_the_task(
    two_nodes: tuple[Cluster, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check above can fail: the kill lands mid-task, and only the retry saves it."""
    from ray.exceptions import RayError

    monkeypatch.setattr(ray_cluster, "RETRIES", 0)
    cluster, raylets = two_nodes
    for _ in range(3):  # a kill can land just as a short task ends: then nothing is lost
        with Killer(raylets) as killer:
            try:
                _experiment().run_many(_panel(), cluster)
            except RayError as error:
                assert re.search(r"(?i)worker|died|crash", str(error)), error
                return
        assert killer.killed is not None
    pytest.fail("three workers killed mid-task without retries, and no task was lost")


@pytest.mark.ray
def test_compare_of_a_folder_with_ray_address_equals_it_without(
    two_nodes: tuple[Cluster, list[int]], tmp_path: Path
) -> None:
    """The command as users run it: `compare --data DIR --ray HOST:PORT`."""
    from typer.testing import CliRunner

    from seqcast.cli.app import app

    folder = tmp_path / "prices"
    folder.mkdir()
    for k in range(3):
        write_yahoo_csv(random_walk(200, seed=k), folder / f"S{k}.csv")

    def summary(*ray: str) -> pd.DataFrame:
        args = ["compare", "--data", folder, "--models", "naive,drift", "--test-days", "30"]
        args += ["--json", "--no-report", "--out", tmp_path / f"run{len(ray)}", *ray]
        done = CliRunner().invoke(app, [str(a) for a in args])
        assert done.exit_code == 0, done.output
        return pd.DataFrame(json.loads(done.stdout)["pooled"])

    local, remote = summary(), summary("--ray", two_nodes[0].address)
    assert set(local["model"]) == {"naive", "drift"}
    pd.testing.assert_frame_equal(remote, local, atol=1e-6, rtol=0)


class Killer(threading.Thread):
    """Watches the cluster's workers while a job runs: which nodes ran tasks, and SIGKILLs
    the first worker seen running a task for `after` seconds, once."""

    def __init__(self, raylets: list[int], after: float = 0.1):
        super().__init__(daemon=True)
        self.raylets, self.after = set(raylets), after
        self.nodes: set[int] = set()
        self.killed: int | None = None
        self.stop = threading.Event()

    def __enter__(self) -> Killer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.join()

    def run(self) -> None:
        seen: dict[int, float] = {}
        while not self.stop.wait(0.02):
            for pid, raylet in _running_tasks(self.raylets).items():
                self.nodes.add(raylet)
                first = seen.setdefault(pid, time.monotonic())
                if self.killed is None and time.monotonic() - first >= self.after:
                    os.kill(pid, signal.SIGKILL)
                    self.killed = pid


def _running_tasks(raylets: set[int]) -> dict[int, int]:
    """pid -> its raylet, for the workers of `raylets` running a seqcast task now."""
    running = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().split(b"\0")[0].decode()
            parent = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        if title.startswith(TASK) and parent in raylets:
            running[int(entry.name)] = parent
    return running
