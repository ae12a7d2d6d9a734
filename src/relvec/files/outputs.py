"""Output paths checked before any work, and files written under a temporary name until they are complete.

Every command that writes checks its outputs first (a missing or read-only folder, a folder given where a
file goes, the input named as the output), so a mistake costs nothing; then it writes beside the target and
renames at the end, so the target holds either its old content or the complete new one, never a partial.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from relvec.errors import RelvecError
from relvec.files.staged import PARTIAL, PROGRESS, StagedFile  # StagedFile: re-exported for relvec embed


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(".")


def current_umask() -> int:
    """The process's umask, read without changing it where the system says it (Linux), else set and restored."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def usual_mode(path: str | os.PathLike[str], folder: bool = False) -> None:
    """Give a file made by mkstemp (0600) or a folder made by mkdtemp (0700) the modes ``open`` and ``mkdir``
    give under the umask: outputs are meant to be shared like any file the user writes."""
    os.chmod(path, (0o777 if folder else 0o666) & ~current_umask())


def _writable(folder: Path) -> bool:
    """Whether files can be made in ``folder``. Root passes every permission check, so for root a folder whose
    write bits are all off counts as read-only too: its owner marked it so."""
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return bool(folder.stat().st_mode & 0o222)
    return True


def _same_file(first: Path, second: Path) -> bool:
    """The same path once links are resolved, or the same file (inode) by another name, a hard link say."""
    if first.resolve() == second.resolve():
        return True
    try:
        return first.exists() and second.exists() and os.path.samefile(first, second)
    except OSError:
        return False


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _check_against_inputs(argument: str, path: str | os.PathLike[str], target: Path, inputs: tuple) -> None:
    """Refuse an output that is one of ``inputs`` or lies inside an input folder."""
    for given in inputs:
        if given is None or str(given) == "-":
            continue
        source = Path(given).expanduser()
        if source.is_dir():
            if _inside(target, source):
                raise RelvecError(
                    f"{argument} {str(path)!r} is inside the input folder {str(given)!r}; write it elsewhere"
                )
        elif _same_file(source, target):
            raise RelvecError(f"{argument} {str(path)!r} is the input file {str(given)!r}; give another output name")


def check_output_file(
    argument: str, path: str | os.PathLike[str], *, inputs: tuple[str | os.PathLike[str] | None, ...] = ()
) -> Path:
    """Refuse a file output that cannot be written, that is one of ``inputs`` (the same resolved path, or the
    same file through a link) or that lies inside an input folder (an index folder, say); return it as a Path.

    Every command that writes a file calls this before its work, so that a mistake costs nothing."""
    if not isinstance(path, (str, os.PathLike)):
        raise RelvecError(f"{argument} must be a file path; got {path!r}")
    target = Path(path).expanduser()
    if target.is_dir():
        raise RelvecError(f"{argument} {str(path)!r} is a folder; give a file name")
    folder = target.resolve().parent
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        raise RelvecError(f"{argument} {str(path)!r}: its folder {str(folder)!r} {what}")
    if not _writable(folder):
        raise RelvecError(f"{argument} {str(path)!r}: its folder {str(folder)!r} is not writable")
    if target.exists() and not os.access(target, os.W_OK):
        raise RelvecError(f"{argument} {str(path)!r} is read-only")
    _check_against_inputs(argument, path, target, inputs)
    return target


def check_output_folder(
    argument: str,
    path: str | os.PathLike[str],
    *,
    inputs: tuple[str | os.PathLike[str] | None, ...] = (),
    overwrite: bool | None = None,
    replaceable: Callable[[Path], bool] | None = None,
    what: str = "a folder relvec wrote",
) -> Path:
    """Refuse a folder output that is a file or that cannot be created or written; return it as a Path.

    For a folder that is replaced whole (``overwrite`` not None): an existing one is refused without
    ``overwrite``, and with it unless it is empty or ``replaceable(folder)`` says relvec wrote it (``what`` names
    such a folder in the error); a folder that is, holds or lies inside one of ``inputs`` or the working folder
    is never replaced.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise RelvecError(f"{argument} must be a folder path; got {path!r}")
    target = Path(path).expanduser()
    if target.exists() and not target.is_dir():
        raise RelvecError(f"{argument} {str(path)!r} is a file; give a folder")
    existing = _nearest_existing(target.absolute())
    if not existing.is_dir():
        raise RelvecError(f"{argument} {str(path)!r}: {str(existing)!r} is a file, so the folder cannot be made")
    # Files are made inside the folder; a folder replaced whole is made beside it and renamed.
    places = [existing] if overwrite is None else [_nearest_existing(target.absolute().parent)]
    for place in places:
        if not _writable(place):
            raise RelvecError(f"{argument} {str(path)!r}: {str(place)!r} is not writable")
    folders = tuple(given for given in inputs if given is not None and not Path(given).is_file())
    _check_against_inputs(argument, path, target, folders)
    if overwrite is None or not target.exists():
        return target
    if not overwrite:
        raise RelvecError(f"{argument} {str(path)!r} already exists; choose another or allow overwriting")
    for given in inputs:
        if given is not None and str(given) != "-" and _inside(Path(given).expanduser(), target):
            raise RelvecError(
                f"{argument} {str(path)!r} holds the input {str(given)!r}; replacing it would delete the input"
            )
    if _inside(Path.cwd(), target):
        raise RelvecError(f"{argument} {str(path)!r} holds the working folder; run from elsewhere or choose another")
    if any(target.iterdir()) and (replaceable is None or not replaceable(target)):
        raise RelvecError(
            f"{argument} {str(path)!r} holds files and is not {what}; relvec replaces only what it wrote: choose "
            "another folder or empty it yourself"
        )
    return target


def _write_failed(what: str, target: Path, error: BaseException) -> RelvecError:
    reason = getattr(error, "strerror", None)
    if not reason:
        lines = str(error).strip().splitlines()
        reason = lines[-1] if lines else type(error).__name__
    return RelvecError(f"writing {what} {str(target)!r} failed ({reason}); it was left as it was")


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file beside it and one rename."""
    target = Path(path)
    fresh = target.with_name(target.name + PARTIAL)
    fresh.write_text(text, encoding="utf-8")
    os.replace(fresh, target)
    return target


@contextmanager
def replaced_atomically(path: str | os.PathLike[str], what: str = "file") -> Iterator[Path]:
    """Yield a fresh temporary file beside ``path``; it becomes ``path`` when the block succeeds and is
    deleted when it fails. Close any handle on it inside the block.

    The file gets the umask's usual mode; a link named ``path`` keeps pointing where it did, at the new file.
    An OS error on the way (a full disk, a folder made read-only meanwhile) is one line naming the file.
    """
    target = Path(path)
    if target.is_symlink():
        target = target.resolve()
    temporary = None
    try:
        descriptor, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.resolve().parent)
        os.close(descriptor)
        temporary = Path(name)
        usual_mode(temporary)
        yield temporary
        os.replace(temporary, target)
    except OSError as error:
        if isinstance(error, BrokenPipeError):
            raise
        raise _write_failed(what, target, error) from error
    finally:
        if temporary is not None and temporary.exists():
            temporary.unlink()


def write_folder_atomically(
    folder: str | os.PathLike[str],
    write: Callable[[Path], None],
    *,
    overwrite: bool = False,
    argument: str = "output folder",
    replaceable: Callable[[Path], bool] | None = None,
    what: str = "a folder relvec wrote",
) -> Path:
    """Call ``write(work)`` on a fresh temporary folder beside ``folder``, then rename it into place.

    An error or interruption leaves no half-written ``folder``; an existing one is replaced only with
    ``overwrite`` and only if it is empty or ``replaceable`` says relvec wrote it (see
    :func:`check_output_folder`); it is moved aside, then deleted once the new one is in place. A link named
    ``folder`` keeps pointing where it did, at the new folder. The folder gets the umask's usual mode.
    """
    target = Path(folder).expanduser()
    if target.is_symlink():
        target = target.resolve()
    check_output_folder(argument, target, overwrite=overwrite, replaceable=replaceable, what=what)
    if not target.resolve().parent.is_dir():
        raise RelvecError(f"{argument} {str(target)!r}: its parent folder does not exist")
    target = target.resolve()
    work = None
    try:
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        usual_mode(work, folder=True)
        write(work)
        if target.exists():
            old = work.with_name(work.name + "-old")
            target.rename(old)
            work.rename(target)
            shutil.rmtree(old)
        else:
            work.rename(target)
    except OSError as error:
        raise _write_failed(argument, target, error) from error
    finally:
        if work is not None and work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return target


__all__ = [
    "PARTIAL",
    "PROGRESS",
    "StagedFile",
    "check_output_file",
    "check_output_folder",
    "current_umask",
    "replaced_atomically",
    "usual_mode",
    "write_folder_atomically",
    "write_text_atomic",
]
