"""The CLI is a thin layer: these tests check wiring, files and error handling end to end."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from seqcast.cli.app import app
from seqcast.report.tables import number

from .conftest import on_a_terminal, random_walk, write_yahoo_csv
from .test_runs import RUN_FILES

runner = CliRunner()
SMALL = ["--window", "10", "--epochs", "2", "--test-days", "30", "--val-days", "30", "--quiet"]


def _invoke(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args])


def test_run_then_predict_give_the_same_numbers(price_csv: Path, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    result = _invoke("run", "--data", price_csv, *SMALL, "--runs-dir", runs, "--name", "a")
    assert result.exit_code == 0, result.output
    assert "MAE/naive" in result.output and "Next-day forecast" in result.output
    assert {p.name for p in (runs / "a").iterdir()} == RUN_FILES
    saved = json.loads((runs / "a" / "results.json").read_text())
    again = _invoke("predict", "--run", runs / "a")
    assert again.exit_code == 0, again.output
    assert f"{saved['next'][0]['gru']:,.2f}" in again.output  # the default preset
    mae = next(row["MAE"] for row in saved["summary"] if row["model"] == "gru")
    assert number(mae) in again.output


@pytest.mark.parametrize("model", ["mlp", "rnn", "lstm", "gru"])
def test_every_family_runs(model: str, price_csv: Path, tmp_path: Path) -> None:
    result = _invoke("run", "--data", price_csv, "--model", model, *SMALL, "--runs-dir", tmp_path)
    assert result.exit_code == 0, result.output
    assert f"│ {model}" in result.output


def test_toml_config_and_options_override_it(price_csv: Path, tmp_path: Path) -> None:
    config = tmp_path / "exp.toml"
    config.write_text(
        f'data = "{price_csv}"\nlayers = "gru:8, dense:1"\nwindow = 10\nepochs = 1\n'
        'optimizer = "adam"\ntest_days = 30\n'
    )
    result = _invoke(
        "run", "--config", config, "--epochs", "2", "-q", "--runs-dir", tmp_path, "--name", "t"
    )
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "t" / "config.json").read_text())["models"]["gru"]["params"]
    assert (saved["layers"], saved["optimizer"], saved["epochs"]) == ("gru:8, dense:1", "adam", 2)


def test_progress_lines_unless_quiet(price_csv: Path, tmp_path: Path) -> None:
    loud = _invoke("run", "--data", price_csv, *SMALL[:-1], "--runs-dir", tmp_path)
    assert "epoch   2/2  loss" in loud.output
    quiet = _invoke("run", "--data", price_csv, *SMALL, "--runs-dir", tmp_path)
    assert "epoch" not in quiet.output


def test_help_documents_every_option() -> None:
    result = _invoke("run", "--help")
    for option in [
        "--data",
        "--config",
        "--model",
        "--layers",
        "--window",
        "--transform",
        "--epochs",
        "--batch-size",
        "--optimizer",
        "--lr",
        "--loss",
        "--no-shuffle",
        "--val-days",
        "--patience",
        "--seed",
        "--test-days",
        "--refit-every",
        "--warm-start",
        "--warm-epochs",
        "--seeds",
        "--baselines",
        "--json",
        "--quiet",
    ]:
        assert option in result.output
    compare_help = _invoke("compare", "--help").output
    for option in ["--models", "--seeds", "--patience", "--val-days", "--lr", "--optimizer"]:
        assert option in compare_help


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "transformer"], "unknown model 'transformer'"),
        (["--layers", "lstm:8, lstm:4, dense:1"], "add ':seq'"),
        (["--optimizer", "adagrad"], "--optimizer 'adagrad': choose one of"),
        (["--test-days", "500"], "rows, but the window, validation and test period needs"),
        (["--target", "Price"], "no column 'Price'"),
        (["--layers", "lstm:5000000, dense:1"], "layer 1 (lstm:5000000) takes the most"),
    ],
)
def test_bad_settings_give_one_clear_line(
    price_csv: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    result = _invoke("run", "--data", price_csv, *SMALL, "--runs-dir", tmp_path, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_bad_file_in_a_real_process_exits_2_without_traceback(
    price_csv: Path, tmp_path: Path
) -> None:
    frame = pd.read_csv(price_csv, dtype=str)
    frame.loc[3, "Close"] = "n/a"
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    before = bad.read_bytes()
    proc = subprocess.run(
        [sys.executable, "-m", "seqcast", "run", "--data", str(bad), "--runs-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0  # one line
    assert f"{bad}: line 5, column 'Close': price 'n/a' is not a positive number" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert bad.read_bytes() == before


@pytest.mark.slow
def test_real_btc_run_and_demo(btc_csv: Path, tmp_path: Path) -> None:
    result = _invoke(
        "run",
        "--data",
        btc_csv,
        "--model",
        "gru",
        "--epochs",
        "1",
        "-q",
        "--runs-dir",
        tmp_path,
        "--name",
        "gru",
    )
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "gru" / "results.json").read_text())
    dates = pd.read_csv(tmp_path / "gru" / "forecasts.csv")["date"]
    assert (dates.iloc[0], dates.iloc[-1]) == ("2024-03-28", "2024-05-26")
    assert saved["next"][0]["date"] == "2024-05-27"
    naive = next(row["MAE"] for row in saved["summary"] if row["model"] == "naive")
    assert naive == pytest.approx(1446.81, abs=0.005)  # yesterday's close, last 60 days
    demo = _invoke("demo", "--epochs", "1", "-q", "--runs-dir", tmp_path)  # the embedded data
    assert demo.exit_code == 0, demo.output
    assert "no --data given: using the embedded BTC-USD daily history" in demo.stderr
    assert "tutorial" in demo.output and (tmp_path / "demo" / "plot.png").stat().st_size > 10_000


def test_compare_command(price_csv: Path, tmp_path: Path) -> None:
    result = _invoke(
        "compare",
        "--data",
        price_csv,
        "--models",
        "naive,drift,mlp",
        "--seeds",
        "2",
        "--epochs",
        "1",
        "--window",
        "10",
        "--test-days",
        "20",
        "--refit-every",
        "10",
        "--out",
        tmp_path / "cmp",
        "-q",
    )
    assert result.exit_code == 0, result.output
    assert "refit every 10 days" in result.output
    assert "naive forecast" in result.output  # the verdict line
    assert "± " in result.output  # two seeds: mean ± standard deviation
    assert (tmp_path / "cmp" / "report.html").is_file()
    bad = _invoke("compare", "--data", price_csv, "--models", "naive,prophet", "-q")
    assert bad.exit_code == 2 and "unknown model 'prophet'" in bad.output


def test_inspect_describes_the_file(tmp_path: Path) -> None:
    from . import corpus

    path = tmp_path / "Bitcoin Historical Data.csv"
    path.write_bytes(corpus.investing(corpus.base_series()))
    result = _invoke("inspect", path)
    assert result.exit_code == 0, result.output
    assert "layout:   investing (Investing.com export)" in result.output
    assert "dates:    2021-03-01 .. 2021-04-09 (40 days)" in result.output
    assert "repair:   rows were not in date order; sorted oldest first" in result.output
    assert "shape:" in result.output


def test_load_options_reach_the_loader(price_csv: Path, tmp_path: Path) -> None:
    lines = price_csv.read_text().splitlines()
    del lines[50:52]  # two missing days
    path = tmp_path / "holes.csv"
    path.write_text("\n".join(lines) + "\n")
    noted = _invoke("run", "--data", path, *SMALL, "--runs-dir", tmp_path)
    assert noted.exit_code == 0 and "seqcast: note:" in noted.output
    assert "filled 2 missing days" in noted.output
    refused = _invoke("run", "--data", path, *SMALL, "--runs-dir", tmp_path, "--gaps", "error")
    assert refused.exit_code == 2 and "2 days missing from" in refused.output


def test_json_output_is_the_result_in_strict_json(price_csv: Path, tmp_path: Path) -> None:
    result = _invoke(
        "compare", "--data", price_csv, "--models", "naive,drift,ma:3", "--test-days", "20",
        "--out", tmp_path / "cmp", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    printed = json.loads(result.stdout, parse_constant=refuse)
    assert printed["directory"] == str(tmp_path / "cmp")
    assert {row["model"] for row in printed["summary"]} == {"naive", "drift", "ma:3"}
    saved = json.loads((tmp_path / "cmp" / "results.json").read_text())
    assert saved["summary"] == printed["summary"]


def test_on_80_columns_the_main_numbers_are_shown_in_full(price_csv: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["compare", "--data", str(price_csv), "--models", "naive,drift,ma:3,snaive:7",
         "--test-days", "20", "--out", str(tmp_path / "c"), "-q"],
        env={"COLUMNS": "80"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    header = next(line for line in lines if "MAE/naive" in line)
    assert "MAE " in header and "DM p" in header
    assert "…" not in result.stdout  # nothing cut short


def _modules_after(*args: str) -> set[str]:
    """The modules a real `seqcast` process has imported when the command ends."""
    code = (
        "import sys\nfrom seqcast.cli import main\n"
        f"try:\n    main({list(args)!r})\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    return set(proc.stdout.split())


@pytest.mark.process
def test_help_and_inspect_and_baseline_compares_import_no_torch(
    price_csv: Path, tmp_path: Path
) -> None:
    assert not {"torch", "pandas", "numpy"} & _modules_after("--help")
    assert not {"torch", "pandas"} & _modules_after("run", "--help")
    assert "torch" not in _modules_after("inspect", str(price_csv))
    compare = _modules_after(
        "compare", "--data", str(price_csv), "--models", "naive,drift", "--test-days", "10",
        "--out", str(tmp_path / "c"), "-q",
    )  # fmt: skip
    assert "pandas" in compare and "torch" not in compare and "sklearn" not in compare
    assert (tmp_path / "c" / "results.json").is_file()


@pytest.mark.process
def test_compare_shows_a_live_progress_bar_on_a_terminal_only(
    price_csv: Path, tmp_path: Path
) -> None:
    args = ["compare", "--data", str(price_csv), "--models", "naive,drift,gru", "--seeds", "2",
            "--epochs", "2", "--window", "10", "--test-days", "20",
            "--refit-every", "10"]  # fmt: skip
    command = [sys.executable, "-m", "seqcast", *args, "--out", str(tmp_path / "tty")]
    text = on_a_terminal(command, columns=100, timeout=120)
    assert "gru (2 seed(s)) epoch 2/2" in text and "8/8" in text  # (2 + 1 + 1) runs x 2 refits
    piped = runner.invoke(app, [*args, "--out", str(tmp_path / "piped")])
    assert piped.exit_code == 0 and piped.stderr == ""  # not a terminal: no progress at all


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--horizon", "0"], "--horizon 0: forecast 1 to 90 days ahead"),
        (["--horizon", "40"], "--horizon 40 is longer than the 30-day test period"),
        (["--levels", "80,100"], "--levels 100: a level is a percentage between 0 and 100"),
        (["--levels", "80,x"], "--levels '80,x': give percentages, e.g. 80,95"),
        (["--levels", "95", "--calibration-days", "20"], "need at least 39 past errors"),
    ],
)
def test_bad_horizons_and_levels_write_nothing(
    price_csv: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    result = _invoke("run", "--data", price_csv, *SMALL, "--runs-dir", tmp_path / "runs", *args)
    assert result.exit_code == 2 and message in result.output
    assert result.output.count("\n") == 1 and not (tmp_path / "runs").exists()


def test_forecast_prints_and_saves_the_next_days_with_intervals(
    price_csv: Path, tmp_path: Path
) -> None:
    options = ["--model", "gru", "--horizon", "3", "--levels", "80,95"]
    options += ["--calibration-days", "60"]
    made = _invoke(
        "run", "--data", price_csv, *SMALL, *options, "--runs-dir", tmp_path, "--name", "f"
    )
    assert made.exit_code == 0, made.output
    assert "Intervals (adaptive)" in made.output and "gru  h=3  95%" in made.output
    shown = _invoke("forecast", "--run", tmp_path / "f")
    assert shown.exit_code == 0, shown.output
    assert "lo-95" in shown.output and "2020-08-30" in shown.output  # 3 days after 2020-08-27
    table = pd.read_csv(tmp_path / "f" / "forecast-gru-2020-08-27.csv")
    assert list(table.columns) == ["date", "forecast", "lo-80", "hi-80", "lo-95", "hi-95"]
    assert (table["lo-95"] < table["forecast"]).all() and (table["forecast"] < table["hi-95"]).all()
    assert (tmp_path / "f" / "forecast-gru-2020-08-27.png").stat().st_size > 10_000
    too_far = _invoke("forecast", "--run", tmp_path / "f", "--horizon", "5")
    assert (
        too_far.exit_code == 2
        and "calibrated intervals up to 3 days ahead, not 5" in too_far.output
    )


def test_a_run_of_seqcast_0_1_0_forecasts_without_intervals_and_says_so(tmp_path: Path) -> None:
    import shutil

    from .test_runs import FIXTURES

    run = shutil.copytree(FIXTURES / "run-0.1.0", tmp_path / "old")
    data = FIXTURES / "run-0.1.0-prices.csv"
    result = runner.invoke(app, ["forecast", "--run", str(run), "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert "this run (seqcast 0.1.0) has no intervals: rerun it with --levels" in result.stderr
    assert "69.94" in result.stdout  # the next-day forecast seqcast 0.1.0 saved: 69.936...


def test_several_files_or_a_long_file_with_a_series_column(
    series: pd.Series, tmp_path: Path
) -> None:
    from .conftest import random_walk, write_yahoo_csv

    first = write_yahoo_csv(series, tmp_path / "AAA.csv")
    second = write_yahoo_csv(random_walk(seed=9) * 50, tmp_path / "BBB.csv")
    args = ["--models", "naive,drift", "--test-days", "20", "-q"]
    result = _invoke("compare", "--data", first, "--data", second, *args, "--out", tmp_path / "c")
    assert result.exit_code == 0, result.output
    assert "over 2 series" in result.output and "AAA " in result.output and "BBB " in result.output
    assert (tmp_path / "c" / "series" / "AAA" / "report.html").is_file()
    saved = json.loads((tmp_path / "c" / "results.json").read_text())
    assert saved["series"] == ["AAA", "BBB"]
    long = pd.concat(
        [pd.read_csv(first).assign(Symbol="AAA"), pd.read_csv(second).assign(Symbol="BBB")]
    )
    long.to_csv(tmp_path / "long.csv", index=False)
    again = _invoke("compare", "--data", tmp_path / "long.csv", "--series-col", "Symbol", *args,
                    "--out", tmp_path / "l")  # fmt: skip
    assert again.exit_code == 0, again.output
    assert json.loads((tmp_path / "l" / "results.json").read_text())["series"] == ["AAA", "BBB"]
    one = _invoke("predict", "--run", tmp_path / "c")
    assert one.exit_code == 2 and "holds several series; give one of them" in one.output


def test_an_output_place_that_cannot_be_written_fails_before_training(
    price_csv: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("in the way")
    result = _invoke(
        "compare",
        "--data",
        price_csv,
        "--models",
        "naive,gru",
        *SMALL[:2],
        "--out",
        blocker / "cmp",
    )
    assert result.exit_code == 2 and "a file is in the way" in result.output
    assert "epoch" not in result.output


def test_predict_says_when_the_models_were_fitted(price_csv: Path, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    assert (
        _invoke("run", "--data", price_csv, *SMALL, "--runs-dir", runs, "--name", "a").exit_code
        == 0
    )
    fitted = json.loads((runs / "a" / "config.json").read_text())["fitted_until"]
    longer = write_yahoo_csv(random_walk(300), tmp_path / "longer.csv")
    again = _invoke("predict", "--run", runs / "a", "--data", longer)
    assert again.exit_code == 0, again.output
    assert f"models fitted up to {fitted}" in " ".join(again.output.split())
    short = write_yahoo_csv(random_walk(20), tmp_path / "short.csv")
    failed = _invoke("predict", "--run", runs / "a", "--data", short)
    assert failed.exit_code == 2 and "short.csv: 20 days" in failed.output
    assert "--window" not in failed.output and "btc" not in failed.output.lower()


def test_a_watch_list_with_an_unreadable_file_completes_the_rest_and_exits_3(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "prices"
    folder.mkdir()
    write_yahoo_csv(random_walk(200, seed=1), folder / "AAA.csv")
    write_yahoo_csv(random_walk(200, seed=2), folder / "BBB.csv")
    (folder / "CCC.csv").write_text("Date,Close\n2020-01-01,abc\n2020-01-02,\n")
    result = _invoke(
        "compare",
        "--data",
        folder,
        "--models",
        "naive,drift",
        "--test-days",
        "30",
        "--out",
        tmp_path / "cmp",
        "-q",
    )
    assert result.exit_code == 3, result.output
    assert "seqcast: skipped:" in result.output and "CCC" in result.output
    assert {p.name for p in (tmp_path / "cmp" / "series").iterdir()} == {"AAA", "BBB"}


def test_the_terminal_title_names_the_series_not_its_column(
    series: pd.Series, tmp_path: Path
) -> None:
    from .conftest import write_yahoo_csv

    data = write_yahoo_csv(series, tmp_path / "ACME.csv")
    result = _invoke("run", "--data", data, "--model", "drift", "--test-days", "30", "-q",
                     "--runs-dir", tmp_path / "runs")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "One-step forecasts of ACME, 2020-07-29 .. 2020-08-27" in result.output


def test_each_models_forecast_keeps_its_own_files(price_csv: Path, tmp_path: Path) -> None:
    made = _invoke("run", "--data", price_csv, "--model", "drift", "--baselines", "naive,ma:3",
                   "--test-days", "30", "-q", "--runs-dir", tmp_path, "--name", "f")  # fmt: skip
    assert made.exit_code == 0, made.output
    saved = {}
    for model in ["drift", "naive", "ma:3"]:
        shown = _invoke("forecast", "--run", tmp_path / "f", "--model", model, "--horizon", "2")
        assert shown.exit_code == 0, shown.output
        saved[model] = tmp_path / "f" / f"forecast-{model.replace(':', '_')}-2020-08-27.csv"
    tables = {model: path.read_text() for model, path in saved.items()}  # none overwritten
    assert len(set(tables.values())) == 3
    assert (tmp_path / "f" / "forecast-ma_3-2020-08-27.png").is_file()
