"""Where seqcast keeps what it builds or downloads once per machine (compiled loops, the
report's chart library, fetched prices): $XDG_CACHE_HOME/seqcast or ~/.cache/seqcast."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "seqcast"
