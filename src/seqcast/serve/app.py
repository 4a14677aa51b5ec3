"""The HTTP API (FastAPI): the served runs, their forecasts and their live record.

    GET  /health                       liveness and the served runs (no key needed)
    GET  /v1/models                    each run: version, data, horizon, levels, backtest
    POST /v1/models/{name}/forecast    forecasts of one or many series (schema.py)
    POST /invocations                  the same, from the first run (SageMaker's path)
    GET  /v1/models/{name}/ledger      the run's published forecasts, scored (--ledger)
    POST /v1/admin/reload              read every run directory again (also on SIGHUP)

Every answer is strict JSON (null, never NaN); every error a 4xx with one line,
{"error": "..."}, never a traceback; an unexpected failure is a 500 saying only its type.
"""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from seqcast import __version__
from seqcast.errors import SeqcastError
from seqcast.io import plain
from seqcast.serve import forecast as forecasting
from seqcast.serve.catalog import Catalog, UnknownModel
from seqcast.serve.middleware import BodyLimit, Guard
from seqcast.serve.schema import Error, ForecastRequest, ForecastResponse
from seqcast.serve.series import from_table, to_item
from seqcast.settings import LoadOptions

MAX_BODY = 16 * 1024 * 1024  # bytes: 100 series of 5,000 days is about 9 MB as JSON
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Error} for code in (400, 401, 404, 413, 422)
}
BEARER = HTTPBearer(auto_error=False, description="The key in --api-key-file.")


class Unauthorized(SeqcastError):
    """No key, or the wrong one (HTTP 401)."""


def create_app(
    catalog: Catalog,
    api_key: str | None = None,
    ledger: Path | None = None,
    max_body: int = MAX_BODY,
) -> FastAPI:
    app = FastAPI(
        title="seqcast",
        version=__version__,
        description="Forecasts of daily prices from saved seqcast runs, beside naive's.",
    )
    app.add_middleware(BodyLimit, limit=max_body)
    app.add_middleware(Guard)  # outermost of ours: it also guards BodyLimit
    _errors(app)
    keyed = [Depends(_key_check(api_key))]

    @app.get("/health", responses=ERRORS)
    def health() -> dict[str, Any]:
        return {"status": "ok", "models": catalog.names}

    @app.get("/v1/models", dependencies=keyed, responses=ERRORS)
    def models() -> dict[str, Any]:
        return plain({"models": [served.info() for served in catalog.all()]})

    @app.post(
        "/v1/models/{name}/forecast",
        dependencies=keyed,
        response_model=ForecastResponse,
        responses=ERRORS,
    )
    def forecast(name: str, request: ForecastRequest) -> JSONResponse:
        return JSONResponse(_answer(catalog, name, request))

    @app.post("/invocations", dependencies=keyed, response_model=ForecastResponse, responses=ERRORS)
    def invocations(request: ForecastRequest) -> JSONResponse:
        return JSONResponse(_answer(catalog, None, request))

    @app.get("/v1/models/{name}/ledger", dependencies=keyed, responses=ERRORS)
    def ledger_record(name: str) -> dict[str, Any]:
        from seqcast.serve.track import live_record

        catalog.get(name)  # 404 for a run this server does not serve
        if ledger is None:
            raise HTTPException(404, "no ledger here: start seqcast serve with --ledger FILE")
        return plain(live_record(ledger, run=name))

    @app.post("/v1/admin/reload", dependencies=keyed, responses=ERRORS)
    def reload() -> dict[str, Any]:
        report = catalog.reload()
        failed = [r for r in report if r.error]
        if failed:
            first = failed[0]
            raise SeqcastError(
                f"{first.name} not reloaded (the old one still serves): {first.error}"
            )
        return {"models": [vars(r) for r in report]}

    return app


def _answer(catalog: Catalog, name: str | None, request: ForecastRequest) -> dict[str, Any]:
    served = catalog.get(name)  # held to the end: a reload meanwhile does not touch it
    parameters = request.parameters
    horizon, levels, label = forecasting.check_request(
        served, parameters.prediction_length, parameters.levels, parameters.model
    )
    data = served.result.settings.get("data", {})
    options = LoadOptions(**data.get("options", {}))
    calendar = data.get("calendar", "daily")
    specs = request.inputs if request.inputs is not None else from_table(request.table or [])
    where = "inputs" if request.inputs is not None else "table"
    items = [to_item(s, f"{where}[{k}]", calendar, options) for k, s in enumerate(specs)]
    predictions = forecasting.forecast(served, items, horizon, levels, label)
    return plain(
        {"model": label, "run": served.name, "version": served.version, "predictions": predictions}
    )


def _key_check(api_key: str | None) -> Any:
    def check(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]) -> None:
        if api_key is None:
            return
        if credentials is None:
            raise Unauthorized("missing API key: send the header Authorization: Bearer <key>")
        if not hmac.compare_digest(credentials.credentials.encode(), api_key.encode()):
            raise Unauthorized("wrong API key")

    return check


def _errors(app: FastAPI) -> None:
    """One-line JSON errors for every way a request can fail."""

    def one_line(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
        text = " ".join(str(message).split()) or "error"
        return JSONResponse({"error": text}, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return one_line(422, _first_problem(exc.errors()))

    @app.exception_handler(HTTPException)
    async def http(request: Request, exc: HTTPException) -> JSONResponse:
        detail = str(exc.detail)
        if exc.status_code == 400 and "parsing the body" in detail:  # FastAPI's words
            detail = "body: not JSON text; send UTF-8 JSON"
        return one_line(exc.status_code, detail, getattr(exc, "headers", None))

    @app.exception_handler(Unauthorized)
    async def unauthorized(request: Request, exc: Unauthorized) -> JSONResponse:
        return one_line(401, str(exc), {"WWW-Authenticate": "Bearer"})

    @app.exception_handler(UnknownModel)
    async def unknown(request: Request, exc: UnknownModel) -> JSONResponse:
        return one_line(404, str(exc))

    @app.exception_handler(SeqcastError)
    async def refused(request: Request, exc: SeqcastError) -> JSONResponse:
        return one_line(422, str(exc))


def _first_problem(errors: Any) -> str:
    """The first validation error as `where: what`, e.g. `inputs[0].target[3]: Input
    should be a finite number`, and how many more there are."""
    errors = list(errors)
    if not errors:
        return "invalid request"
    first = errors[0]
    loc = list(first.get("loc", ()))
    if loc and loc[0] == "body":
        loc = loc[1:]
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    message = first.get("msg", "invalid")
    if first.get("type") == "json_invalid":
        where = "body"
        reason = first.get("ctx", {}).get("error", "unreadable")
        message = f"not JSON ({reason} at character {loc[0] if loc else 0})"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where or 'body'}: {message}{more}"
