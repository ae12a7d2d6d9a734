"""Fetching the verbatim public split files, pinned by repository, commit and sha256.

Only files that are byte-for-byte copies of a public file at a fixed commit can be fetched; each is checked
against the sha256 of the shared copy before it is moved into place, so a changed or truncated download
never lands in the data folder. DERIVED files and SAT (which must not be redistributed) are never fetched.
Nothing here runs unless the user asks for a download.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from relvec.data.registry import DATASETS, Source, SplitSpec, get_spec
from relvec.errors import RelvecError, check_choice
from relvec.files.cache import cache_dir
from relvec.files.outputs import usual_mode

#: Where the pinned files are fetched from: ``<base>/<owner>/<repo>/<commit>/<path>``.
DEFAULT_BASE_URL = "https://raw.githubusercontent.com"
_TIMEOUT_S = 60


def default_download_dir() -> Path:
    """``<relvec cache>/data`` (:func:`relvec.files.cache.cache_dir`)."""
    return cache_dir() / "data"


def downloadable() -> list[str]:
    """Names of the datasets with at least one split that can be fetched."""
    return [name for name, spec in DATASETS.items() if any(e.source for e in spec.splits.values())]


def why_not_downloadable(entry: SplitSpec) -> str:
    """Why a split without a pinned source cannot be fetched, for messages."""
    return entry.missing or (
        f"{entry.file} is DERIVED (converted from another public file, see SOURCES.md in the shared data "
        "folder), so there is nothing verbatim to fetch; copy it from the shared data folder"
    )


@dataclass(frozen=True)
class Fetched:
    """One split file after :func:`download`: where it is and whether it was already there."""

    dataset: str
    split: str
    path: Path
    already_present: bool


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def source_url(source: Source, base_url: str = DEFAULT_BASE_URL) -> str:
    return f"{base_url.rstrip('/')}/{source.repo}/{source.commit}/{urllib.parse.quote(source.path)}"


def fetch(source: Source, target: Path, base_url: str = DEFAULT_BASE_URL) -> bool:
    """Put the file ``source`` names at ``target``, checked by sha256; False when it was already there.

    An existing file with another checksum is an error, not overwritten: it may be the user's own.
    """
    if target.exists():
        if sha256_of(target) == source.sha256:
            return False
        raise RelvecError(
            f"{target} exists but its sha256 is not the pinned {source.sha256} ({source.where}); "
            "remove it to download it again"
        )
    url = source_url(source, base_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Download beside the target, then move it in one step, so an interrupted or bad download leaves nothing.
    handle, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    usual_mode(partial)  # a data file like any other, not mkstemp's 0600
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=_TIMEOUT_S) as response:
            while block := response.read(1 << 20):
                out.write(block)
        got = sha256_of(Path(partial))
        if got != source.sha256:
            raise RelvecError(f"{url}: sha256 is {got}, expected {source.sha256}; the file was not saved")
        os.replace(partial, target)
    except (urllib.error.URLError, OSError) as error:
        raise RelvecError(f"cannot download {url}: {getattr(error, 'reason', None) or error}") from None
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return True


def download(
    name: str,
    dest: str | os.PathLike[str] | None = None,
    *,
    base_url: str = DEFAULT_BASE_URL,
) -> list[Fetched]:
    """Fetch every pinned split file of dataset ``name`` into ``dest`` (default :func:`default_download_dir`).

    Files land at the same relative paths as in shared/data, so ``dest`` can be used as the data folder.
    Splits without a verbatim public copy are left out (``relvec data`` shows them as not present); a
    dataset with none (SAT, SemEval, SCAN, NELL-One) is an error that says why.
    """
    check_choice("dataset name", name, DATASETS)
    spec = get_spec(name)
    pinned = {split: entry for split, entry in spec.splits.items() if entry.source is not None}
    if not pinned:
        reasons = dict.fromkeys(why_not_downloadable(spec.splits[split]) for split in spec.splits)
        raise RelvecError(
            f"{name} cannot be downloaded: " + "; ".join(reasons) + f". Downloadable: {', '.join(downloadable())}"
        )
    folder = Path(dest).expanduser() if dest is not None else default_download_dir()
    fetched = []
    for split, entry in pinned.items():
        target = folder / entry.file
        fetched.append(Fetched(name, split, target, not fetch(entry.source, target, base_url)))
    return fetched
