"""Progress of long jobs, told to whoever listens (the CLI's epoch lines and progress bar).

Library code calls `tell(event, **details)`; nothing is shown unless a caller wraps the work
in `listening(callback)`. A context variable, so nested or concurrent jobs do not mix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

Listener = Callable[[str, dict[str, Any]], None]
_listener: ContextVar[Listener | None] = ContextVar("seqcast_progress", default=None)


@contextmanager
def listening(callback: Listener) -> Iterator[None]:
    token = _listener.set(callback)
    try:
        yield
    finally:
        _listener.reset(token)


def tell(event: str, **details: Any) -> None:
    """Events, in the order a job sends them:
    'start'   total: the fits the job will make
    'model'   label, seeds: a model's backtest begins
    'epoch'   epoch, epochs, members, loss, val_loss, seconds: of a group training now
    'fitted'  count: fits finished
    and from a tuning study (tune/search.py):
    'study'   total, done: the finished trials it will end with, and has already
    'trial'   done, best: trials finished, the best score so far (None before one)"""
    listener = _listener.get()
    if listener is not None:
        listener(event, details)
