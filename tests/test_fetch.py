"""seqcast fetch against a real HTTP server on the loopback (pytest-httpserver) replaying
answers in the shape of Yahoo's chart API: caching, only new days, never today's bar, and
one clear line for every way a download fails, with the cache untouched."""

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner
from werkzeug import Request, Response

from seqcast.cli.app import app
from seqcast.data.fetch import fetch
from seqcast.data.load import read_prices
from seqcast.errors import SeqcastError

DAY = 86_400
NOT_FOUND = {
    "chart": {
        "result": None,
        "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"},
    }
}
START = int(datetime(2024, 5, 20, tzinfo=UTC).timestamp())


def chart(first_day: int, days: int, offset: int = 0, hour: int = 0) -> dict:
    """A chart answer: `days` daily bars from day `first_day` after START, stamped at
    `hour` UTC, in an exchange `offset` seconds from UTC."""
    stamps = [START + (first_day + d) * DAY + hour * 3600 for d in range(days)]
    closes = [60_000.0 + 100 * (first_day + d) for d in range(days)]
    return {
        "chart": {
            "result": [
                {
                    "meta": {"currency": "USD", "symbol": "BTC-USD", "gmtoffset": offset},
                    "timestamp": stamps,
                    "indicators": {
                        "quote": [
                            {
                                "open": [c - 50 for c in closes],
                                "high": [c + 200 for c in closes],
                                "low": [c - 200 for c in closes],
                                "close": closes,
                                "volume": [10**10] * days,
                            }
                        ],
                        "adjclose": [{"adjclose": closes}],
                    },
                }
            ],
            "error": None,
        }
    }


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "seqcast" / "prices"


def _at(day: int, hour: int = 12) -> datetime:
    return datetime.fromtimestamp(START + day * DAY + hour * 3600, tz=UTC)


def test_first_fetch_then_only_new_days_and_never_today(
    httpserver: HTTPServer, tmp_path: Path, cache: Path
) -> None:
    url = "/v8/finance/chart/BTC-USD"
    httpserver.expect_oneshot_request(url).respond_with_json(chart(0, 5))  # day 4 is "today"
    out = tmp_path / "btc.csv"
    got = fetch("BTC-USD", out, httpserver.url_for("/"), now=_at(4))
    assert (got.rows, got.new, got.first, got.last) == (4, 4, "2024-05-20", "2024-05-23")
    loaded = read_prices(out)
    assert loaded.series.iloc[-1] == 60_300.0 and loaded.layout == "yahoo"

    def later(request: Request) -> Response:  # asks only for the days after the cache
        assert int(request.args["period1"]) == START + 4 * DAY
        return Response(json.dumps(chart(4, 4)), content_type="application/json")

    httpserver.expect_oneshot_request(url).respond_with_handler(later)
    again = fetch("BTC-USD", out, httpserver.url_for("/"), now=_at(7))
    assert (again.rows, again.new, again.last) == (7, 3, "2024-05-26")
    assert (cache / "BTC-USD.csv").read_text() == out.read_text()


def test_stock_bars_are_dated_in_the_exchange_time(httpserver: HTTPServer, tmp_path: Path) -> None:
    # New York: UTC-4 in May; a bar stamped 13:30 UTC is that morning's session
    answer = chart(0, 5, offset=-4 * 3600, hour=13)
    httpserver.expect_oneshot_request("/v8/finance/chart/SPY").respond_with_json(answer)
    got = fetch("SPY", tmp_path / "spy.csv", httpserver.url_for("/"), now=_at(10))
    assert (got.first, got.last) == ("2024-05-20", "2024-05-24")


def _fails(httpserver: HTTPServer, tmp_path: Path, cache: Path, message: str, **kw) -> None:
    before = {p.name: p.read_bytes() for p in cache.glob("*")} if cache.exists() else {}
    with pytest.raises(SeqcastError, match=message) as caught:
        fetch("BTC-USD", tmp_path / "x.csv", httpserver.url_for("/"), now=_at(30), **kw)
    assert "\n" not in str(caught.value)
    after = {p.name: p.read_bytes() for p in cache.glob("*")} if cache.exists() else {}
    assert after == before  # the cache is untouched
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize(
    ("respond", "message"),
    [
        (lambda r: r.respond_with_data("busy", status=503), "answered HTTP 503"),
        (
            lambda r: r.respond_with_data("slow down", status=429, headers={"Retry-After": "60"}),
            r"limiting requests \(HTTP 429\); try again after 60 s",
        ),
        (lambda r: r.respond_with_json(NOT_FOUND, status=404), "no symbol 'BTC-USD'"),
        (lambda r: r.respond_with_data("<html>", content_type="text/html"), "not JSON"),
        (lambda r: r.respond_with_json({"chart": {"result": []}}), "unexpected answer"),
        (
            lambda r: r.respond_with_json(
                {"chart": {"result": None, "error": {"description": "Invalid input"}}}
            ),
            "Invalid input",
        ),
    ],
    ids=["503", "429", "404", "html", "empty", "error-field"],
)
def test_failures_are_one_line_and_leave_the_cache_alone(
    httpserver: HTTPServer, tmp_path: Path, cache: Path, respond, message: str
) -> None:
    httpserver.expect_oneshot_request("/v8/finance/chart/BTC-USD").respond_with_json(chart(0, 5))
    fetch("BTC-USD", tmp_path / "first.csv", httpserver.url_for("/"), now=_at(10))
    respond(httpserver.expect_oneshot_request("/v8/finance/chart/BTC-USD"))
    _fails(httpserver, tmp_path, cache, message)


def test_a_malformed_chart_is_refused(httpserver: HTTPServer, tmp_path: Path, cache: Path) -> None:
    broken = chart(0, 5)
    broken["chart"]["result"][0]["indicators"]["quote"][0]["close"].pop()
    httpserver.expect_oneshot_request("/v8/finance/chart/BTC-USD").respond_with_json(broken)
    _fails(httpserver, tmp_path, cache, "unexpected answer .*different lengths")


def test_a_server_that_does_not_answer_in_time(
    httpserver: HTTPServer, tmp_path: Path, cache: Path
) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.5)
        return Response("{}", content_type="application/json")

    httpserver.expect_oneshot_request("/v8/finance/chart/BTC-USD").respond_with_handler(slow)
    _fails(httpserver, tmp_path, cache, "no answer within 0.5 s", timeout=0.5)


def test_the_command(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_oneshot_request("/v8/finance/chart/BTC-USD").respond_with_json(chart(0, 5))
    out = tmp_path / "btc.csv"
    args = ["fetch", "BTC-USD", "--out", str(out), "--base-url", httpserver.url_for("/")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "5 days, 2024-05-20 .. 2024-05-24 (5 new" in result.output
    assert pd.read_csv(out)["Close"].iloc[-1] == 60_400.0
    unreachable = CliRunner().invoke(app, [*args[:4], "--base-url", "http://127.0.0.1:9"])
    assert unreachable.exit_code == 2 and "cannot reach 127.0.0.1" in unreachable.output
    bad = CliRunner().invoke(app, ["fetch", "BTC USD;rm"])
    assert bad.exit_code == 2 and "is not a ticker symbol" in bad.output


@pytest.mark.parametrize("timeout", ["-1", "0", "nan", "inf", "1e300"])
def test_a_timeout_that_is_not_a_wait_is_refused_before_any_request(
    httpserver: HTTPServer, tmp_path: Path, timeout: str
) -> None:
    out = tmp_path / "btc.csv"
    args = ["fetch", "BTC-USD", "--out", str(out), "--base-url", httpserver.url_for("/")]
    result = CliRunner().invoke(app, [*args, "--timeout", timeout])
    assert result.exit_code == 2, result.output
    assert result.output == (
        f"seqcast: error: --timeout {float(timeout):g}: give the seconds to wait for an"
        " answer, above 0 and at most 86,400 (e.g. --timeout 20)\n"
    )
    assert httpserver.log == [] and not out.exists()
