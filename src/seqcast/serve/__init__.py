"""Forecasts in production: `seqcast serve` answers forecast requests over HTTP from saved
runs (FastAPI + uvicorn, the `serve` extra), and `seqcast track` keeps a ledger of the
forecasts it published and scores each once its truth arrives (SQLite, the standard library).

    served.py     a saved run, loaded once, with its version digest and its own errors
    bounds.py     calibrated intervals of the days after a history ends, for one series
    series.py     a request's series -> a clean date-indexed series (or one line saying why)
    paths.py      what each model predicts for the series, alone or in one batch
    forecast.py   a request's forecasts from a served run: what `seqcast forecast` prints
    catalog.py    the served runs by name, each replaced in one step on reload
    schema.py     the request and response bodies (pydantic: the OpenAPI schema)
    app.py        the HTTP API: routes, one-line JSON errors, the API key
    middleware.py the body limit, and a one-line 500 for the unexpected
    ledger.py     the SQLite ledger: schema, append, record truths, read back
    track.py      one day of `seqcast track`: forecast, append, record; and the scores
    page.py       the ledger's live record as an HTML page
"""
