"""The command line: `seqcast` (see cli/app.py)."""

from seqcast.cli.app import main

__all__ = ["main"]
