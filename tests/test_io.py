"""Run directories on disk: written with the permissions of their files, and what a writer
killed in the middle (a real SIGKILL) left behind cleared by the next write in the folder."""

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from seqcast.io import write_directory

SRC = Path(__file__).resolve().parents[1] / "src"
RUN = {"config.json": b"{}\n", "models/a.json": b"{}\n"}


def _dead_pid() -> int:
    """The id of a process that has ended (and been waited for)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return int(done.stdout)


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_a_run_directory_has_the_permissions_any_new_directory_has(tmp_path: Path) -> None:
    (tmp_path / "reference").mkdir()  # what the umask gives a directory (0755 under 022)
    expected = (tmp_path / "reference").stat().st_mode & 0o777
    write_directory(tmp_path / "run", RUN)
    assert (tmp_path / "run").stat().st_mode & 0o777 == expected
    assert (tmp_path / "run" / "models").stat().st_mode & 0o777 == expected
    write_directory(tmp_path / "run", RUN)  # and again when it replaces an earlier run
    assert (tmp_path / "run").stat().st_mode & 0o777 == expected


@pytest.mark.parametrize("name", [".old.old-0123abcd", ".old.{pid}-0123abcd.old"])
@pytest.mark.process
def test_a_retired_copy_left_by_a_killed_write_is_removed_by_the_next(
    tmp_path: Path, name: str
) -> None:
    write_directory(tmp_path / "old", {**RUN, "note": b"the run"})
    leftover = tmp_path / name.format(pid=_dead_pid())
    shutil.copytree(tmp_path / "old", leftover)
    staged = tmp_path / f".new.{_dead_pid()}-89abcdef.new"  # killed while writing its files
    staged.mkdir()
    (staged / "config.json").write_bytes(b"{")
    write_directory(tmp_path / "other", RUN)
    assert _hidden(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old", "other"]
    assert (tmp_path / "old" / "note").read_bytes() == b"the run"


def test_a_retired_copy_whose_run_is_gone_is_put_back(tmp_path: Path) -> None:
    """Killed between the two renames of the swap: the old run is the only whole copy."""
    write_directory(tmp_path / "run", {**RUN, "note": b"the old run"})
    (tmp_path / "run").rename(tmp_path / f".run.{_dead_pid()}-0123abcd.old")
    write_directory(tmp_path / "other", RUN)
    assert _hidden(tmp_path) == []
    assert (tmp_path / "run" / "note").read_bytes() == b"the old run"


def test_what_a_live_writer_stages_and_user_folders_are_left_alone(tmp_path: Path) -> None:
    mine = tmp_path / f".run.{os.getpid()}-0123abcd.new"  # this process: alive
    mine.mkdir()
    user = tmp_path / ".run.old-notours"  # not a name seqcast makes
    user.mkdir()
    alike = tmp_path / ".notes.old-0123abcd"  # named like a retired run, but holds no run
    alike.mkdir()
    (alike / "notes.txt").write_text("keep me")
    write_directory(tmp_path / "other", RUN)
    assert _hidden(tmp_path) == sorted([mine.name, user.name, alike.name])


# A writer that stops in the middle of the swap (at `where`) until it is killed.
WRITER = """
import shutil, sys, time
from pathlib import Path
from seqcast import io

folder, where = Path(sys.argv[1]), sys.argv[2]
rename, rmtree = Path.rename, shutil.rmtree

def stop():
    (folder / "ready").write_text("")
    time.sleep(600)

def renamed(self, target):
    result = rename(self, target)
    if where == "between renames" and ".old" in Path(target).name:
        stop()
    return result

def removed(path, *args, **kwargs):
    if where == "while removing":
        stop()
    return rmtree(path, *args, **kwargs)

Path.rename, io.shutil.rmtree = renamed, removed
io.write_directory(folder / "run", {"config.json": b"{}", "note": b"the new run"})
"""


@pytest.mark.parametrize("where", ["between renames", "while removing"])
@pytest.mark.process
def test_a_writer_killed_during_the_swap_leaves_nothing_after_the_next_write(
    tmp_path: Path, where: str
) -> None:
    write_directory(tmp_path / "run", {**RUN, "note": b"the old run"})
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    script = textwrap.dedent(WRITER)
    writer = subprocess.Popen([sys.executable, "-c", script, str(tmp_path), where], env=env)
    deadline = time.monotonic() + 60
    while not (tmp_path / "ready").exists():
        assert writer.poll() is None and time.monotonic() < deadline, "the writer never stopped"
        time.sleep(0.05)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    (tmp_path / "ready").unlink()
    assert _hidden(tmp_path) != []  # the kill left a copy behind
    write_directory(tmp_path / "other", RUN)
    assert _hidden(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other", "run"]
    note = (tmp_path / "run" / "note").read_bytes()
    assert note == (b"the old run" if where == "between renames" else b"the new run")
