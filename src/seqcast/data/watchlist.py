"""A watch-list: many series in, each named by its ticker. The input is a file, a directory
of files, a glob, or a list of these; each file holds one series or several (yfinance's
download of many tickers, a long table, a wide table). A file or series that cannot be read
is reported in one line and left out while the others load: the caller decides whether a
partial list is enough (the CLI exits with code 3).
"""

from __future__ import annotations

import glob
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from seqcast.data import exchanges
from seqcast.data.formats import BIG, read_table
from seqcast.data.load import Loaded, load_part, read_prices
from seqcast.data.options import LoadOptions
from seqcast.data.tables import EXTENSIONS, Part, split, ticker
from seqcast.errors import SeqcastError

MIN_ROWS = 2  # a series of one row has no change to forecast


class Watchlist(NamedTuple):
    series: list[Loaded]  # every series read, in the order of the files and within each
    errors: list[str]  # one line per file or series left out, naming it and why


def read_watchlist(
    source: str | Path | Sequence[str | Path], options: LoadOptions | None = None
) -> Watchlist:
    """Every series of `source` (a file, directory or glob, or a list of them), with the
    reasons for any left out. Raises SeqcastError only when nothing can be tried: no file
    found, or an option no series could be read with (an unknown exchange)."""
    options = options or LoadOptions()
    if options.calendar not in ("auto", "daily", "trading"):
        exchanges.check(options.calendar)
    sources = [source] if isinstance(source, str | Path) else list(source)
    files = [f for s in sources for f in price_files(s)]
    parts: list[tuple[Path, Part]] = []
    errors: list[str] = []
    for path in dict.fromkeys(files):
        try:
            parts += [(path, part) for part in _parts(path, options)]
        except SeqcastError as exc:
            errors.append(str(exc))
    owners: dict[str, list[Path]] = {}
    for path, part in parts:
        owners.setdefault(part.name, []).append(path)
    loaded = []
    for path, part in parts:
        if len(owners[part.name]) > 1:
            continue  # reported once below
        try:
            loaded.append(_load(path, part))
        except SeqcastError as exc:
            errors.append(str(exc))
    errors += [
        f"{name}: named by {' and '.join(map(str, dict.fromkeys(paths)))}"
        f"{' (twice)' if len(set(paths)) == 1 else ''}; skipped: keep one file per ticker"
        for name, paths in owners.items()
        if len(paths) > 1
    ]
    return Watchlist(loaded, errors)


def price_files(source: str | Path) -> list[Path]:
    """The price files `source` names: itself, those in a directory (not its
    subdirectories; hidden files and READMEs skipped), or those a glob matches."""
    path = Path(source)
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.is_file() and _is_price_file(p))
        if not found:
            raise SeqcastError(
                f"{path}: no price file in this directory (looked for {', '.join(EXTENSIONS)})"
            )
        return found
    if path.is_file() or not glob.has_magic(str(source)):
        return [path]  # a missing file is reported by the reader, in its own words
    matched = sorted(Path(p) for p in glob.glob(str(source)) if Path(p).is_file())
    if not matched:
        raise SeqcastError(f"{source}: no file matches")
    return matched


def _is_price_file(path: Path) -> bool:
    name = path.name.lower()
    return not name.startswith(".") and any(name.endswith(e) for e in EXTENSIONS)


def _parts(path: Path, options: LoadOptions) -> list[Part]:
    """The series of one file; a large file is one series, for read_prices (which reads
    big intraday files in chunks)."""
    if path.is_file() and path.stat().st_size >= BIG:
        return [Part(ticker(path), None, options)]
    return split(path, read_table(path, options.format, options.date_col), options, wide=True)


def _load(path: Path, part: Part) -> Loaded:
    try:
        loaded = read_prices(path, part.options) if part.raw is None else load_part(path, part)
    except SeqcastError as exc:
        said, prefix = str(exc), f"{path}: "
        if part.name != ticker(path) and said.startswith(prefix):  # one series of several
            raise SeqcastError(f"{path} ({part.name}): {said[len(prefix) :]}") from None
        raise
    if len(loaded.series) < MIN_ROWS:
        raise SeqcastError(
            f"{path} ({part.name}): {len(loaded.series)} row; a series needs at least {MIN_ROWS}"
        )
    return loaded
