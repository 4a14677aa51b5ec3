"""Process-wide settings, in one place: only entry points call these (the CLI's `main`, a
Ray task, a tuning worker), never library code, so a program that imports seqcast and
calls `fit` keeps its process as it was (and calls `prepare()` itself for the CLI's
training speed).

- The allocator: glibc keeps freed memory for reuse (every training step frees and
  re-allocates the same multi-MB buffers; fresh pages from the system cost a page fault
  each: measured, a 3-seed GRU batch 27 -> 17 ms). PyTorch's CPU tuning guide recommends a
  caching allocator for the same reason.
- PyTorch's thread count, where a worker is given a share of the CPUs.
- Optuna's log level, for a tuning worker (its parent says what needs saying).
- A fast exit for the CLI, once every file is written.
"""

from __future__ import annotations

import atexit
import os
import sys
from typing import NoReturn

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)
INTERRUPTED = 130  # the exit code of a command stopped by Ctrl-C (128 + SIGINT)


def prepare(threads: int | None = None, quiet_optuna: bool = False) -> None:
    """Set up this process for seqcast's work: keep freed memory; with `threads`, PyTorch
    uses that many; with `quiet_optuna`, Optuna logs warnings only."""
    keep_freed_memory()
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    if quiet_optuna:
        optuna_warnings_only()


def keep_freed_memory() -> bool:
    """Let glibc keep freed memory for reuse instead of returning it to the system; False
    where the C library is not glibc (nothing to do)."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt(M_TRIM_THRESHOLD, 1 << 30)  # keep up to 1 GiB of free heap
    mallopt(M_MMAP_THRESHOLD, 1 << 25)  # buffers up to 32 MiB (its maximum) from the heap
    return True


def optuna_warnings_only() -> None:
    """Optuna logs errors only: not a line per trial, nor a failed or interrupted trial's
    traceback (seqcast says that in one line itself); its log level is process-wide."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)


def fast_exit(code: int) -> NoReturn:
    """End the process with `code` once every file is written and closed. Where PyTorch is
    loaded, the `atexit` handlers run and the streams are flushed, but the interpreter's
    teardown is skipped: unloading PyTorch's libraries takes 0.4 s, for nothing."""
    sys.stdout.flush()
    sys.stderr.flush()
    # After Ctrl-C (130) the interrupt may have cut an import short (PyTorch's, often):
    # the interpreter's teardown of a half-imported extension can end the process by the
    # signal instead of the code, so an interrupted command skips it too.
    if "torch" in sys.modules or code == INTERRUPTED:
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
