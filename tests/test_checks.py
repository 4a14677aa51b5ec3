"""Every registered family passes the public contract suite (`check_forecaster`), and a
plug-in family declared by a Python entry point works in run, compare, saved runs and the
report with no change to seqcast."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from seqcast.models import registry
from seqcast.models.base import Forecaster
from seqcast.models.checks import check_forecaster, check_no_lookahead

from .conftest import TINY

# One small example per name pattern of every built-in family (a new family adds its own).
EXAMPLES = {
    "naive": {},
    "drift": {},
    "ma:5": {},
    "snaive:7": {},
    "gru": {**TINY, "layers": "gru:4, dense:1"},
    "mlp": {**TINY, "layers": "dense:4:relu, dense:1"},
    "gru*2": {**TINY, "layers": "gru:4, dense:1"},
    "dlinear": {**TINY, "kernel": 5},
    "dlinear*2": {**TINY, "kernel": 5, "dropout": 0.1},
    "arima": {},
    "ets": {},
    "theta": {},
    "boost": {"n_estimators": 20, "num_threads": 1},
    "auto": {},
}


def test_every_builtin_family_has_an_example() -> None:
    covered = {registry.family_of(name).name for name in EXAMPLES}
    assert covered == {family.name for family in registry.BUILTIN}


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_every_family_keeps_the_contract(name: str) -> None:
    check_forecaster(registry.make(name, EXAMPLES[name]))


class _Peeks(Forecaster):
    """A forecaster that reads the value at its origin: the checks must catch it."""

    def paths(self, values, positions, horizon, features):  # type: ignore[no-untyped-def]
        return np.repeat(values[np.minimum(positions, len(values) - 1), None], horizon, axis=1)


def test_the_checks_can_fail() -> None:
    from tests.test_checks import _Peeks as peeks  # a class the registry cannot restore

    with pytest.raises(AssertionError, match="moved when a later value changed"):
        check_no_lookahead(peeks(), _series())


def _series():  # type: ignore[no-untyped-def]
    from seqcast.models.checks import _random_walk

    return _random_walk(120)


PLUGIN = '''
"""A plug-in family: tomorrow = the mean of today and yesterday."""
import numpy as np
from seqcast.models.base import Forecaster
from seqcast.models.registry import Family

class HalfForecaster(Forecaster):
    def min_history(self):
        return 2

    def paths(self, values, positions, horizon, features):
        mean = (values[positions - 1] + values[positions - 2]) / 2
        return np.repeat(mean[:, None], horizon, axis=1)

def build(name, settings):
    return HalfForecaster()

FAMILY = Family("half", "half_family", r"half", "half", ("HalfForecaster",))
'''


@pytest.mark.process
def test_a_plugin_family_works_everywhere_with_no_change(tmp_path: Path, price_csv: Path) -> None:
    """A package that declares an entry point in the group `seqcast.models`."""
    site = tmp_path / "site"
    (site / "half_family.py").parent.mkdir(parents=True)
    (site / "half_family.py").write_text(PLUGIN)
    info = site / "half_family-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: half-family\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[seqcast.models]\nhalf = half_family:FAMILY\n")
    out = tmp_path / "cmp"
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(site)!r})
        from seqcast.cli.app import main
        main(["compare", "--data", {str(price_csv)!r}, "--models", "naive,drift,half",
              "--test-days", "30", "--out", {str(out)!r}, "-q", "--json"])
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    summary = {row["model"] for row in json.loads(done.stdout)["summary"]}
    assert summary == {"naive", "drift", "half"}
    assert (out / "report.html").stat().st_size > 0 and (out / "models" / "half.json").is_file()
    reload = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(site)!r})
        from seqcast import runs
        result = runs.load({str(out)!r})
        print(type(result.fitted["half"]).__name__, result.summary().loc["half", "MAE"])
    """)
    again = subprocess.run([sys.executable, "-c", reload], capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    name, mae = again.stdout.split()
    assert name == "HalfForecaster" and float(mae) == pytest.approx(
        next(r["MAE"] for r in json.loads(done.stdout)["summary"] if r["model"] == "half")
    )
