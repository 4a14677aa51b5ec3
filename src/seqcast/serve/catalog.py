"""The served runs by name. A reload reads each run directory again and, once a new version
has loaded completely, swaps it in with one assignment: a request already holding the old
run finishes on it, the next one gets the new, and none sees half of either."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from seqcast.errors import SeqcastError
from seqcast.serve import served as runs
from seqcast.serve.served import Served


class UnknownModel(SeqcastError):
    """A request named a run this server does not serve (HTTP 404)."""


@dataclass(frozen=True)
class Reloaded:
    name: str
    version: str  # served after the reload
    changed: bool  # a new version was swapped in
    error: str | None = None  # why the directory could not be loaded (the old one stays)


class Catalog:
    def __init__(self, directories: list[Path]):
        names = [Path(d).resolve().name for d in directories]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise SeqcastError(
                f"two runs are called {', '.join(twice)}; serve directories with different names"
            )
        if not names:
            raise SeqcastError("no run to serve; give one with --run DIR")
        self.directories = dict(zip(names, map(Path, directories), strict=True))
        self.default = names[0]  # what POST /invocations answers
        self._served = {name: runs.load(name, d) for name, d in self.directories.items()}
        self._reloading = threading.Lock()

    def get(self, name: str | None = None) -> Served:
        """The run `name` (default: the first), as served at this moment."""
        served = self._served.get(name or self.default)
        if served is None:
            raise UnknownModel(f"no model '{name}' here; this server has {', '.join(self.names)}")
        return served

    @property
    def names(self) -> list[str]:
        return list(self.directories)

    def all(self) -> list[Served]:
        current = self._served
        return [current[name] for name in self.names]

    def reload(self) -> list[Reloaded]:
        """Read every run directory again; swap in those whose version changed."""
        with self._reloading:  # two reloads at once would load everything twice
            report, fresh = [], {}
            for name, directory in self.directories.items():
                old = self._served[name]
                try:
                    if runs.version(directory) != old.version:
                        fresh[name] = runs.load(name, directory)
                except (SeqcastError, OSError) as exc:
                    report.append(Reloaded(name, old.version, False, str(exc)))
                    continue
                now = fresh.get(name, old)
                report.append(Reloaded(name, now.version, now is not old))
            self._served = {**self._served, **fresh}  # one assignment: the swap
            return report
