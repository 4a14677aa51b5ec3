"""Ray: a real local Ray instance (2 CPUs); compare's fits and tuning trials as Ray tasks
give what the local run gives."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from seqcast.cluster import Cluster, connect
from seqcast.experiment import Experiment
from seqcast.models import registry
from seqcast.settings import Evaluation

from .conftest import TINY
from .test_tune import _data, _rescored, _tuning

pytestmark = pytest.mark.ray

ray = pytest.importorskip("ray", reason="Ray is a dev dependency; `make test` installs it")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    cluster = connect("local", cpus=2)
    yield cluster
    ray.shutdown()


def test_compare_on_ray_equals_the_local_run(cluster: Cluster, tmp_path: Path) -> None:
    data = _data(tmp_path)
    models = {
        "gru": registry.make("gru", TINY),
        "mlp": registry.make("mlp", TINY),
        "drift": registry.make("drift"),
    }
    experiment = Experiment(models, Evaluation(test_days=30), seeds=(0, 1))
    local, remote = experiment.run(data), experiment.run(data, cluster)
    assert list(remote.table.columns) == list(local.table.columns)
    numbers = local.table.columns.drop(["cutoff", "date"])
    assert remote.table[numbers].to_numpy() == pytest.approx(
        local.table[numbers].to_numpy(), abs=1e-6
    )


def test_tuning_on_ray_scores_trials_as_locally(cluster: Cluster, tmp_path: Path) -> None:
    data = _data(tmp_path)
    tuning = _tuning(tmp_path)
    tuned = tuning.run(data, tmp_path / "r", cluster, report=False)
    assert len(tuned.history) == tuning.trials
    for stored, again in _rescored(tuned, data, tuning):
        assert stored == pytest.approx(again, abs=1e-6)
