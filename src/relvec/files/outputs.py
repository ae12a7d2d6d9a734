"""Output paths checked before any work, and files written under a temporary name until they are complete.

Every command that writes checks its outputs first (a missing or read-only folder, a folder given where a
file goes, the input named as the output), so a mistake costs nothing; then it writes beside the target and
renames at the end, so the target holds either its old content or the complete new one, never a partial.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from relvec.errors import RelvecError

#: Suffix of the file that holds the work done so far, beside the target (``out.npy.partial``).
PARTIAL = ".partial"
#: Suffix of the partial file's record of committed work, which ``--resume`` reads (``out.npy.partial.json``).
PROGRESS = ".partial.json"


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(".")


def check_output_file(argument: str, path: str | os.PathLike[str], *, inputs: tuple[str, ...] = ()) -> Path:
    """Refuse a file output that cannot be written or that is one of ``inputs``; return it as a Path."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise RelvecError(f"{argument} {str(path)!r} is a folder; give a file name")
    folder = target.resolve().parent
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        raise RelvecError(f"{argument} {str(path)!r}: its folder {str(folder)!r} {what}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise RelvecError(f"{argument} {str(path)!r}: its folder {str(folder)!r} is not writable")
    if target.exists() and not os.access(target, os.W_OK):
        raise RelvecError(f"{argument} {str(path)!r} is read-only")
    for given in inputs:
        source = Path(given).expanduser()
        same = source.resolve() == target.resolve() or (
            source.exists() and target.exists() and os.path.samefile(source, target)
        )
        if same:
            raise RelvecError(f"{argument} {str(path)!r} is the input file; give another output name")
    return target


def check_output_folder(argument: str, path: str | os.PathLike[str]) -> Path:
    """Refuse a folder output that is a file or that cannot be created or written; return it as a Path."""
    target = Path(path).expanduser()
    if target.exists() and not target.is_dir():
        raise RelvecError(f"{argument} {str(path)!r} is a file; give a folder")
    existing = _nearest_existing(target.absolute())
    if not existing.is_dir():
        raise RelvecError(f"{argument} {str(path)!r}: {str(existing)!r} is a file, so the folder cannot be made")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise RelvecError(f"{argument} {str(path)!r}: {str(existing)!r} is not writable")
    return target


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file beside it and one rename."""
    target = Path(path)
    fresh = target.with_name(target.name + PARTIAL)
    fresh.write_text(text, encoding="utf-8")
    os.replace(fresh, target)
    return target


@contextmanager
def replaced_atomically(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a fresh temporary file beside ``path``; it becomes ``path`` when the block succeeds and is
    deleted when it fails. Close any handle on it inside the block."""
    target = Path(path)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.resolve().parent)
    os.close(descriptor)
    try:
        yield Path(temporary)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def write_folder_atomically(
    folder: str | os.PathLike[str],
    write: Callable[[Path], None],
    *,
    overwrite: bool = False,
    argument: str = "output folder",
) -> Path:
    """Call ``write(work)`` on a fresh temporary folder beside ``folder``, then rename it into place.

    An error or interruption leaves no half-written ``folder``; an existing one is replaced only with
    ``overwrite`` (moved aside, then deleted once the new one is in place).
    """
    target = Path(folder)
    if target.exists() and not overwrite:
        raise RelvecError(f"{argument} {str(target)!r} already exists; choose another or allow overwriting")
    if target.exists() and not target.is_dir():
        raise RelvecError(f"{argument} {str(target)!r} is a file, not a folder")
    if not target.resolve().parent.is_dir():
        raise RelvecError(f"{argument} {str(target)!r}: its parent folder does not exist")
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.resolve().parent))
    try:
        write(work)
        if target.exists():
            old = work.with_name(work.name + "-old")
            target.rename(old)
            work.rename(target)
            shutil.rmtree(old)
        else:
            work.rename(target)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return target


class StagedFile:
    """A target file written as ``<target>.partial`` with a progress record, renamed into place by :meth:`finish`.

    The progress record (``<target>.partial.json``) holds the settings of the run and how much of the partial
    file is committed (rows and bytes); a resumed run checks the settings and cuts the partial file back to the
    committed length, so a kill at any moment loses at most the uncommitted rows.
    """

    def __init__(self, target: Path, settings: dict[str, Any]) -> None:
        self.target = target
        self.settings = settings
        self.partial = target.with_name(target.name + PARTIAL)
        self.progress = target.with_name(target.name + PROGRESS)

    def start(self) -> None:
        """Begin afresh; refuse to discard the committed work of an interrupted run."""
        if not self.progress.exists():
            self.discard()  # a partial file without a record holds nothing committed
        if self.progress.exists():
            raise RelvecError(
                f"{self.partial} holds the work of an interrupted run: rerun with --resume to continue it, "
                "or delete it to start over"
            )

    def resume(self) -> tuple[int, int]:
        """``(rows, bytes)`` committed by the interrupted run, after checking it used the same settings."""
        if not self.progress.is_file() or not self.partial.is_file():
            raise RelvecError(
                f"--resume: there is no interrupted run to continue ({self.partial} with committed rows does not "
                "exist); run without --resume"
            )
        try:
            record = json.loads(self.progress.read_text(encoding="utf-8"))
            rows, size, settings = int(record["rows"]), int(record["bytes"]), record["settings"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise RelvecError(
                f"--resume: {self.progress} is corrupt ({error}); delete {self.partial} and it to start over"
            ) from error
        differing = sorted(key for key in {*settings, *self.settings} if settings.get(key) != self.settings.get(key))
        if differing:
            raise RelvecError(
                f"--resume: the interrupted run used different {', '.join(differing)} "
                f"({', '.join(f'{key}={settings.get(key)!r}' for key in differing)}); give the same options"
            )
        if self.partial.stat().st_size < size:
            raise RelvecError(f"--resume: {self.partial} is shorter than its record; delete both to start over")
        return rows, size

    def discard(self) -> None:
        """Remove the partial file and its record (a run that failed before committing anything)."""
        self.partial.unlink(missing_ok=True)
        self.progress.unlink(missing_ok=True)

    def commit(self, rows: int, size: int) -> None:
        """Record that the first ``size`` bytes of the partial file hold ``rows`` complete rows."""
        record = {"rows": rows, "bytes": size, "settings": self.settings}
        fresh = self.progress.with_name(self.progress.name + ".tmp")
        fresh.write_text(json.dumps(record) + "\n", encoding="utf-8")
        os.replace(fresh, self.progress)

    def finish(self) -> None:
        """Move the complete file into place (one rename) and drop the progress record."""
        os.replace(self.partial, self.target)
        self.progress.unlink(missing_ok=True)
