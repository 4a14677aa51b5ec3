"""How a setting is declared (default, help, flag, choices, parser) and read back: the
machinery under every settings group (data, models, evaluation, tune). Imports nothing of
seqcast but its errors, so every layer can declare settings with it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import field
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
