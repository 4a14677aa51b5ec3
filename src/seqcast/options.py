"""How a setting is declared (default, help, flag, choices, parser) and read back: the
machinery under every settings group (data, models, evaluation, tune). Imports nothing of
seqcast but its errors, so every layer can declare settings with it."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from seqcast.errors import SeqcastError


def option(
    default: Any,
    help: str,
    *,
    flag: str | None = None,
    choices: tuple[str, ...] | None = None,
    parse: Callable[[str], Any] | None = None,
    shown: str | None = None,
    cli: bool = True,
) -> Any:
    """A setting: its default, its help line and, for the CLI, an optional flag name, the
    allowed values, a parser for text (lists), how the default reads in --help, and whether
    it is an option at all (`cli=False`: set by seqcast itself)."""
    meta: dict[str, Any] = {"help": help, "flag": flag, "choices": choices, "parse": parse}
    meta |= {"shown": shown, "cli": cli}
    return field(default=default, metadata=meta)


def seed_list(text: str) -> int | tuple[int, ...]:
    """'3' -> 3 (a count of seeds); '1,5,9' -> (1, 5, 9) (the seeds themselves)."""
    try:
        numbers = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise SeqcastError(f"--seeds '{text}': give a count (3) or a list (1,5,9)") from None
    return numbers[0] if len(numbers) == 1 and "," not in text else numbers


def level_list(text: str) -> tuple[float, ...]:
    """'80,95' -> (80.0, 95.0)."""
    try:
        return tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise SeqcastError(f"--levels '{text}': give percentages, e.g. 80,95") from None


def name_list(text: str) -> tuple[str, ...]:
    """'naive, gru' -> ('naive', 'gru')."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def check_choices(settings: object) -> None:
    """Refuse a value outside a setting's choices, naming the option."""
    for f in dataclasses.fields(settings):  # type: ignore[arg-type]
        value, choices = getattr(settings, f.name), f.metadata.get("choices")
        if choices and value is not None and value not in choices:
            flag = f.metadata.get("flag") or "--" + f.name.replace("_", "-")
            raise SeqcastError(f"{flag} '{value}': choose one of {', '.join(choices)}")


def keys(group: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(group))


def pick(group: type, values: dict[str, Any]) -> dict[str, Any]:
    """The entries of `values` that are settings of `group`."""
    names = keys(group)
    return {k: v for k, v in values.items() if k in names}


def typed(groups: list[type], values: dict[str, Any], source: str) -> dict[str, Any]:
    """`values` from a file (TOML), each checked against its setting's type, or parsed as
    the option's text would be: a value of the wrong type is one line naming the key, the
    value and what it should be (TOML's `shrink = "no"` must not read as true)."""
    fields = {f.name: (f, group) for group in groups for f in dataclasses.fields(group)}
    checked = dict(values)
    for key, value in values.items():
        if key in fields:
            f, group = fields[key]
            checked[key] = _typed(f, typing.get_type_hints(group)[key], value, source)
    return checked


def _typed(f: dataclasses.Field, hint: Any, value: Any, source: str) -> Any:
    parse = f.metadata.get("parse")
    if parse is not None and isinstance(value, str):
        return parse(value)  # as on the command line: "80,95", "gru, drift"
    kinds = typing.get_args(hint) if typing.get_origin(hint) in _UNIONS else (hint,)
    for kind in kinds:
        if _fits(kind, value):
            return tuple(value) if isinstance(value, list) else value
    wanted = " or ".join(_kind_name(k) for k in kinds if k is not type(None))
    raise SeqcastError(
        f"{source}: {f.name} = {value!r} is {_kind_name(type(value))}; it should be {wanted}"
    )


_UNIONS = (typing.Union, types.UnionType)


def _fits(kind: Any, value: Any) -> bool:
    if kind is type(None):
        return value is None
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if typing.get_origin(kind) is tuple:
        inner = typing.get_args(kind)[0]
        return isinstance(value, list | tuple) and all(_fits(inner, v) for v in value)
    return isinstance(value, kind)


def _kind_name(kind: Any) -> str:
    if typing.get_origin(kind) is tuple:
        inner = typing.get_args(kind)[0]
        return "a list of " + {int: "whole numbers", float: "numbers"}.get(inner, "text values")
    names = {bool: "true or false", int: "a whole number", float: "a number", str: "text"}
    names |= {list: "a list", tuple: "a list", dict: "a table"}
    return names.get(kind, getattr(kind, "__name__", str(kind)))


@dataclass(frozen=True)
class Dimension:
    """One setting of a tuning space (what `tune` tries): a range, or choices."""

    name: str
    low: float | None = None  # a range...
    high: float | None = None
    log: bool = False
    choices: tuple[Any, ...] | None = None  # ...or choices (one choice: a fixed value)
