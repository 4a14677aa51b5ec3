"""Run directories of earlier versions, read into today's record: seqcast 0.1.0's (format
1: one neural model beside naive, horizon 1) and 0.2.0's (format 2: no record of each
column's model and seed, no Holm p)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from seqcast.errors import SeqcastError
from seqcast.evaluate import stage
from seqcast.evaluate.verdict import verdict, with_holm
from seqcast.io import read_csv, read_json, read_safetensors
from seqcast.models import registry
from seqcast.result import Result

FORMAT_2 = 2  # seqcast 0.2.0's run directories


def with_run_keys(settings: dict[str, Any]) -> dict[str, Any]:
    """0.2.0 recorded no column's model and seed as values: read them off its column
    scheme (`label@seed`) once, here, so nothing else parses a column's name."""
    runs = {}
    for label, columns in settings["columns"].items():
        for column in columns:
            seed = column.rpartition("@")[2] if column.startswith(label + "@") else None
            runs[column] = {"model": label, "seed": None if seed is None else int(seed)}
    return {**settings, "runs": runs}


def with_holm_p(scores: pd.DataFrame) -> pd.DataFrame:
    """Scores saved before the Holm-adjusted p stood beside the raw one get it now."""
    return scores if "Holm p" in scores else with_holm(scores)


def load_format_1(directory: Path, saved: dict[str, Any]) -> Result:
    from seqcast.runs.store import restore  # the one way a saved forecaster comes back

    """A run directory of seqcast 0.1.0: one neural model beside naive, horizon 1."""
    try:
        config = saved["config"]
        meta = read_json(directory / "model.json")
        arrays = read_safetensors(directory / "model.safetensors")
        forecaster = restore(meta, arrays, directory / "model.json")
        label = forecaster.name
        load_options = {**config.get("load", {}), "target": config.get("target")}
        settings = {
            "format": 1,
            "seqcast": "0.1.0",
            "data": {"file": config["data"], "options": load_options, "column": "price"},
            "models": {label: {"class": "NeuralForecaster", "params": meta["params"]}},
            "columns": {"naive": ["naive"], label: [label]},
            "runs": {
                "naive": {"model": "naive", "seed": None},
                label: {"model": label, "seed": None},
            },
            "evaluation": {"test_days": int(config["test_days"]), "horizon": 1},
            "seeds": [forecaster.get_params()["seed"]],
            "naive_scale": float("nan"),
        }
        predictions = read_csv(directory / "predictions.csv", parse_dates=["date"])
        table = pd.DataFrame(
            {
                "cutoff": predictions["date"] - pd.Timedelta(days=1),
                "date": predictions["date"],
                "h": 1,
                "y": predictions["true"],
                "naive": predictions["naive"],
                label: predictions["predicted"],
            }
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SeqcastError(f"{directory}: damaged seqcast 0.1.0 run ({exc})") from None
    fitted = {"naive": _naive(), label: forecaster}
    scores = stage.score(settings, table)  # 0.1.0 saved no scores
    summary = Result(settings, table, scores, fitted, {}).summary(1)
    return Result(settings, table, scores, fitted, {}, verdicts={1: verdict(summary)})


def _naive() -> Any:
    return registry.make("naive").fit(pd.Series(dtype=float))
