"""The bodies the API reads and writes, as pydantic models: FastAPI validates requests with
them and publishes them as the OpenAPI schema (which Schemathesis fuzzes).

A request holds one or many series, as forecasting services take them (SageMaker/GluonTS,
Chronos, KServe's time-series API): `inputs`, each `{item_id, timestamps or start, target,
past_covariates}`, or Nixtla's long table `[{unique_id, ds, y}]`; and `parameters`.
Numbers are strict: a price is a finite JSON number above 0, never a string, NaN or null.
"""

from __future__ import annotations

import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_SERIES = 1000  # series in one request
MAX_VALUES = 100_000  # values in one series (the body limit usually binds first)
COVARIATES = ("open", "high", "low", "volume")  # what a price file gives beside the close

Price = Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)]
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Level = Annotated[float, Field(strict=True, gt=0, lt=100, allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
# pandas' dates end in 2262; a forecast's last day must fit too
Day = Annotated[datetime.date, Field(ge=datetime.date(1800, 1, 1), le=datetime.date(2200, 12, 31))]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Series(Body):
    item_id: Annotated[Name | None, Field(description="Echoed; default: its place.")] = None
    timestamps: Annotated[
        list[Day] | None,
        Field(max_length=MAX_VALUES, description="One date per target value, oldest first."),
    ] = None
    start: Annotated[
        Day | None,
        Field(description="The first date, instead of timestamps (then one per day)."),
    ] = None
    target: Annotated[list[Price], Field(min_length=1, max_length=MAX_VALUES)]
    past_covariates: Annotated[
        dict[str, list[Number | None]] | None,
        Field(
            description="Beside each target value, the day's "
            + ", ".join(COVARIATES)
            + " (for models that read them; null: unknown)."
        ),
    ] = None

    @model_validator(mode="after")
    def _dated_once(self) -> Series:
        if (self.timestamps is None) == (self.start is None):
            raise ValueError("give either timestamps or start")
        return self


class Row(Body):
    unique_id: Name
    ds: Day
    y: Price


class Parameters(Body):
    prediction_length: Annotated[
        int | None,
        Field(ge=1, description="Days ahead; at most the run's horizon (default: it)."),
    ] = None
    levels: Annotated[
        list[Level] | None,
        Field(max_length=10, description="Interval levels in percent (default: the run's)."),
    ] = None
    model: Annotated[
        Name | None, Field(description="Which of the run's models (default: its own).")
    ] = None


class ForecastRequest(Body):
    inputs: Annotated[list[Series] | None, Field(max_length=MAX_SERIES)] = None
    table: Annotated[
        list[Row] | None, Field(max_length=MAX_VALUES, description="Nixtla's long format.")
    ] = None
    parameters: Parameters = Parameters()

    @model_validator(mode="after")
    def _one_form(self) -> ForecastRequest:
        if (self.inputs is None) == (self.table is None):
            raise ValueError("give either inputs or table")
        return self


class Prediction(BaseModel):
    """One series' forecast; plus `lo-<level>` and `hi-<level>` lists per level."""

    model_config = ConfigDict(extra="allow")
    item_id: str
    dates: list[str]
    mean: list[float | None]
    naive: list[float | None]
    version: str
    warnings: list[str]


class ForecastResponse(BaseModel):
    model: str
    run: str
    version: str
    predictions: list[Prediction]


class Error(BaseModel):
    error: str = Field(description="What was wrong, in one line.")
