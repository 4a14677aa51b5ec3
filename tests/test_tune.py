"""Tuning: folds before the test period only, durable and resumable studies, the same trial
scores from one worker, two workers or Ray tasks, and one-line refusals of bad input."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import numpy as np
import optuna
import pytest
from sqlalchemy.exc import SQLAlchemyError
from typer.testing import CliRunner

from seqcast.cli.app import app
from seqcast.cluster import connect
from seqcast.data.load import Loaded, read_prices
from seqcast.errors import SeqcastError
from seqcast.runs import load as load_run
from seqcast.settings import LoadOptions
from seqcast.tune.search import Folds, Search
from seqcast.tune.space import Dimension, parse_dimension, read_space
from seqcast.tune.tuning import Tuning

from .conftest import on_a_terminal, random_walk, write_yahoo_csv

runner = CliRunner()
FOLDS = Folds(count=2, days=20, test_days=30)
# a small space: two sampled settings, the rest fixed small
SPACE_TOML = """
epochs = 2
window = 10
val_days = 20
batch_size = 32
patience = 0
shrink = false
optimizer = ["adam", "rmsprop"]
[units]
low = 4
high = 8
"""


def _space(tmp_path: Path) -> Path:
    path = tmp_path / "space.toml"
    path.write_text(SPACE_TOML)
    return path


def _data(tmp_path: Path, name: str = "p.csv", future: float = 1.0) -> Loaded:
    """A 330-day walk; `future` scales its last 30 days (the test period)."""
    series = random_walk(330, seed=3)
    series.iloc[-FOLDS.test_days :] *= future
    return read_prices(write_yahoo_csv(series, tmp_path / name), LoadOptions())


def _tuning(tmp_path: Path, **kwargs) -> Tuning:
    space = read_space(_space(tmp_path), "gru")
    return Tuning("gru", trials=3, space=space, folds=FOLDS, seeds=(0,), **kwargs)


def _rescored(tuned, data: Loaded, tuning: Tuning) -> list[tuple[float, float]]:
    """Every trial's score beside the same settings scored again in this process."""
    search = Search(tuning.model, tuning.space or {}, tuning.folds, tuning.seed)
    study = optuna.load_study(study_name="gru", storage=f"sqlite:///{tuned.directory}/study.db")
    ends = tuning.folds.ends(len(data.series))
    return [
        (t.value, float(np.mean(search.score_folds(data, t.user_attrs["settings"], ends))))
        for t in study.trials
        if t.state == optuna.trial.TrialState.COMPLETE
    ]


@pytest.mark.slow
def test_the_test_period_never_moves_the_chosen_settings(tmp_path: Path) -> None:
    tuning = _tuning(tmp_path)
    one = tuning.run(_data(tmp_path), tmp_path / "a", report=False)
    other = tuning.run(_data(tmp_path, "q.csv", future=3.0), tmp_path / "b", report=False)
    assert one.settings == other.settings
    assert one.history.equals(other.history)  # every trial, every score
    # ...while the test run did read the changed days
    assert one.result.table["y"].iloc[-1] != other.result.table["y"].iloc[-1]
    assert {"best.toml", "history.csv", "history.png", "study.db", "test"} <= {
        p.name for p in one.directory.iterdir()
    }


@pytest.mark.slow
def test_best_toml_runs_and_compares(tmp_path: Path) -> None:
    data = _data(tmp_path)
    tuned = _tuning(tmp_path).run(data, tmp_path / "t", report=False)
    best = tuned.directory / "best.toml"
    csv = tmp_path / "p.csv"
    common = ["--data", str(csv), "--test-days", "30", "--no-report", "-q"]
    ran = runner.invoke(app, ["run", "--config", str(best), *common, "--runs-dir", str(tmp_path)])
    assert ran.exit_code == 0, ran.output
    out = tmp_path / "c"
    compared = runner.invoke(
        app, ["compare", "--models", f"naive,{best}", "--seeds", "1", *common, "--out", str(out)]
    )
    assert compared.exit_code == 0, compared.output
    # the same network as the tuning's test run
    again = load_run(out).summary().loc["best", "MAE"]
    assert again == pytest.approx(tuned.result.summary().loc["best", "MAE"], rel=1e-9)


@pytest.mark.process
def test_two_workers_score_trials_as_one_does(tmp_path: Path) -> None:
    data = _data(tmp_path)
    tuning = _tuning(tmp_path, jobs=2)
    tuning.trials = 4
    tuned = tuning.run(data, tmp_path / "j", report=False)
    assert len(tuned.history) == 4
    pairs = _rescored(tuned, data, tuning)
    assert len(pairs) == 4
    for stored, again in pairs:
        assert stored == pytest.approx(again, abs=1e-6)


@pytest.mark.process
def test_a_killed_study_resumes(tmp_path: Path) -> None:
    csv = write_yahoo_csv(random_walk(330, seed=3), tmp_path / "p.csv")
    space = tmp_path / "space.toml"
    space.write_text(SPACE_TOML.replace("epochs = 2", "epochs = 40"))  # trials of seconds
    out = tmp_path / "out"
    command = [sys.executable, "-m", "seqcast", "tune", "--data", str(csv), "--space", str(space)]
    command += ["--folds", "2", "--fold-days", "20", "--test-days", "30", "--trials", "3"]
    command += ["--seeds", "1", "--out", str(out), "--no-report", "-q"]
    worker = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    storage = f"sqlite:///{out}/study.db"
    states = optuna.trial.TrialState
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            time.sleep(0.2)
            seen = _states(out / "study.db")
            if "COMPLETE" in seen and seen[-1] == "RUNNING":
                break
        else:
            pytest.fail("the study never got a trial done and the next one started")
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    before = [(t.number, t.value) for t in _trials(storage) if t.state == states.COMPLETE]
    again = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert "cut short by an earlier run" in again.stderr
    trials = _trials(storage)
    assert [(t.number, t.value) for t in trials if t.number < len(before)] == before
    assert sum(t.state == states.COMPLETE for t in trials) == 3
    assert sum(t.state == states.FAIL for t in trials) == 1
    assert (out / "best.toml").is_file()


def _trials(storage: str) -> list:
    if not Path(storage.removeprefix("sqlite:///")).is_file():
        return []
    try:
        return optuna.load_study(study_name="gru", storage=storage).get_trials(deepcopy=False)
    except (KeyError, SQLAlchemyError):  # being created
        return []


def _states(database: Path) -> list[str]:
    """The study's trials' states in order, read without writing: Optuna's own loading may
    create tables, racing the command making the study."""
    try:
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=0.1)) as db:
            rows = db.execute("SELECT state FROM trials ORDER BY number").fetchall()
    except sqlite3.Error:  # not there yet, or being made
        return []
    return [state for (state,) in rows]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("layers", 3, "unknown search setting 'layers'"),
        ("units", {"low": 64, "high": 8}, "low (64) is above high (8)"),
        ("optimizer", {"low": 1, "high": 2}, "not a range"),
        ("units", {"low": 1}, "a range has low, high"),
        ("optimizer", ["adam", "lion"], "'lion' is not one of"),
        ("learning_rate", {"low": 0, "high": 1, "log": True}, "a log range needs low above 0"),
        ("window", [], "an empty list"),
    ],
)
def test_bad_space_entries_are_named(key: str, value, message: str) -> None:
    with pytest.raises(SeqcastError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_dimension("space.toml", key, value)


def test_a_space_entry_replaces_the_default(tmp_path: Path) -> None:
    space = read_space(_space(tmp_path), "gru")
    assert space["units"] == Dimension("units", 4, 8)
    assert space["epochs"].choices == (2,)
    assert space["dropout"].low == 0.0  # kept from the default space


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--space", "{bad}"], "unknown search setting 'layers'"),
        (["--storage", "sqlite:////no/such/dir/study.db"], "--storage sqlite:////no/such"),
        (["--ray", "127.0.0.1:9"], "--ray 127.0.0.1:9: nothing answers there"),
        (["--fold-days", "400"], "before the first fold"),
        (["--seeds", "0"], "--seeds"),
        (["--seeds", "-2"], "--seeds"),
    ],
)
def test_bad_input_is_one_line_and_writes_no_study(
    extra: list[str], message: str, tmp_path: Path
) -> None:
    csv = write_yahoo_csv(random_walk(330, seed=3), tmp_path / "p.csv")
    bad_space = tmp_path / "bad.toml"
    bad_space.write_text("layers = 3\n")
    extra = [str(bad_space) if e == "{bad}" else e for e in extra]
    out = tmp_path / "out"
    args = ["tune", "--data", str(csv), "--test-days", "30", "--fold-days", "20"]
    args += ["--out", str(out), *extra]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.output
    assert not (out / "study.db").exists()


def test_ray_missing_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails as if not installed
    with pytest.raises(SeqcastError, match=r"pip install 'seqcast\[ray\]'"):
        connect("local")


@pytest.mark.parametrize(
    ("model", "message"),
    [("foo", "unknown model 'foo'"), ("drift", "have no tuning space"), ("auto", "no tuning")],
)
def test_a_model_with_nothing_to_tune_is_refused_before_any_file(
    tmp_path: Path, model: str, message: str
) -> None:
    """The library refuses as the command does, even with a space of its own."""
    tuning = Tuning(model, trials=2, space=read_space(_space(tmp_path), "gru"), folds=FOLDS)
    with pytest.raises(SeqcastError, match=message):
        tuning.run(_data(tmp_path), tmp_path / "out", report=False)
    assert not (tmp_path / "out").exists()


def _tune_command(tmp_path: Path, *extra: str, epochs: int = 40) -> list[str]:
    """`seqcast tune` on a small file with trials of a few seconds each (40 epochs: long
    enough to be interrupted)."""
    csv = write_yahoo_csv(random_walk(330, seed=3), tmp_path / "p.csv")
    space = tmp_path / "space.toml"
    space.write_text(SPACE_TOML.replace("epochs = 2", f"epochs = {epochs}"))
    command = [sys.executable, "-m", "seqcast", "tune", "--data", str(csv), "--space", str(space)]
    command += ["--folds", "2", "--fold-days", "20", "--test-days", "30", "--seeds", "1"]
    return [*command, "--out", str(tmp_path / "out"), "--no-report", *extra]


@pytest.mark.process
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_is_one_line_and_the_study_resumes(tmp_path: Path, jobs: str) -> None:
    """Ctrl-C reaches the whole foreground process group: the command and its workers."""
    command = _tune_command(tmp_path, "--trials", "4", "--jobs", jobs)
    tuning = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, start_new_session=True)
    storage = f"sqlite:///{tmp_path / 'out'}/study.db"
    deadline = time.monotonic() + 300
    while "RUNNING" not in _states(tmp_path / "out" / "study.db"):
        if tuning.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"no trial ever ran: {tuning.communicate(timeout=60)[1]}")
        time.sleep(0.2)
    time.sleep(1.0)  # inside the training loop
    os.killpg(tuning.pid, signal.SIGINT)
    _, stderr = tuning.communicate(timeout=120)
    assert (tuning.returncode, stderr) == (130, "seqcast: interrupted\n")
    again = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, again.stderr
    finished = [t for t in _trials(storage) if t.state.is_finished() and t.state.name != "FAIL"]
    assert len(finished) == 4 and (tmp_path / "out" / "best.toml").is_file()


@pytest.mark.process
def test_tune_shows_live_progress_on_a_terminal_only(tmp_path: Path) -> None:
    command = _tune_command(tmp_path, "--trials", "3", epochs=2)
    text = on_a_terminal(command, columns=120, timeout=600)
    assert "trial" in text and "best so far" in text and "3/3" in text, text[-2000:]
    elsewhere = [str(tmp_path / "piped") if a == str(tmp_path / "out") else a for a in command]
    piped = subprocess.run(elsewhere, capture_output=True, text=True, timeout=600)
    assert piped.returncode == 0 and piped.stderr == ""  # not a terminal: no progress at all


def test_a_classical_family_is_tuned_through_its_own_space(tmp_path: Path) -> None:
    """Any family with a tuning space (here arima's) is tuned the same way; its best
    settings name the model, so best.toml runs as it is."""
    from seqcast.io import read_toml
    from seqcast.models import registry

    data = _data(tmp_path)
    tuned = Tuning("arima", trials=2, folds=Folds(2, 40, 30)).run(data, tmp_path / "t")
    best = read_toml(tmp_path / "t" / "best.toml")
    assert best["model"] == "arima" and set(best) - {"model"} <= set(registry.space("arima"))
    assert "arima" in type(registry.make(str(tmp_path / "t" / "best.toml"))).__name__.lower()
    assert tuned.result.summary(1).loc["best", "MAE"] > 0
