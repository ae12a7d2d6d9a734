"""An output written as ``<target>.partial`` with a record of the committed work, so that a killed run can be
resumed (``relvec embed --resume``) and the target holds either its old content or the complete new one."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from relvec.errors import RelvecError

#: Suffix of the file that holds the work done so far, beside the target (``out.npy.partial``).
PARTIAL = ".partial"
#: Suffix of the partial file's record of committed work, which ``--resume`` reads (``out.npy.partial.json``).
PROGRESS = ".partial.json"


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
            pairs = (f"{key} {settings.get(key)!r} (this run: {self.settings.get(key)!r})" for key in differing)
            shown = ", ".join(pairs)
            raise RelvecError(f"--resume: the interrupted run used other settings: {shown}; give the same options")
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
