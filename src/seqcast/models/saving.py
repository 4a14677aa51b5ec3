"""A fitted library model held as nested dicts (StatsForecast's `model_`), saved without
pickle: the structure, strings, whole numbers and flags as JSON, every float and array as a
named array (safetensors), bit for bit. Floats never go to JSON, where NaN has no spelling.
"""

from __future__ import annotations

from typing import Any

import numpy as np

ARRAY, FLOAT = "__array__", "__float__"  # markers of a value kept among the arrays


def to_arrays(value: Any, name: str, arrays: dict[str, np.ndarray]) -> Any:
    """`value` as JSON-ready data; its floats and arrays go into `arrays` under names that
    start with `name`."""
    if isinstance(value, dict):
        return {str(k): to_arrays(v, f"{name}.{k}", arrays) for k, v in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_asdict"):  # an optimizer's result
        return to_arrays(value._asdict(), name, arrays)
    if isinstance(value, list | tuple):
        return [to_arrays(v, f"{name}.{i}", arrays) for i, v in enumerate(value)]
    if value is None or isinstance(value, str | bool | np.bool_):
        return value if not isinstance(value, np.bool_) else bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        arrays[name] = np.array([value], dtype=np.float64)  # (1,): safetensors files keep no 0-d
        return {FLOAT: name}
    if isinstance(value, np.ndarray) and value.dtype != object:
        arrays[name] = np.ascontiguousarray(value)
        return {ARRAY: name}
    raise TypeError(f"cannot save {name} of type {type(value).__name__}")


def from_arrays(tree: Any, arrays: dict[str, np.ndarray]) -> Any:
    """The inverse of `to_arrays`."""
    if isinstance(tree, dict):
        if set(tree) == {ARRAY}:
            return np.array(arrays[tree[ARRAY]])  # a writable copy
        if set(tree) == {FLOAT}:
            return np.float64(arrays[tree[FLOAT]][0])
        return {k: from_arrays(v, arrays) for k, v in tree.items()}
    if isinstance(tree, list):
        return tuple(from_arrays(v, arrays) for v in tree)
    return tree
