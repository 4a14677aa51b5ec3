"""Forecasts in production: `seqcast serve` answers forecast requests over HTTP from saved
runs (FastAPI + uvicorn, the `serve` extra), and `seqcast track` keeps a ledger of the
forecasts it published and scores each once its truth arrives (SQLite, the standard library).

    runs.py       a saved run, loaded once, with its version digest and its own errors
    bounds.py     calibrated intervals of the days after a history ends, for one series
    series.py     a request's series -> a clean date-indexed series (or one line saying why)
    forecast.py   one series' forecast from a served run: what `seqcast forecast` prints
    catalog.py    the served runs by name, each replaced in one step on reload
    schema.py     the request and response bodies (pydantic: the OpenAPI schema)
    app.py        the HTTP API: routes, one-line JSON errors, the API key, limits
    ledger.py     the SQLite ledger: schema, append, record truths, score
    track.py      one day of `seqcast track`: forecast, append, score
    page.py       the ledger's live record as an HTML page
"""
