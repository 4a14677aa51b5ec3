"""What the terminal shows: numbers that keep their digits, tables that fit, plain verdicts."""

from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from seqcast.report.tables import number, scores_table, sparkline, verdict


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1446.8148, "1,446.81"),
        (795.0712, "795.07"),
        (2.32418, "2.324"),
        (0.98231, "0.9823"),
        (0.0712345, "0.07123"),
        (0.0000123456, "1.235e-05"),
        (0.0, "0"),
        (float("nan"), "-"),
        (None, "-"),
    ],
)
def test_numbers_keep_four_significant_digits(value: float, shown: str) -> None:
    assert number(value) == shown


def test_verdict_leads_with_the_evidence() -> None:
    summary = pd.DataFrame(
        {"MAE/naive": [1.0, 1.2, 0.98], "DM p": [1.0, 0.01, 0.03], "Holm p": [None, 0.02, 0.054]},
        index=["naive", "a", "b"],
    )
    # lower MAE with a raw p under 5% but a Holm p over it: not called a win
    assert verdict(summary) == (
        "No model beat the naive forecast significantly (DM p, Holm-adjusted over 2 models);"
        " the forecast is naive. The closest, b, has 0.980x its MAE (Holm p=0.05400)."
    )
    assert verdict(summary.drop(index="a")).startswith(
        "b does NOT beat the naive forecast (yesterday's value) significantly: its MAE is 0.980x"
    )
    won = summary.assign(**{"Holm p": [None, 0.02, 0.01]})
    assert verdict(won) == (
        "Beats the naive forecast significantly: b (0.980x naive MAE, DM p=0.03000,"
        " Holm p=0.01000)."
    )


def _summary() -> pd.DataFrame:
    metrics = ["MAE", "MAE/naive", "DM p", "RMSE", "DA%", "MASE", "MAPE%", "sMAPE%"]
    rows = {
        "gru": [1421.26, 0.98233, 0.4331, 1834.57, 58.333, 3.662, 2.171, 2.168],
        "naive": [1446.81, 1.0, 1.0, 1855.61, float("nan"), 3.728, 2.208, 2.209],
    }
    summary = pd.DataFrame.from_dict(rows, orient="index", columns=metrics)
    for metric in metrics:
        summary[f"{metric} std"] = [14.35, 0.0]
    summary.insert(0, "seeds", [3, 1])
    return summary


@pytest.mark.parametrize("width", [60, 80, 120, 200])
def test_the_table_fits_the_terminal_and_keeps_the_main_numbers(width: int) -> None:
    console = Console(width=width, record=True)
    console.print(scores_table(_summary(), "title", console))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= width
    if width >= 80:
        assert "1,421.26 ± 14.35" in text and "0.9823 ± 14.35" in text and "0.4331" in text
    if width >= 200:
        assert "sMAPE%" in text  # room for every column
    assert "…" not in text


@pytest.mark.parametrize("scale", [1.0, 1e-300, 1e300, 1.7e308])
def test_the_sparkline_draws_any_finite_scale(scale: float) -> None:
    """Near the largest float, sums and spans overflow: the shape must not depend on it."""
    shape = [-1.0, -0.5, 0.0, 0.5, 1.0, 0.0, -1.0]
    assert sparkline(pd.Series(shape) * scale, width=7) == "▁▂▄▆█▄▁"
    twice = pd.Series(shape).repeat(2) * scale  # a chunk's mean sums two values first
    assert sparkline(twice, width=7) == "▁▂▄▆█▄▁"


def test_inspect_reads_prices_near_the_largest_float(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from seqcast.cli.app import app

    dates = pd.date_range("2020-01-01", periods=100).strftime("%Y-%m-%d")
    prices = pd.Series(range(100), dtype=float) * 7e305 + 1e308
    path = tmp_path / "huge.csv"
    pd.DataFrame({"Date": dates, "Close": prices}).to_csv(path, index=False, float_format="%.17g")
    result = CliRunner().invoke(app, ["inspect", str(path)])
    assert result.exit_code == 0, result.output
    assert "shape:    ▁" in result.output and result.output.rstrip().endswith("█")
