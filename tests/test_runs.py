"""Runs on disk: saved atomically, strict JSON, loaded back (old runs too), damage refused."""

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seqcast import runs
from seqcast.data.load import read_prices
from seqcast.errors import Note, SeqcastError
from seqcast.evaluate.stage import replay
from seqcast.experiment import Experiment
from seqcast.models import registry
from seqcast.settings import Evaluation

from .conftest import write_yahoo_csv

FIXTURES = Path(__file__).parent / "fixtures"
RUN_FILES = {
    "config.json",
    "forecasts.csv",
    "scores.csv",
    "results.json",
    "models",
    "report.html",
    "cross_validation.csv",
    "cross_validation.parquet",  # pyarrow is in the dev extras
}


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory):
    from .conftest import random_walk

    folder = tmp_path_factory.mktemp("runs")
    data = write_yahoo_csv(random_walk(), folder / "prices.csv")
    models = {
        "gru": registry.make("gru", {"window": 10, "epochs": 2, "val_days": 30, "patience": 1}),
        "ma:3": registry.make("ma:3"),
    }
    result = Experiment(models, Evaluation(test_days=30), seeds=(0, 1)).run(read_prices(data))
    return result, runs.save(result, folder / "r1")


def test_a_saved_run_reloads_and_replays_to_identical_forecasts(saved) -> None:
    result, directory = saved
    assert {p.name for p in directory.iterdir()} == RUN_FILES
    assert {p.name for p in (directory / "models").iterdir()} == {
        "naive.json",
        "ma_3.json",
        "gru@0.json",
        "gru@0.safetensors",
        "gru@1.json",
        "gru@1.safetensors",
    }
    loaded = runs.load(directory)
    pd.testing.assert_frame_equal(loaded.table, result.table)
    pd.testing.assert_frame_equal(loaded.scores, result.scores)
    replayed = runs.replay(directory)  # fit once: the saved models give the same forecasts
    pd.testing.assert_frame_equal(replayed.table, result.table)
    pd.testing.assert_frame_equal(replayed.next_days, result.next_days)


def test_every_json_file_is_strict_json(saved) -> None:
    _, directory = saved

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    files = [*directory.glob("*.json"), *(directory / "models").glob("*.json")]
    for path in files:
        json.loads(path.read_text(), parse_constant=refuse)
    results = json.loads((directory / "results.json").read_text())
    naive = next(row for row in results["summary"] if row["model"] == "naive")
    assert naive["DA%"] is None  # naive never moves: no directional accuracy, said as null


def test_a_run_of_seqcast_0_1_0_still_loads_and_forecasts() -> None:
    """The fixture was written by seqcast 0.1.0: its next-day forecast was 69.93612061292016
    and its MAE 8.501952947920689 on the same file."""
    directory, data = FIXTURES / "run-0.1.0", FIXTURES / "run-0.1.0-prices.csv"
    old = runs.load(directory)
    assert old.settings["format"] == 1 and list(old.columns) == ["naive", "custom"]
    replayed = runs.replay(directory, data)
    assert replayed.next_days["custom"].iloc[0] == pytest.approx(69.93612061292016, rel=1e-12)
    mae = replayed.summary().loc["custom", "MAE"]
    assert mae == pytest.approx(8.501952947920689, rel=1e-12)
    pd.testing.assert_series_equal(
        old.table["custom"], replayed.table["custom"], check_exact=False, atol=1e-6
    )


def test_rerun_replaces_a_run_but_never_a_user_directory(saved, tmp_path: Path) -> None:
    result, _ = saved
    runs.save(result, tmp_path / "run")
    runs.save(result, tmp_path / "run")  # replacing an earlier run is fine
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(SeqcastError, match="exists and is not a seqcast run"):
        runs.save(result, tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_a_run_of_an_unknown_format_names_the_version(saved, tmp_path: Path) -> None:
    _, directory = saved
    copy = shutil.copytree(directory, tmp_path / "future")
    config = json.loads((copy / "config.json").read_text())
    (copy / "config.json").write_text(json.dumps({**config, "format": 9, "seqcast": "9.0"}))
    with pytest.raises(SeqcastError, match=r"written by seqcast 9\.0 in run format 9"):
        runs.load(copy)


def test_weights_that_do_not_match_the_layers_are_named(saved, tmp_path: Path) -> None:
    _, directory = saved
    copy = shutil.copytree(directory, tmp_path / "edited")
    meta_path = copy / "models" / "gru@0.json"
    meta = json.loads(meta_path.read_text())
    meta["layers"] = "gru:65, dropout:0.2, dense:1"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(SeqcastError, match=r"gru@0.json: the weights do not match the layers"):
        runs.load(copy)


@pytest.mark.slow
def test_flipped_bytes_give_a_clear_error_or_a_correct_load(saved, tmp_path: Path) -> None:
    """Any damage to any file of a saved run: seqcast's own one-line error, or a run that
    loads and forecasts (a flipped digit in a weight is still a model)."""
    _, directory = saved
    series = runs.read_run_data(runs.load(directory)).series
    rng = np.random.default_rng(0)
    files = sorted(p.relative_to(directory) for p in directory.rglob("*") if p.is_file())
    outcomes = {"error": 0, "loaded": 0}
    for trial in range(120):
        name = files[trial % len(files)]
        copy = shutil.copytree(directory, tmp_path / f"t{trial}")
        data = bytearray((copy / name).read_bytes())
        for position in rng.integers(0, len(data), size=rng.integers(1, 4)):
            data[position] ^= 1 << int(rng.integers(0, 8))
        (copy / name).write_bytes(bytes(data))
        try:
            replay(runs.load(copy), series)
            outcomes["loaded"] += 1
        except SeqcastError as exc:
            assert "\n" not in str(exc)
            outcomes["error"] += 1
        shutil.rmtree(copy)
    assert outcomes["error"] > 10 and outcomes["loaded"] > 10  # both outcomes were exercised


def test_truncated_weights_are_named(saved, tmp_path: Path) -> None:
    _, directory = saved
    copy = shutil.copytree(directory, tmp_path / "cut")
    weights = copy / "models" / "gru@1.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(SeqcastError, match=r"gru@1.safetensors: damaged weights"):
        runs.load(copy)


def test_a_flipped_byte_in_the_weights_is_caught_by_their_digest(saved, tmp_path: Path) -> None:
    _, directory = saved
    copy = tmp_path / "copy"
    shutil.copytree(directory, copy)
    weights = copy / "models" / "gru@0.safetensors"
    data = bytearray(weights.read_bytes())
    data[-3] ^= 0x01  # inside the data section: the header still parses
    weights.write_bytes(bytes(data))
    with pytest.raises(SeqcastError, match=r"gru@0\.safetensors: the weights differ"):
        runs.load(copy)


def test_the_run_finds_its_data_by_absolute_path_and_says_when_it_changed(
    saved, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, directory = saved
    monkeypatch.chdir(tmp_path)  # another directory: the stored path is absolute
    result = runs.load(directory)
    assert Path(result.settings["data"]["file"]).is_absolute()
    runs.read_run_data(result)
    copy = tmp_path / "copy"
    shutil.copytree(directory, copy)
    moved = tmp_path / "moved.csv"
    original = Path(result.settings["data"]["file"])
    config = json.loads((copy / "config.json").read_text())
    config["data"]["file"] = str(tmp_path / "gone.csv")
    (copy / "config.json").write_text(json.dumps(config))
    with pytest.raises(SeqcastError, match=r"gone\.csv: the run's data file is gone"):
        runs.read_run_data(runs.load(copy))
    lines = original.read_text().splitlines()
    moved.write_text("\n".join([*lines[:-1], lines[-1].replace(".", "9", 1)]) + "\n")
    config["data"]["file"] = str(moved)
    (copy / "config.json").write_text(json.dumps(config))
    with pytest.warns(Note, match="changed since the run"):
        runs.read_run_data(runs.load(copy))


def test_a_reloaded_run_reads_every_saved_number_back_to_the_bit(saved) -> None:
    """forecasts.csv and scores.csv hold every float in full (%.17g): read back, they are the
    same floats, not the nearest ones pandas' fast parser finds."""
    result, directory = saved
    loaded = runs.load(directory)
    pd.testing.assert_frame_equal(loaded.table, result.table, check_exact=True)
    pd.testing.assert_frame_equal(loaded.scores, result.scores, check_exact=True)


@pytest.fixture(scope="module")
def with_levels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from .conftest import random_walk

    folder = tmp_path_factory.mktemp("levels")
    data = write_yahoo_csv(random_walk(n=200), folder / "prices.csv")
    evaluation = Evaluation(test_days=30, levels=(80.0,), calibration_days=60)
    result = Experiment({"drift": registry.make("drift")}, evaluation).run(read_prices(data))
    return runs.save(result, folder / "run", report=False)


@pytest.mark.parametrize(
    ("name", "column"),
    [
        ("forecasts.csv", "drift"),
        ("forecasts.csv", "drift-lo-80"),
        ("forecasts.csv", "y"),
        ("calibration.csv", "naive"),
    ],
)
def test_a_word_in_a_saved_table_is_named_by_file_line_and_column(
    with_levels: Path, tmp_path: Path, name: str, column: str
) -> None:
    copy = shutil.copytree(with_levels, tmp_path / "edited")
    table = pd.read_csv(copy / name, dtype=str, keep_default_na=False)
    table.loc[4, column] = "12,5"  # a spreadsheet's decimal comma: a word, not a number
    table.to_csv(copy / name, index=False)
    message = rf"{name}: damaged \(line 6, column {column}: '12,5' is not a number\)"
    with pytest.raises(SeqcastError, match=message):
        runs.load(copy)
