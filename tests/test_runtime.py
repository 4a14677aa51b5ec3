"""Process-wide settings belong to the entry points: a library user's fit leaves the process
as it was, while the CLI and the workers still set it up (runtime.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from seqcast.models import kernels

# Run first in a child process: record what seqcast asks of the process. Every ctypes
# function lookup is noted (mallopt can only be reached that way from Python, and cannot
# be read back), and every function of seqcast.runtime is wrapped to note its calls;
# both are in place before anything else of seqcast is imported, so `from seqcast.runtime
# import ...` would get the wrappers too.
SPY = """
import ctypes, json, sys
looked_up = []
_getitem = ctypes.CDLL.__getitem__
def _spy(self, name):
    looked_up.append(name)
    return _getitem(self, name)
ctypes.CDLL.__getitem__ = _spy  # CDLL.__getattr__ goes through it

from seqcast import runtime
called = []
def _wrap(name, function):
    def wrapper(*args, **kwargs):
        called.append(name)
        return function(*args, **kwargs)
    return wrapper
for _name in ("prepare", "keep_freed_memory", "optuna_warnings_only", "fast_exit"):
    setattr(runtime, _name, _wrap(_name, getattr(runtime, _name)))
"""

# Then: everything process-wide a fit could change that can be read back.
SNAPSHOT = """
import atexit, logging, os, random, signal, warnings
import numpy as np, pandas as pd, torch
try:
    import optuna
except ImportError:
    optuna = None

def snapshot():
    loggers = ["", "optuna", "torch", *logging.root.manager.loggerDict]
    return {
        "torch threads": torch.get_num_threads(),
        "torch interop threads": torch.get_num_interop_threads(),
        "environment": dict(os.environ),
        "working directory": os.getcwd(),
        "logger levels": {name: logging.getLogger(name).level for name in loggers},
        "root handlers": len(logging.root.handlers),
        "optuna verbosity": optuna.logging.get_verbosity() if optuna else None,
        "warning filters": repr(warnings.filters),
        "signal handlers": [repr(signal.getsignal(s)) for s in (signal.SIGINT, signal.SIGTERM)],
        "atexit handlers": atexit._ncallbacks(),
        "recursion limit": sys.getrecursionlimit(),
        "numpy's global random state": repr(np.random.get_state()),
        "python's global random state": repr(random.getstate()),
        "torch's global random state": torch.get_rng_state().tolist(),
        "torch grad mode": torch.is_grad_enabled(),
        "torch default dtype": str(torch.get_default_dtype()),
        "numpy error handling": np.geterr(),
    }

def changes(before, after):
    return sorted(key for key in before if before[key] != after[key])
"""

FIT = """
from seqcast.models.base import FitJob, fit_all
from seqcast.models.neural import NeuralForecaster

rng = np.random.default_rng(0)
prices = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, 200)))
series = pd.Series(prices, index=pd.date_range("2020-01-01", periods=200, freq="D"))
settings = dict(layers="gru:4, dropout:0.2, dense:1", window=10, epochs=2, val_days=40,
                transform="log_return", loss="mae", patience=1, shrink=True)
before = snapshot()
model = NeuralForecaster(**settings).fit(series)
model.forecast(series, 3)
fit_all([FitJob(NeuralForecaster(**settings, seed=s), series.iloc[:-20]) for s in (0, 1)])
after = snapshot()
"""


def _child(*parts: str) -> dict:
    """What the child printed last: a JSON object."""
    code = "\n".join(parts)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=Path.cwd()
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.splitlines()[-1])


@pytest.mark.process
def test_a_library_fit_leaves_the_process_as_it_was() -> None:
    seen = _child(
        SPY,
        SNAPSHOT,
        FIT,
        'print(json.dumps({"changes": changes(before, after), "called": called,'
        ' "looked_up": looked_up}))',
    )
    assert seen["changes"] == []
    assert seen["called"] == []
    assert "mallopt" not in seen["looked_up"]


@pytest.mark.process
def test_the_checks_see_what_the_entry_points_change() -> None:
    """The same probes catch runtime.prepare (so the test above can fail), and a Ray task
    calls it."""
    seen = _child(
        SPY,
        SNAPSHOT,
        "before = snapshot()",
        "runtime.prepare(threads=torch.get_num_threads() + 1, quiet_optuna=optuna is not None)",
        "after = snapshot()",
        "prepared = (changes(before, after), called[:], 'mallopt' in looked_up)",
        "called.clear(); looked_up.clear()",
        "from seqcast.cluster import _with_threads",
        "threads = _with_threads(torch.get_num_threads, (), 1)",
        "from_ray = (called[:], 'mallopt' in looked_up, threads)",
        'print(json.dumps({"prepared": prepared, "ray": from_ray, "optuna": optuna is not None}))',
    )
    changed, called, mallopt = seen["prepared"]
    optuna = ["logger levels", "optuna verbosity"] if seen["optuna"] else []
    assert changed == sorted(["torch threads", *optuna])
    quieted = ["optuna_warnings_only"] if seen["optuna"] else []
    assert called == ["prepare", "keep_freed_memory", *quieted] and mallopt
    assert seen["ray"] == [["prepare", "keep_freed_memory"], True, 1]


@pytest.mark.process
def test_the_cli_sets_up_its_process() -> None:
    """The CLI keeps freed memory for reuse (the speed its training relies on)."""
    seen = _child(
        SPY,
        "from seqcast.cli import main",
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass",
        "print(json.dumps([called, 'mallopt' in looked_up]))",
    )
    assert seen == [["prepare", "keep_freed_memory"], True]


@pytest.mark.process
def test_the_fast_exit_still_runs_the_exit_handlers(tmp_path: Path) -> None:
    code = (
        "import atexit, torch\nfrom seqcast import runtime\n"
        "atexit.register(print, 'exit handler ran')\nprint('work done', flush=False)\n"
        "runtime.fast_exit(3)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 3
    assert proc.stdout.splitlines() == ["work done", "exit handler ran"]


def test_building_the_kernels_puts_ninja_on_path_for_the_build_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("ninja")
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without ninja
    assert shutil.which("ninja") is None
    with kernels._ninja_on_path():
        assert shutil.which("ninja") is not None  # what PyTorch's builder runs
    assert os.environ["PATH"] == str(tmp_path)
    with pytest.raises(RuntimeError), kernels._ninja_on_path():
        raise RuntimeError("the build failed")
    assert os.environ["PATH"] == str(tmp_path)
