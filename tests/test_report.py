"""report.html, opened in a real headless Chromium (Debian's, driven by Playwright): it renders
offline with no console errors, its table says what results.json says, and the model
toggles hide a model's marks. Screenshots are kept in test-artifacts/ to be looked at."""

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from seqcast import runs
from seqcast.cli.app import app
from seqcast.data.load import Loaded
from seqcast.experiment import Experiment
from seqcast.models import registry
from seqcast.report import charts
from seqcast.report.html import ReportInput, render
from seqcast.report.tables import number
from seqcast.settings import Evaluation

from .conftest import random_walk

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("SEQCAST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
# Chromium on a closed network: no background connections, no sandbox as root, no GPU.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


def _experiment(models: dict, seeds: tuple[int, ...], folder: Path) -> Path:
    loaded = Loaded(random_walk(), "yahoo", source="generated.csv")
    result = Experiment(models, Evaluation(test_days=40), seeds).run(loaded)
    return runs.save(result, folder)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    gru = registry.make("gru", {"window": 10, "epochs": 2})
    return _experiment({"gru": gru}, (0,), tmp_path_factory.mktemp("run") / "run")


@pytest.fixture(scope="module")
def compare_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    models = {
        name: registry.make(name, {"window": 10, "epochs": 2})
        for name in ["drift", "ma:7", "snaive:7", "gru", "mlp"]
    }
    return _experiment(models, (0, 1), tmp_path_factory.mktemp("cmp") / "cmp")


def _open(browser, path: Path, screenshot: str):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "request",
        lambda r: errors.append(f"network: {r.url}") if r.url.startswith("http") else None,
    )
    page.goto(path.as_uri())
    page.wait_for_function("window.seqcastReady === true", timeout=30_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)
    return page, errors


@pytest.mark.parametrize("which", ["run", "compare"])
def test_the_report_renders_offline_and_says_what_results_json_says(
    browser, run_dir: Path, compare_dir: Path, which: str
) -> None:
    directory = run_dir if which == "run" else compare_dir
    page, errors = _open(browser, directory / "report.html", f"report-{which}.png")
    assert errors == []  # no console errors, no network requests
    charts_drawn = page.eval_on_selector_all(
        ".chart", "els => els.map(e => e.querySelectorAll('svg path, svg rect').length)"
    )
    assert len(charts_drawn) >= 5 and all(count > 10 for count in charts_drawn)

    saved = json.loads((directory / "results.json").read_text())
    cells = page.eval_on_selector_all(
        "table.scores td[data-key]",
        "els => els.map(e => [e.closest('tr').dataset.model, e.dataset.key, e.dataset.value,"
        " e.textContent])",
    )
    expected = {
        (row["model"], key): row[key] for row in saved["summary"] for key in ("MAE", "DM p")
    }
    checked = 0
    for model, key, value, text in cells:
        if (model, key) in expected:
            assert float(value) == expected[(model, key)]
            assert text.startswith(number(expected[(model, key)]))
            checked += 1
    assert checked == len(expected)
    page.close()


def test_toggling_a_model_hides_its_marks_in_every_chart(browser, compare_dir: Path) -> None:
    page, errors = _open(browser, compare_dir / "report.html", "report-compare-toggled.png")
    settings = json.loads((compare_dir / "config.json").read_text())
    colours = charts.palette([charts.TRUTH, *settings["columns"]])
    # every mark drawn in a model's colour (not the legend's swatches), in every chart
    marks = (
        "(colour) => [...document.querySelectorAll('.chart')].flatMap(chart =>"
        " [...chart.querySelectorAll("
        "`.role-mark [stroke='${colour}'], .role-mark [fill='${colour}']`)]"
        " .filter(e => !e.closest('.role-legend')).map(e => e.getAttribute('opacity') ?? '1'))"
    )
    before = page.evaluate(marks, colours["gru"])
    assert len(before) >= 4 and set(before) == {"1"}  # lines, bars and points, all shown
    page.locator(".toggles input[data-model='gru']").uncheck()
    page.wait_for_timeout(500)
    assert set(page.evaluate(marks, colours["gru"])) == {"0"}
    assert set(page.evaluate(marks, colours["mlp"])) == {"1"}  # only gru was hidden
    page.screenshot(path=str(ARTIFACTS / "report-compare-toggled.png"), full_page=True)
    assert errors == []
    page.close()


def test_a_year_of_nine_models_over_three_seeds_stays_under_5_mb() -> None:
    """The size of the page does not depend on what the models learnt: made from generated
    forecasts, without training."""
    series = random_walk(n=800)
    rng = np.random.default_rng(0)
    models = ["naive", "drift", "ma:7", "snaive:7", "mlp", "rnn", "lstm", "gru", "tutorial"]
    columns = {
        m: [m] if m in ("naive", "drift", "ma:7", "snaive:7") else [f"{m}@{s}" for s in range(3)]
        for m in models
    }
    test = series.iloc[-365:]
    table = pd.DataFrame(
        {"cutoff": series.index[-366:-1], "date": test.index, "h": 1, "y": test.to_numpy()}
    )
    for cols in columns.values():
        for column in cols:
            table[column] = test.to_numpy() * (1 + rng.normal(0, 0.02, 365))
    summary = [
        {"model": m, "h": 1, "seeds": len(c), "MAE": 1.0, "MAE std": 0.1, "MAE/naive": 1.0,
         "DM p": 0.5, "DA%": 50.0, "RMSE": 1.0, "MASE": 1.0, "MAPE%": 1.0}
        for m, c in columns.items()
    ]  # fmt: skip
    scores = [
        {"model": m, "seed": i if len(c) > 1 else None, "h": 1, "MAE/naive": 1.0}
        for m, c in columns.items()
        for i in range(len(c))
    ]
    settings = {"columns": columns, "data": {"column": "Close"}, "evaluation": {}}
    page = render(ReportInput(settings, table, {"summary": summary, "scores": scores}))
    assert len(page) < 5_000_000, f"{len(page) / 1e6:.1f} MB"


runner = CliRunner()


def test_report_on_a_directory_that_is_not_a_run(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert (
        result.output.strip()
        == f"seqcast: error: {tmp_path}: not a seqcast run directory (no config.json)"
    )


def test_a_damaged_run_without_a_report_gets_one_naming_the_file(
    browser, compare_dir: Path, tmp_path: Path
) -> None:
    copy = shutil.copytree(compare_dir, tmp_path / "damaged")
    (copy / "report.html").unlink()  # a report on disk would be kept (the test below)
    (copy / "forecasts.csv").write_text("cutoff,date\nnot,a table\n")
    result = runner.invoke(app, ["report", str(copy)])
    assert result.exit_code == 0, result.output
    assert "forecasts.csv: damaged" in result.output
    page, errors = _open(browser, copy / "report.html", "report-damaged.png")
    assert errors == []
    assert "forecasts.csv: damaged" in page.inner_text(".problem")
    assert page.locator("table.scores tr[data-model]").count() == 6  # the scores still show
    page.close()


def test_the_page_of_several_series_links_each_and_says_what_results_json_says(
    browser, tmp_path: Path
) -> None:
    from seqcast.result import Panel

    data = [
        Loaded(random_walk(seed=1), "yahoo", source="a.csv", name="a"),
        Loaded(random_walk(seed=2) * 90, "yahoo", source="b.csv", name="b"),
    ]
    experiment = Experiment({"drift": registry.make("drift")}, Evaluation(test_days=40))
    panel: Panel = experiment.run_many(data)
    directory = runs.save(panel, tmp_path / "panel")
    page, errors = _open(browser, directory / "report.html", "report-panel.png")
    assert errors == []
    saved = json.loads((directory / "results.json").read_text())
    shown = page.eval_on_selector_all(
        "table.scores td[data-key='MAE/naive']",
        "els => els.map(e => [e.closest('tr').dataset.model, Number(e.dataset.value)])",
    )
    assert dict(shown) == {row["model"]: row["MAE/naive"] for row in saved["pooled"]}
    page.get_by_role("link", name="b", exact=True).click()
    page.wait_for_url("**/series/b/report.html")
    page.wait_for_function("window.seqcastReady === true")
    assert page.locator("table.scores tr[data-model]").count() == 2  # naive and drift
    page.close()


@pytest.fixture(scope="module")
def panel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from seqcast.result import Panel

    data = [
        Loaded(random_walk(seed=1), "yahoo", source="a.csv", name="a"),
        Loaded(random_walk(seed=2) * 90, "yahoo", source="b.csv", name="b:2"),
    ]
    experiment = Experiment({"drift": registry.make("drift")}, Evaluation(test_days=40))
    panel: Panel = experiment.run_many(data)
    return runs.save(panel, tmp_path_factory.mktemp("panel") / "panel")


def test_report_again_on_several_series_rewrites_their_page_from_the_series_results(
    browser, panel_dir: Path, tmp_path: Path
) -> None:
    """`seqcast report` on a run over several series makes the page `save` made (pooled
    from each series' own files), and each series' page again."""
    copy = shutil.copytree(panel_dir, tmp_path / "again")
    made = (copy / "report.html").read_bytes()
    (copy / "results.json").unlink()  # the series' files are the source, not the summary
    for page in [copy / "report.html", *copy.glob("series/*/report.html")]:
        page.unlink()
    result = runner.invoke(app, ["report", str(copy)])
    assert result.exit_code == 0, result.output
    assert (copy / "report.html").read_bytes() == made
    assert all((copy / "series" / f / "report.html").is_file() for f in ("a", "b_2"))
    page, errors = _open(browser, copy / "report.html", "report-panel-again.png")
    assert errors == []
    assert "?" not in page.inner_text("h1") and "No scores" not in page.inner_text("body")
    page.get_by_role("link", name="b:2", exact=True).click()
    page.wait_for_url("**/series/b_2/report.html")
    page.wait_for_function("window.seqcastReady === true")
    assert page.locator("table.scores tr[data-model]").count() == 2  # naive and drift
    page.close()


def test_the_page_of_a_watch_list_sorts_its_series_and_draws_a_chart_per_series(
    browser, tmp_path: Path
) -> None:
    data = [
        Loaded(random_walk(seed=s) * (1 + s), "yahoo", source=f"s{s}.csv", name=f"s{s}")
        for s in range(5)
    ]
    models = {m: registry.make(m) for m in ("drift", "ma:3", "auto")}
    directory = runs.save(
        Experiment(models, Evaluation(test_days=40)).run_many(data), tmp_path / "panel"
    )
    page, errors = _open(browser, directory / "report.html", "report-watch-list.png")
    assert errors == []
    overview = pd.read_csv(directory / "overview.csv", float_precision="round_trip")
    ratio = overview[overview["model"] == "drift"].set_index("series")["MAE/naive"]
    heads = page.eval_on_selector_all("table.series th", "els => els.map(e => e.textContent)")
    column = heads.index("drift")
    read = f"els => els.map(row => [row.dataset.series, Number(row.cells[{column}].dataset.value)])"

    def shown() -> list[tuple[str, float]]:
        return [tuple(pair) for pair in page.eval_on_selector_all("table.series tbody tr", read)]

    assert dict(shown()) == ratio.to_dict()  # the table says what overview.csv says
    page.locator("table.series th", has_text="drift").first.click()
    assert [v for _, v in shown()] == sorted(ratio)  # sorted in the browser, lowest first
    page.locator("table.series th", has_text="drift").first.click()
    assert [v for _, v in shown()] == sorted(ratio, reverse=True)
    histogram, gains = page.eval_on_selector_all(
        ".chart",
        "els => els.map(e => [e.querySelectorAll('.mark-rect path').length,"
        " e.querySelectorAll('.mark-line path').length,"
        " [...e.querySelectorAll('text')].map(t => t.textContent)])",
    )
    assert histogram[0] >= 3 and {"auto", "drift", "ma:3"} <= set(histogram[2])
    assert gains[1] == 5 * 3  # a line per model in each series' small chart
    assert {f"s{s}" for s in range(5)} <= set(gains[2])
    swatch = "els => els.map(e => [e.dataset.model, e.nextElementSibling.style.background])"
    colours = dict(page.eval_on_selector_all(".toggles input", swatch))
    page.get_by_role("link", name="s3", exact=True).click()
    page.wait_for_function("window.seqcastReady === true")
    on_its_page = dict(page.eval_on_selector_all(".toggles input", swatch))
    assert colours == {m: on_its_page[m] for m in ("drift", "ma:3", "auto")}  # one colour each
    page.close()


@pytest.mark.parametrize(
    ("which", "damage"),
    [
        ("run", "config.json"),
        ("run", "results.json"),
        ("run", "forecasts.csv"),
        ("panel", "config.json"),
        ("panel", "series/b_2/scores.csv"),
        ("panel", "series/a/config.json"),
    ],
)
def test_a_damaged_file_never_replaces_a_report_with_a_worse_one(
    run_dir: Path, panel_dir: Path, tmp_path: Path, which: str, damage: str
) -> None:
    copy = shutil.copytree(run_dir if which == "run" else panel_dir, tmp_path / "damaged")
    pages = {p: p.read_bytes() for p in copy.rglob("report.html")}
    (copy / damage).write_text("{ not what seqcast wrote,\n")
    result = runner.invoke(app, ["report", str(copy)])
    assert result.exit_code == 2, result.output
    line = result.output.strip()
    assert line.startswith(f"seqcast: error: {copy / damage}: damaged"), line
    assert "\n" not in line and "report.html" in line  # says what it kept
    assert {p: p.read_bytes() for p in copy.rglob("report.html")} == pages


def test_several_series_without_reports_get_them_with_the_damaged_file_named(
    panel_dir: Path, tmp_path: Path
) -> None:
    copy = shutil.copytree(panel_dir, tmp_path / "damaged")
    for page in copy.rglob("report.html"):
        page.unlink()
    (copy / "series" / "b_2" / "scores.csv").write_text("model,h\n")
    result = runner.invoke(app, ["report", str(copy)])
    assert result.exit_code == 0, result.output
    named = f"{copy / 'series' / 'b_2' / 'scores.csv'}: damaged"
    assert result.stderr.count("\n") == 1 and named in result.stderr
    summary = (copy / "report.html").read_text()
    assert f'<p class="problem">{named}' in summary
    assert 'data-key="series" data-value="1.0"' in summary  # pooled over the one readable
    assert summary.count('<li><a href="series/') == 2  # both still linked
    assert all((copy / "series" / f / "report.html").is_file() for f in ("a", "b_2"))


@pytest.fixture(scope="module")
def bands_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run with 80% intervals for naive and two models, from a file named like a ticker."""
    from seqcast.data.load import read_prices

    from .conftest import write_yahoo_csv

    folder = tmp_path_factory.mktemp("bands")
    data = read_prices(write_yahoo_csv(random_walk(n=200), folder / "ACME.csv"))
    models = {name: registry.make(name) for name in ["drift", "ma:3"]}
    evaluation = Evaluation(test_days=30, levels=(80.0,), calibration_days=60)
    return runs.save(Experiment(models, evaluation).run(data), folder / "run")


def _legends(page) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all(
        ".chart",
        "charts => charts.map(c => [...c.querySelectorAll('.role-legend-label text')]"
        ".map(t => t.textContent))",
    )


def test_a_legend_lists_only_what_its_chart_draws(
    browser, compare_dir: Path, bands_dir: Path
) -> None:
    for directory in (compare_dir, bands_dir):
        page, errors = _open(browser, directory / "report.html", f"legends-{directory.name}.png")
        assert errors == []
        legends = _legends(page)
        assert "truth" in legends[0]  # the first chart draws the truth in black ...
        assert all("truth" not in legend for legend in legends[1:])  # ... no other does
        settings = json.loads((directory / "config.json").read_text())
        models = [m for m in settings["columns"] if m != "naive"]
        assert legends[1] == models  # the cumulative gain over naive: no line for naive
        page.close()


def test_each_interval_band_is_drawn_in_its_own_models_colour(browser, bands_dir: Path) -> None:
    """Bands overlap: each model's fill is its colour and its edges are lines in its colour;
    naive's band (the reference) is its dashed edges alone, so it tints no model's band."""
    page, errors = _open(browser, bands_dir / "report.html", "report-bands.png")
    assert errors == []
    colours = charts.palette([charts.TRUTH, "naive", "drift", "ma:3"])
    marks = page.eval_on_selector_all(
        "#chart-0 .role-mark path",
        "els => els.map(e => [e.closest('.role-mark').getAttribute('class'),"
        " e.getAttribute('fill'), e.getAttribute('stroke')])",
    )
    fills = [fill for role, fill, _ in marks if "mark-area" in role]
    assert sorted(fills) == sorted([colours["drift"], colours["ma:3"]])
    for model in ("naive", "drift", "ma:3"):
        lines = [s for role, _, s in marks if "mark-line" in role and s == colours[model]]
        assert len(lines) == 3, model  # the forecast, and its band's two edges
    page.close()


def test_titles_name_the_series_not_its_column(bands_dir: Path) -> None:
    page = (bands_dir / "report.html").read_text()
    assert "<title>seqcast: drift, ma:3 on ACME</title>" in page
    assert "<h1>seqcast: drift, ma:3 on ACME</h1>" in page


def test_a_run_of_seqcast_0_1_0_gets_a_whole_report(tmp_path: Path) -> None:
    from .test_runs import FIXTURES

    copy = shutil.copytree(FIXTURES / "run-0.1.0", tmp_path / "old")
    result = runner.invoke(app, ["report", str(copy)])
    assert result.exit_code == 0 and "could be read" not in result.stderr, result.output
    page = (copy / "report.html").read_text()
    assert 'class="problem"' not in page and "<h1>seqcast: custom on prices-0</h1>" in page
    assert page.count('<tr data-model="') == 2  # naive and custom, scored on load
