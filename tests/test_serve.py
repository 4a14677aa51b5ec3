"""seqcast serve, against a real uvicorn on the loopback and real HTTP requests: the answers
are `seqcast forecast`'s to 1e-9, bad input gets one line of JSON and a 4xx, a run is
replaced while requests flow and none fails, and a Schemathesis fuzz of the OpenAPI schema
finds no server error."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
import uvicorn
from typer.testing import CliRunner

from seqcast import runs
from seqcast.cli.app import app as cli
from seqcast.data.load import Loaded, read_prices
from seqcast.errors import SeqcastError
from seqcast.experiment import Experiment
from seqcast.io import plain
from seqcast.models import registry
from seqcast.result import Result
from seqcast.serve import served as served_runs
from seqcast.serve.app import create_app
from seqcast.serve.catalog import Catalog
from seqcast.serve.forecast import forecast
from seqcast.serve.schema import MAX_SERIES, Series
from seqcast.serve.series import to_item
from seqcast.settings import Evaluation, LoadOptions

from .conftest import TINY, random_walk, write_yahoo_csv

KEY = "test-key-7f3a"
AUTH = {"Authorization": f"Bearer {KEY}"}
SRC = Path(__file__).resolve().parents[1] / "src"


class Server:
    """uvicorn serving `app` in a thread, on a socket bound to a free loopback port."""

    def __init__(self, app: Any):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "uvicorn did not start"
            time.sleep(0.01)
        return self

    def __exit__(self, *_: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.socket.close()


def save_run(folder: Path, data: Path, models: dict[str, str | dict], **evaluation: Any) -> Path:
    """Train `models` (name -> registry spec or (name, params)) on `data`; save the run."""
    made = {
        label: registry.make(label.split("#")[0], spec)
        if isinstance(spec, dict)
        else registry.make(spec)
        for label, spec in models.items()
    }
    result = Experiment(made, Evaluation(**evaluation), seeds=(0, 1)).run(read_prices(data))
    return runs.save(result, folder, report=False)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Daily prices (300 days, and the same walk 30 days longer) and trading-day prices."""
    folder = tmp_path_factory.mktemp("data")
    walk = random_walk(330, seed=3)
    trading = pd.Series(
        random_walk(330, seed=4).to_numpy(),
        index=pd.bdate_range("2021-01-04", periods=330, name="date"),
    )
    return {
        "daily": write_yahoo_csv(walk.iloc[:300], folder / "daily.csv"),
        "longer": write_yahoo_csv(walk, folder / "longer.csv"),
        "trading": write_yahoo_csv(trading.iloc[:300], folder / "trading.csv"),
        "trading-longer": write_yahoo_csv(trading, folder / "trading-longer.csv"),
    }


@pytest.fixture(scope="module")
def run_dirs(tmp_path_factory: pytest.TempPathFactory, files: dict[str, Path]) -> dict[str, Path]:
    """A GRU over two seeds reading covariates (direct, 7 days, adaptive 80/95% intervals),
    baselines on trading days (3 days, volatility-scaled 80% intervals), and a moving
    average (2 days, split-conformal 80/95% intervals)."""
    folder = tmp_path_factory.mktemp("runs")
    gru = {**TINY, "features": ("log_range", "weekday"), "strategy": "direct"}
    return {
        "gru": save_run(
            folder / "gru",
            files["daily"],
            {"gru": gru},
            test_days=30,
            calibration_days=60,
            horizon=7,
            levels=(80.0, 95.0),
        ),
        "base": save_run(
            folder / "base",
            files["trading"],
            {"drift": "drift", "ma:5": "ma:5"},
            test_days=30,
            calibration_days=50,
            horizon=3,
            levels=(80.0,),
            intervals="scaled",
        ),
        "plain": save_run(
            folder / "plain",
            files["daily"],
            {"ma:3": "ma:3"},
            test_days=30,
            calibration_days=50,
            horizon=2,
            levels=(80.0, 95.0),
            intervals="conformal",
        ),
    }


@pytest.fixture(scope="module")
def server(run_dirs: dict[str, Path]) -> Iterator[Server]:
    catalog = Catalog([run_dirs["gru"], run_dirs["base"], run_dirs["plain"]])
    with Server(create_app(catalog, api_key=KEY, max_body=2_000_000)) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=60) as session:
        yield session


def series_body(loaded: Loaded, item_id: str | None = None, dated: str = "timestamps") -> dict:
    s = loaded.series
    body: dict[str, Any] = {"target": s.tolist()}
    if item_id:
        body["item_id"] = item_id
    if dated == "timestamps":
        body["timestamps"] = [str(d.date()) for d in s.index]
    else:
        body["start"] = str(s.index[0].date())
    if loaded.frame is not None:
        body["past_covariates"] = {c: plain(loaded.frame[c].tolist()) for c in loaded.frame}
    return body


def assert_same_as_forecast(
    prediction: dict, run_dir: Path, data: Path, horizon: int, finite: bool = True
) -> None:
    """The API's answer is what `seqcast forecast` computes (runs.forecast_next) to 1e-9."""
    next_days, series = runs.forecast_next(run_dir, data, horizon)
    table = next_days.table
    assert prediction["dates"] == [str(d.date()) for d in table.index]
    np.testing.assert_allclose(prediction["mean"], table["forecast"], rtol=1e-9, atol=0)
    for column in table.columns[1:]:
        got = np.array(prediction[column], dtype=float)
        np.testing.assert_allclose(got, table[column], rtol=1e-9, atol=0)
    assert prediction["naive"] == [series.iloc[-1]] * horizon
    if finite:  # the intervals were really compared, not two NaNs
        assert np.isfinite(np.array(prediction["lo-80"], dtype=float)).all()


@pytest.mark.parametrize(
    ("run", "data", "horizon"),
    [
        ("gru", "daily", 7),  # the run's own file: the run's errors calibrate alone
        ("gru", "longer", 5),  # 30 days more: their errors join the calibration
        ("base", "trading", 3),
        ("base", "trading-longer", 2),
    ],
)
def test_answers_equal_seqcast_forecast(
    client: httpx.Client, run_dirs: dict, files: dict, run: str, data: str, horizon: int
) -> None:
    loaded = read_prices(files[data])
    body = {"inputs": [series_body(loaded, "x")], "parameters": {"prediction_length": horizon}}
    response = client.post(f"/v1/models/{run}/forecast", json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["version"] == served_runs.version(run_dirs[run])
    assert_same_as_forecast(answer["predictions"][0], run_dirs[run], files[data], horizon)


def test_the_forecast_command_prints_the_same_numbers(
    client: httpx.Client, run_dirs: dict, files: dict, tmp_path: Path
) -> None:
    copy = tmp_path / "gru"  # `seqcast forecast` writes its files into the run directory
    runs.save(runs.load(run_dirs["gru"]), copy, report=False)
    printed = CliRunner().invoke(
        cli, ["forecast", "--run", str(copy), "--data", str(files["longer"]), "--json"]
    )
    assert printed.exit_code == 0, printed.output
    rows = json.loads(printed.stdout)["forecast"]
    body = {"inputs": [series_body(read_prices(files["longer"]))]}
    prediction = client.post("/v1/models/gru/forecast", json=body).json()["predictions"][0]
    for key, column in (("mean", "forecast"), ("lo-95", "lo-95"), ("hi-80", "hi-80")):
        np.testing.assert_allclose(prediction[key], [r[column] for r in rows], rtol=1e-9, atol=0)


def test_many_series_in_one_request_each_answer_as_alone(
    client: httpx.Client, run_dirs: dict, files: dict, tmp_path: Path
) -> None:
    """A batch of series of several lengths: each answer is that series' own forecast,
    whatever else the request holds (also as the long table)."""
    full = read_prices(files["trading-longer"]).series
    cuts = [300, 310, 317, 330]
    paths = [write_yahoo_csv(full.iloc[:n], tmp_path / f"cut{n}.csv") for n in cuts]
    loaded = [read_prices(p) for p in paths]
    body = {"inputs": [series_body(x, f"cut{n}") for x, n in zip(loaded, cuts, strict=True)]}
    answer = client.post("/v1/models/base/forecast", json=body).json()
    assert [p["item_id"] for p in answer["predictions"]] == [f"cut{n}" for n in cuts]
    for prediction, path in zip(answer["predictions"], paths, strict=True):
        assert_same_as_forecast(prediction, run_dirs["base"], path, 3)
    table = [
        {"unique_id": f"cut{n}", "ds": str(d.date()), "y": v}
        for x, n in zip(loaded, cuts, strict=True)
        for d, v in x.series.items()
    ]
    long = client.post("/v1/models/base/forecast", json={"table": table}).json()
    assert long["predictions"] == answer["predictions"]


def test_a_batch_goes_through_the_network_in_one_call_and_agrees_with_each_alone(
    client: httpx.Client, run_dirs: dict, files: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Series of a request share each seed's predict call (laid end to end); a float32
    network's output differs in its last bits with the batch, so a series' answer in a
    batch agrees with its answer alone (`seqcast forecast`'s, to 1e-9) to 1e-7 of the price."""
    full = read_prices(files["longer"])
    cuts = [280, 300, 311, 330]
    bodies = [
        series_body(Loaded(full.series.iloc[:n], "yahoo", frame=full.frame.iloc[:n]), f"c{n}")
        for n in cuts
    ]
    batch = client.post("/v1/models/gru/forecast", json={"inputs": bodies}).json()["predictions"]
    for body, together in zip(bodies, batch, strict=True):
        alone = client.post("/v1/models/gru/forecast", json={"inputs": [body]})
        alone = alone.json()["predictions"][0]
        assert together["dates"] == alone["dates"] and together["warnings"] == alone["warnings"]
        for key in ("mean", "naive", "lo-80", "hi-80", "lo-95", "hi-95"):
            np.testing.assert_allclose(together[key], alone[key], rtol=1e-7, atol=0)
    from seqcast.serve import paths

    calls: list[int] = []
    predict = paths.Forecaster.predict

    def counted(self: Any, y: Any, origins: Any, *args: Any) -> Any:
        calls.append(len(origins))
        return predict(self, y, origins, *args)

    monkeypatch.setattr(paths.Forecaster, "predict", counted)
    client.post("/v1/models/gru/forecast", json={"inputs": bodies})
    assert len(calls) == 3  # naive, gru@0, gru@1: one call each over the four series


def test_start_instead_of_timestamps_and_the_default_model(
    client: httpx.Client, files: dict
) -> None:
    loaded = read_prices(files["daily"])
    dated = {"inputs": [series_body(loaded)]}
    started = {"inputs": [series_body(loaded, dated="start")]}
    first = client.post("/invocations", json=dated).json()  # the first run: gru
    assert first["run"] == "gru" and first["model"] == "gru"
    assert client.post("/invocations", json=started).json() == first
    assert first["predictions"][0]["item_id"] == "inputs[0]"
    weekend = {"inputs": [{"start": "2021-01-09", "target": [100.0] * 20}]}
    refused = client.post("/v1/models/base/forecast", json=weekend)
    assert refused.status_code == 422 and "Saturday" in refused.json()["error"]


def test_missing_days_are_filled_as_the_file_would_be_and_said(
    client: httpx.Client, run_dirs: dict, files: dict, tmp_path: Path
) -> None:
    lines = files["daily"].read_text().splitlines()
    gappy = tmp_path / "gappy.csv"
    gappy.write_text("\n".join(lines[:250] + lines[252:]) + "\n")  # two days missing
    with pytest.warns(UserWarning):
        loaded = read_prices(gappy)
        loaded.warn()
    raw = pd.read_csv(gappy)
    body = {
        "timestamps": raw["Date"].tolist(),
        "target": raw["Close"].tolist(),
        "past_covariates": {c.lower(): raw[c].tolist() for c in ("Open", "High", "Low", "Volume")},
    }
    prediction = client.post("/v1/models/gru/forecast", json={"inputs": [body]}).json()
    prediction = prediction["predictions"][0]
    assert_same_as_forecast(prediction, run_dirs["gru"], gappy, 7)
    assert any("filled 2 missing days" in w for w in prediction["warnings"])


def test_models_say_version_data_and_backtest(
    client: httpx.Client, run_dirs: dict, files: dict
) -> None:
    listed = {m["name"]: m for m in client.get("/v1/models").json()["models"]}
    assert list(listed) == ["gru", "base", "plain"]
    gru = listed["gru"]
    assert gru["version"] == served_runs.version(run_dirs["gru"])
    assert gru["data"]["sha256"] == read_prices(files["daily"]).sha256
    assert (gru["horizon"], gru["levels"], gru["intervals"]) == (7, [80.0, 95.0], "adaptive")
    summary = json.loads((run_dirs["gru"] / "results.json").read_text())["summary"]
    expected = {(r["model"], r["h"]): (r["MAE/naive"], r["DM p"]) for r in summary}
    got = {(r["model"], r["h"]): (r["MAE/naive"], r["DM p"]) for r in gru["backtest"]}
    assert got == expected and len(got) == 2 * 7
    assert listed["base"]["model"] in ("drift", "ma:5") and listed["base"]["levels"] == [80.0]


def _too_many() -> dict:
    return {"inputs": [{"start": "2020-01-01", "target": [1.0]}] * (MAX_SERIES + 1)}


def _one(**fields: Any) -> dict:
    return {"inputs": [{"start": "2020-01-01", "target": [100.0 + k for k in range(40)], **fields}]}


BAD = [
    (
        "nan",
        "/invocations",
        b'{"inputs": [{"start": "2020-01-01", "target": [1.0, NaN]}]}',
        422,
        "finite number",
    ),
    (
        "string",
        "/invocations",
        {"inputs": [{"start": "2020-01-01", "target": [1.0, "2"]}]},
        422,
        "valid number",
    ),
    (
        "null",
        "/invocations",
        {"inputs": [{"start": "2020-01-01", "target": [1.0, None]}]},
        422,
        "target[1]",
    ),
    ("negative", "/invocations", _one(target=[5.0, -1.0]), 422, "greater than 0"),
    (
        "unsorted",
        "/invocations",
        _one(start=None, timestamps=["2020-01-02", "2020-01-01"], target=[1.0, 2.0]),
        422,
        "out of order",
    ),
    (
        "duplicate",
        "/invocations",
        _one(start=None, timestamps=["2020-01-01", "2020-01-01"], target=[1.0, 2.0]),
        422,
        "appears twice",
    ),
    ("short", "/invocations", _one(target=[1.0, 2.0, 3.0]), 422, "needs at least"),
    (
        "horizon",
        "/invocations",
        {**_one(), "parameters": {"prediction_length": 8}},
        422,
        "above this run's horizon",
    ),
    ("level", "/invocations", {**_one(), "parameters": {"levels": [90]}}, 422, "ask for those"),
    ("model", "/v1/models/nope/forecast", _one(), 404, "no model 'nope'"),
    (
        "label",
        "/invocations",
        {**_one(), "parameters": {"model": "lstm"}},
        422,
        "no model 'lstm' in run gru",
    ),
    ("too many", "/invocations", _too_many(), 422, "at most 1000 items"),
    ("both forms", "/invocations", {"inputs": [], "table": []}, 422, "either inputs or table"),
    ("not JSON", "/invocations", b"{nope", 422, "not JSON"),
    (
        "covariates",
        "/invocations",
        {"inputs": [{"start": "2020-01-01", "target": [100.0] * 40}]},
        422,
        "high, low",
    ),
    (
        "oversized",
        "/invocations",
        b"[" + b"1," * 1_100_000 + b"1]",
        413,
        "body over 2,000,000 bytes",
    ),
]


@pytest.mark.parametrize(("case", "path", "body", "status", "says"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_gets_one_line_of_json(
    client: httpx.Client, case: str, path: str, body: Any, status: int, says: str
) -> None:
    if isinstance(body, bytes):
        response = client.post(path, content=body, headers={"content-type": "application/json"})
    else:
        response = client.post(path, json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert_one_line(response)
    assert says in response.json()["error"]


def assert_one_line(response: httpx.Response) -> None:
    error = response.json()
    assert list(error) == ["error"] and isinstance(error["error"], str) and error["error"]
    assert "\n" not in error["error"] and "Traceback" not in response.text


def test_an_unexpected_failure_is_a_one_line_500_and_the_connection_lives(
    client: httpx.Client, files: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from seqcast.serve import app as served_app

    def broken(*args: Any) -> Any:
        raise RuntimeError("a bug, with details the client must not see")

    monkeypatch.setattr(served_app.forecasting, "forecast", broken)
    body = {"inputs": [series_body(read_prices(files["daily"]))]}
    failed = client.post("/v1/models/gru/forecast", json=body)
    assert failed.status_code == 500
    assert failed.json() == {"error": "internal error (RuntimeError); see the server's log"}
    monkeypatch.undo()
    assert client.post("/v1/models/gru/forecast", json=body).status_code == 200  # same client


def test_the_key_is_needed_and_checked(server: Server) -> None:
    assert httpx.get(f"{server.url}/health").status_code == 200  # probes need no key
    for headers, says in (
        ({}, "missing API key"),
        ({"Authorization": "Bearer nope"}, "wrong API key"),
    ):
        response = httpx.get(f"{server.url}/v1/models", headers=headers)
        assert response.status_code == 401 and says in response.json()["error"]
        assert response.headers["www-authenticate"] == "Bearer"
    assert httpx.get(f"{server.url}/v1/models", headers=AUTH).status_code == 200


def test_too_few_errors_give_null_and_a_warning_never_nan(
    client: httpx.Client, run_dirs: dict, files: dict, tmp_path: Path
) -> None:
    """A history that ends early in the run's calibration period knows few errors: its 95%
    interval (39 errors needed) is null, said in a warning; the JSON has no NaN."""
    full = read_prices(files["daily"]).series
    early = write_yahoo_csv(full.iloc[:240], tmp_path / "early.csv")
    body = {"inputs": [series_body(read_prices(early))]}
    response = client.post("/v1/models/plain/forecast", json=body)
    assert response.status_code == 200
    json.loads(response.text, parse_constant=lambda c: pytest.fail(f"{c} in the answer"))
    prediction = response.json()["predictions"][0]
    assert prediction["lo-95"] == [None, None] and None not in prediction["lo-80"]
    assert any("no 95% interval" in w for w in prediction["warnings"])
    assert_same_as_forecast(prediction, run_dirs["plain"], early, 2, finite=False)


def _two_versions(data: Path) -> tuple[Result, Result]:
    """Two runs of the same data that answer differently (a 3- and a 9-day average)."""
    evaluation = Evaluation(test_days=30, calibration_days=50, horizon=2, levels=(80.0,))
    loaded = read_prices(data)
    return tuple(  # type: ignore[return-value]
        Experiment({f"ma:{k}": registry.make(f"ma:{k}")}, evaluation).run(loaded) for k in (3, 9)
    )


def test_a_run_replaced_while_requests_flow_fails_none(files: dict, tmp_path: Path) -> None:
    """Clients post without pause while the served directory is replaced (atomically, as
    `seqcast run` writes it) and reloaded, six times: every request is answered, each by
    one whole version; a request holding the old run finishes on it after the swap."""
    old, new = _two_versions(files["daily"])
    live = runs.save(old, tmp_path / "live", report=False)
    versions = {
        served_runs.version(runs.save(r, tmp_path / n, report=False)): r
        for n, r in (("a", old), ("b", new))
    }
    loaded = read_prices(files["daily"])
    body = {"inputs": [series_body(loaded, f"s{k}") for k in range(40)]}  # a slower request
    answers: list[tuple[float, float, int, dict]] = []
    stop = threading.Event()
    catalog = Catalog([live])
    with Server(create_app(catalog)) as server:

        def post() -> None:
            with httpx.Client(base_url=server.url, timeout=60) as c:
                while not stop.is_set():
                    began = time.monotonic()
                    response = c.post("/invocations", json=body)
                    answers.append((began, time.monotonic(), response.status_code, response.json()))

        clients = [threading.Thread(target=post) for _ in range(4)]
        for thread in clients:
            thread.start()
        with httpx.Client(base_url=server.url, timeout=60) as admin:
            for swap in range(6):
                time.sleep(0.3)
                runs.save(new if swap % 2 == 0 else old, live, report=False)
                reloaded = admin.post("/v1/admin/reload")
                assert reloaded.status_code == 200 and reloaded.json()["models"][0]["changed"]
        time.sleep(0.3)
        stop.set()
        for thread in clients:
            thread.join()
    assert len(answers) > 20 and {status for _, _, status, _ in answers} == {200}
    seen = {answer["version"] for *_, answer in answers}
    assert seen == set(versions)
    for version in seen:  # no answer mixes two versions
        same = [a["predictions"] for *_, a in answers if a["version"] == version]
        assert all(p == same[0] for p in same)
    assert {a["model"] for *_, a in answers} == {"ma:3", "ma:9"}
    held = catalog.get()  # what a request holds from its start (app._answer)
    runs.save(new if held.model == "ma:3" else old, live, report=False)
    catalog.reload()
    assert catalog.get().version != held.version
    item = to_item(
        Series(start="2020-01-01", target=[100.0 + k for k in range(20)]),
        "x",
        "daily",
        LoadOptions(),
    )
    assert forecast(held, [item], 2, [], held.model)[0]["version"] == held.version


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.process
def test_the_command_serves_the_loopback_with_a_key_and_reloads_on_sighup(
    files: dict, tmp_path: Path
) -> None:
    old, new = _two_versions(files["daily"])
    live = runs.save(old, tmp_path / "live", report=False)
    key = tmp_path / "key"
    key.write_text(KEY + "\n")
    port = _free_port()
    command = [sys.executable, "-m", "seqcast", "serve", "--run", str(live), "--port", str(port)]
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    started = time.monotonic()
    process = subprocess.Popen(
        [*command, "--api-key-file", str(key)], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for(lambda: httpx.get(f"{url}/health").status_code == 200, process)
        print(f"cold start: {time.monotonic() - started:.2f} s")  # measured in bench/
        assert httpx.get(f"{url}/v1/models").status_code == 401
        for address in _other_addresses():  # listening on the loopback only
            with pytest.raises(OSError), socket.create_connection((address, port), timeout=2):
                pass
        listed = httpx.get(f"{url}/v1/models", headers=AUTH).json()["models"][0]
        assert listed["version"] == served_runs.version(live) and listed["model"] == "ma:3"
        runs.save(new, live, report=False)
        process.send_signal(signal.SIGHUP)
        _wait_for(
            lambda: (
                httpx.get(f"{url}/v1/models", headers=AUTH).json()["models"][0]["model"] == "ma:9"
            ),
            process,
        )
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert f"at http://127.0.0.1:{port}/v1/models/live/forecast" in stderr
    assert "reload: live" in stderr and "(new version)" in stderr


def _other_addresses() -> list[str]:
    """This machine's outward address, if it has one (a UDP socket's connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
        except OSError:
            return []
        address = str(probe.getsockname()[0])
    return [] if address.startswith("127.") or address == "0.0.0.0" else [address]


def _wait_for(ready: Any, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "seqcast serve exited"
        try:
            if ready():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(f"not ready after {seconds} s")


def test_bad_serve_options_are_one_line_and_exit_2(
    run_dirs: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import seqcast.cli.serve

    # the command sets PyTorch's threads for its process: not for the test's process
    monkeypatch.setattr(seqcast.cli.serve, "_one_thread_per_request", lambda: None)
    runner = CliRunner()
    empty = tmp_path / "empty-key"
    empty.write_text("\n")
    for args, says in (
        (["--run", str(tmp_path / "nowhere")], "not a seqcast run directory"),
        (["--run", str(run_dirs["gru"]), "--run", str(run_dirs["gru"])], "two runs are called gru"),
        (["--run", str(run_dirs["gru"]), "--api-key-file", str(empty)], "empty; put the key"),
        (
            ["--run", str(run_dirs["gru"]), "--ledger", str(run_dirs["gru"] / "config.json")],
            "not a seqcast ledger",
        ),
    ):
        result = runner.invoke(cli, ["serve", *args])
        assert result.exit_code == 2, result.output
        assert says in result.output and len(result.output.strip().splitlines()) == 1


def test_fuzzing_the_openapi_schema_finds_no_server_error(server: Server) -> None:
    """Schemathesis draws valid and invalid requests for every operation from the OpenAPI
    schema: no 5xx, every error a one-line JSON object, every answer as the schema says."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 6
    modes = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
    for operation in operations:
        strategy = operation.as_strategy(modes[0]) | operation.as_strategy(modes[1])

        @settings(
            max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        @given(case=strategy)
        def check(case: Any) -> None:
            response = case.call(base_url=server.url, headers=AUTH, timeout=60)
            assert response.status_code < 500, response.text
            if response.status_code >= 400:
                assert_one_line(httpx.Response(response.status_code, content=response.content))
            case.validate_response(
                response,
                checks=[
                    status_code_conformance,
                    content_type_conformance,
                    response_schema_conformance,
                ],
            )

        check()


def test_serve_batches_a_forecaster_by_its_windowed_tag_not_its_class() -> None:
    """The capability seam: a plug-in declaring `windowed` is batched; drift (which reads
    the series' first value) and the state-filtering statistical models are not."""
    from seqcast.models.base import WINDOWED
    from seqcast.models.baselines import NaiveForecaster
    from seqcast.serve.paths import windowed

    class PlugIn(NaiveForecaster):
        TAGS = frozenset()

    class Declared(PlugIn):
        TAGS = frozenset({WINDOWED})

    assert windowed(registry.make("naive")) and windowed(registry.make("ma:7"))
    assert windowed(registry.make("gru", {"window": 10})) and windowed(registry.make("tcn"))
    assert not windowed(registry.make("drift")) and not windowed(PlugIn())
    assert windowed(Declared())


def test_a_run_whose_intervals_serve_cannot_compute_is_refused_in_one_line(
    files: dict, tmp_path: Path
) -> None:
    """GARCH intervals refit a volatility model on the history: serve does not, so a run
    made with them is refused rather than answered with intervals of another method."""
    from seqcast.serve.served import load as load_served

    run = save_run(
        tmp_path / "garch",
        files["daily"],
        {"drift": "drift"},
        test_days=20,
        calibration_days=20,
        levels=(80.0,),
        intervals="garch",
    )
    with pytest.raises(SeqcastError, match="its intervals are garch, which serve does not") as e:
        load_served("garch", run)
    assert "\n" not in str(e.value)
