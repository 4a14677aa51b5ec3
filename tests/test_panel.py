"""A watch-list's one answer (evaluate/panel.py): each series' scores side by side, the
Diebold-Mariano p adjusted over the series (Holm, and Benjamini-Hochberg beside it), the
model confidence set and auto's choices per series; saved beside the series and read back;
and the backtest in Nixtla's cross-validation layout in every run directory."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from seqcast import runs
from seqcast.cli.app import app
from seqcast.data.load import Loaded
from seqcast.errors import SeqcastError
from seqcast.evaluate.significance import benjamini_hochberg, holm
from seqcast.experiment import Experiment
from seqcast.models import registry
from seqcast.result import Panel
from seqcast.settings import Evaluation

from .conftest import PANEL, random_walk, write_yahoo_csv

runner = CliRunner()


def _trend(n: int = 240, seed: int = 0) -> pd.Series:
    """A steady climb with little noise: drift beats naive on it beyond doubt."""
    rng = np.random.default_rng(seed)
    prices = 100 + 0.5 * np.arange(n) + rng.normal(0, 0.05, n)
    return pd.Series(prices, index=pd.date_range("2020-01-01", periods=n, name="date"))


def _data() -> list[Loaded]:
    walks = [Loaded(random_walk(seed=s) * (1 + s), "yahoo", source=f"w{s}.csv", name=f"w{s}")
             for s in range(3)]  # fmt: skip
    return [Loaded(_trend(), "yahoo", source="up.csv", name="up"), *walks]


@pytest.fixture(scope="module")
def panel() -> Panel:
    models = {m: registry.make(m) for m in ("drift", "ma:3", "auto")}
    return Experiment(models, Evaluation(test_days=40)).run_many(_data())


def test_the_overview_holds_each_series_scores_and_its_p_adjusted_over_the_series(
    panel: Panel,
) -> None:
    overview = panel.overview[panel.overview["h"] == 1]
    assert set(overview["series"]) == {"up", "w0", "w1", "w2"}
    for model in ("drift", "ma:3"):
        mine = overview[overview["model"] == model].set_index("series")
        own = {s: r.summary(1).loc[model] for s, r in panel.results.items()}
        raw = np.array([own[s]["DM p"] for s in mine.index])
        np.testing.assert_array_equal(mine["DM p"], raw)  # each series' own test
        np.testing.assert_array_equal(mine["MAE/naive"], [own[s]["MAE/naive"] for s in mine.index])
        np.testing.assert_array_equal(mine["series Holm p"], holm(raw))
        np.testing.assert_array_equal(mine["series BH p"], benjamini_hochberg(raw))
        ratio = mine["MAE/naive"].to_numpy()
        adjusted = holm(raw)
        assert list(mine["better"]) == list((ratio < 1) & (adjusted < 0.05))
        assert list(mine["worse"]) == list((ratio > 1) & (adjusted < 0.05))
    drift = overview[overview["model"] == "drift"].set_index("series")
    assert drift.loc["up", "better"] and drift.loc["up", "series Holm p"] < 1e-6
    assert not drift.loc[["w0", "w1", "w2"], "better"].any()  # random walks: no edge


def test_the_summary_counts_what_the_overview_says(panel: Panel) -> None:
    summary = panel.summary(1)
    drift = panel.overview[(panel.overview["model"] == "drift") & (panel.overview["h"] == 1)]
    row = summary.loc["drift"]
    assert row["series"] == 4
    assert row["median MAE/naive"] == pytest.approx(np.median(drift["MAE/naive"]))
    assert row["share ≤ 1"] == pytest.approx(np.mean(drift["MAE/naive"] <= 1))
    assert row["better"] == drift["better"].sum() >= 1
    assert row["worse"] == drift["worse"].sum()
    assert row["better BH"] >= row["better"]  # BH's promise is weaker: it finds no fewer
    assert row["in MCS"] == drift["MCS"].sum()
    assert list(summary["median MAE/naive"]) == sorted(summary["median MAE/naive"])


def test_each_series_mcs_and_auto_choice_are_its_results(panel: Panel) -> None:
    overview = panel.overview[panel.overview["h"] == 1]
    for name, result in panel.results.items():
        mine = overview[overview["series"] == name].set_index("model")
        members = set(result.confidence_sets[1])
        assert {m for m in mine.index if mine.loc[m, "MCS"]} == members
        assert mine.loc["auto", "chose"] == result.settings["selections"]["auto"]["summary"]
        assert mine["chose"].drop("auto").isna().all()
    up = overview[overview["series"] == "up"].set_index("model")
    assert not up.loc["naive", "MCS"] and up.loc["drift", "MCS"]  # naive is beaten there


def test_the_terminal_marks_the_series_a_model_significantly_beats_naive_on(
    panel: Panel,
) -> None:
    from rich.console import Console

    from seqcast.report.tables import show_panel

    console = Console(width=200, record=True)
    for line in show_panel(panel, console):
        console.print(line)
    text = console.export_text()
    column = 1 + _shown_models(panel).index("drift")  # after the series' name

    def drift_cell(series: str) -> str:
        row = next(line for line in text.splitlines() if line.startswith(f"│ {series} "))
        return [cell.strip() for cell in row.split("│")[1:-1]][column]

    assert drift_cell("up").endswith("▲")
    assert all("▲" not in drift_cell(name) for name in ("w0", "w1", "w2"))


def _shown_models(panel: Panel) -> list[str]:
    return [m for m in panel.summary(1).index if m != "naive" and "/" not in m]


def test_a_saved_panel_loads_back_as_it_was(panel: Panel, tmp_path: Path) -> None:
    directory = runs.save(panel, tmp_path / "panel", report=False)
    loaded = runs.load_panel(directory)
    assert list(loaded.results) == list(panel.results)
    pd.testing.assert_frame_equal(
        loaded.overview.fillna({"chose": "-"}), panel.overview.fillna({"chose": "-"})
    )
    pd.testing.assert_frame_equal(loaded.summary(1), panel.summary(1))
    saved = json.loads((directory / "results.json").read_text())  # strict JSON
    assert len(saved["overview"]) == len(panel.overview)
    assert {row["MCS"] for row in saved["overview"]} <= {True, False}


def test_report_again_makes_the_same_page_from_the_series_files(
    panel: Panel, tmp_path: Path
) -> None:
    """The page over the series (sets, choices, small charts) is made again from each
    series' own files, to the byte: no summary file and no refit needed."""
    directory = runs.save(panel, tmp_path / "panel")
    made = (directory / "report.html").read_bytes()
    for name in ("report.html", "results.json", "overview.csv", "summary.csv"):
        (directory / name).unlink()
    page, problems = runs.write_report(directory)
    assert problems == [] and page.read_bytes() == made
    assert "naive on " in made.decode() and "▲" in made.decode()  # choices and marks shown


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("series,model\nw0,drift\n", "overview.csv: damaged"),
        (
            "series,model,h,better,worse,better BH,worse BH,MCS\nw0,drift,1,yes,no,no,no,\n",
            "column better holds more than True and False",
        ),
        (None, "overview.csv: missing"),
    ],
)
def test_a_damaged_overview_is_one_line_naming_it(
    panel: Panel, tmp_path: Path, content: str | None, said: str
) -> None:
    directory = runs.save(panel, tmp_path / "panel", report=False)
    if content is None:
        (directory / "overview.csv").unlink()
    else:
        (directory / "overview.csv").write_text(content)
    with pytest.raises(SeqcastError, match=said) as raised:
        runs.load_panel(directory)
    assert "\n" not in str(raised.value)
    with pytest.raises(SeqcastError, match="not a run over several series"):
        runs.load_panel(directory / "series" / "up")


def _mae_by_hand(frame: pd.DataFrame, column: str) -> float:
    return float((frame["y"] - frame[column]).abs().mean())


def test_cross_validation_files_reproduce_the_scores_and_never_look_ahead(
    panel: Panel, tmp_path: Path
) -> None:
    directory = runs.save(panel, tmp_path / "panel", report=False)
    stacked = pd.read_csv(directory / "cross_validation.csv", parse_dates=["ds", "cutoff"])
    assert list(stacked.columns[:5]) == ["unique_id", "ds", "cutoff", "h", "y"]
    assert list(stacked["unique_id"].unique()) == list(panel.results)
    assert (stacked["cutoff"] < stacked["ds"]).all()
    for name, folder in json.loads((directory / "config.json").read_text())["panel"].items():
        own = pd.read_csv(directory / "series" / folder / "cross_validation.csv")
        scores = pd.read_csv(directory / "series" / folder / "scores.csv")
        rows = stacked[stacked["unique_id"] == name]
        assert len(own) == len(rows)
        series = panel.results[name].table
        for column in panel.results[name].runs:
            expected = scores[(scores["column"] == column) & (scores["h"] == 1)]["MAE"].item()
            assert _mae_by_hand(own, column) == pytest.approx(expected, rel=1e-12)
            assert _mae_by_hand(rows, column) == pytest.approx(expected, rel=1e-12)
        # the cutoff is the day before the target: the last price the forecast saw
        dates = pd.DatetimeIndex(sorted(set(series["cutoff"]) | set(series["date"])))
        before = dates[dates.searchsorted(rows["ds"]) - rows["h"].to_numpy()]
        assert (before == pd.DatetimeIndex(rows["cutoff"])).all()


def test_utilsforecast_scores_the_file_as_seqcast_does(tmp_path: Path) -> None:
    """utilsforecast (StatsForecast's, so in the dev extras) reads the file as it is."""
    from utilsforecast.evaluation import evaluate
    from utilsforecast.losses import mae

    data = Loaded(random_walk(500), "yahoo", source="ACME.csv", name="ACME")
    models = {m: registry.make(m) for m in ("drift", "ma:3")}
    evaluation = Evaluation(test_days=30, horizon=3, levels=(80.0,))
    result = Experiment(models, evaluation).run(data)
    directory = runs.save(result, tmp_path / "run", report=False)
    frame = pd.read_parquet(directory / "cross_validation.parquet")
    text = pd.read_csv(
        directory / "cross_validation.csv",
        parse_dates=["ds", "cutoff"],
        float_precision="round_trip",
    )
    pd.testing.assert_frame_equal(frame, text)  # the same table, to the bit
    assert {"drift-lo-80", "drift-hi-80"} <= set(frame.columns)
    assert (frame["cutoff"] < frame["ds"]).all() and set(frame["h"]) == {1, 2, 3}
    for h in (1, 3):
        at_h = frame[frame["h"] == h].drop(columns=["cutoff", "h"])
        scored = evaluate(at_h, metrics=[mae], models=["naive", "drift", "ma:3"])
        for model in ("naive", "drift", "ma:3"):
            expected = result.scores.set_index(["column", "h"]).loc[(model, h), "MAE"]
            assert scored[model].item() == pytest.approx(expected, rel=1e-12)


def test_compare_over_a_folder_prints_and_saves_the_panel(tmp_path: Path) -> None:
    folder = tmp_path / "prices"
    folder.mkdir()
    for k, name in enumerate(["AAA", "BBB", "CCC"]):
        write_yahoo_csv(random_walk(200, seed=k) * (1 + k), folder / f"{name}.csv")
    (folder / "BAD.csv").write_text("Date,Close\n2020-01-01,abc\n")
    write_yahoo_csv(random_walk(25, seed=7), folder / "SHORT.csv")  # shorter than the test
    out = tmp_path / "cmp"
    args = ["--models", "naive,drift,auto", "--test-days", "30", "-q"]
    result = runner.invoke(app, ["compare", "--data", str(folder), *args, "--out", str(out)])
    assert result.exit_code == 3, result.output  # a partial list, said as such
    skipped = [line for line in result.stderr.splitlines() if line.startswith("seqcast: skipped:")]
    assert len(skipped) == 2 and "BAD.csv" in skipped[0]
    assert "SHORT.csv: 25 rows" in skipped[1] and "at least" in skipped[1]
    assert "Each series, one step ahead" in result.stdout and "auto chose" in result.stdout
    for name in ("AAA", "BBB", "CCC"):
        assert f"│ {name} " in result.stdout
    overview = pd.read_csv(out / "overview.csv")
    assert set(overview["series"]) == {"AAA", "BBB", "CCC"}
    summary = pd.read_csv(out / "summary.csv", index_col="model")
    assert summary.loc["drift", "series"] == 3 and "better BH" in summary.columns
    assert {"cross_validation.csv", "cross_validation.parquet"} <= {p.name for p in out.iterdir()}
    again = runner.invoke(app, ["compare", "--data", str(folder / "AAA.csv"), "--models",
                                "naive,drift", "--test-days", "30", "--out", str(out / "one"), "-q",
                                "--json"])  # fmt: skip
    assert again.exit_code == 0, again.output
    assert (out / "one" / "cross_validation.csv").is_file()


@pytest.mark.slow
def test_four_files_of_the_shared_panel(tmp_path: Path) -> None:
    """Real files with their quirks (trading days, an ETF, a coin with empty early rows)."""
    names = ["AAPL", "SPY", "BCH-USD", "^VIX"]
    files = [str(PANEL / f"{n}.csv") for n in names]
    out = tmp_path / "real"
    args = ["compare", *(a for f in files for a in ("--data", f)), "--models", "naive,drift",
            "--test-days", "250", "--out", str(out), "-q"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    overview = pd.read_csv(out / "overview.csv")
    drift = overview[overview["model"] == "drift"]
    assert sorted(drift["series"]) == sorted(names)
    assert drift["MAE/naive"].between(0.9, 1.1).all()  # daily prices: drift is about naive
    stacked = pd.read_csv(out / "cross_validation.csv", parse_dates=["ds", "cutoff"])
    assert (stacked["cutoff"] < stacked["ds"]).all()
    assert stacked.groupby("unique_id").size().to_dict() == dict.fromkeys(names, 250)
    page = (out / "report.html").read_text()
    assert page.count('<tr data-series="') == 4


def test_without_pyarrow_the_csv_alone_is_written(
    panel: Panel, monkeypatch: pytest.MonkeyPatch
) -> None:
    from seqcast.runs import nixtla

    frame = nixtla.cross_validation(panel.results)
    assert set(nixtla.files(frame)) == {"cross_validation.csv", "cross_validation.parquet"}
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if it were not installed
    assert set(nixtla.files(frame)) == {"cross_validation.csv"}
