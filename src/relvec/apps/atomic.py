"""Outputs written so that a failure or an interruption leaves nothing half-written.

Each is written under a temporary name beside its target and renamed into place when complete, so the target
holds either its old content or the complete new one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from relvec.errors import RelvecError


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


__all__ = ["replaced_atomically", "write_folder_atomically"]
