"""A run's output folder: whether it may be used (refuse, overwrite or resume), its saved config, its
checkpoint (written atomically, read back with ``weights_only``; :class:`Progress` is the position and
scores it records) and its JSONL log.

Layout: ``train_config.json`` (the run's :class:`TrainConfig`), ``train_log.jsonl`` (one record per step and
per epoch), ``checkpoint/state.pt`` (the latest checkpoint) and the best epoch's model files beside them.
"""

from __future__ import annotations

import json
import pickle
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import torch

from relvec.errors import RelvecError, invalid
from relvec.files.outputs import write_text_atomic
from relvec.training.config import TrainConfig

CHECKPOINT = "checkpoint"
LOG = "train_log.jsonl"
RUN_CONFIG = "train_config.json"
#: What every checkpoint holds; a file missing one is refused as corrupt.
CHECKPOINT_KEYS = ("model", "optimizer", "scheduler", "random", "position", "history", "best")


@dataclass
class Progress:
    """Where a run is (the next step to take) and what its epochs scored; saved in every checkpoint."""

    epoch: int = 0
    step_in_epoch: int = 0
    global_step: int = 0
    history: list[float] = field(default_factory=list)  # validation accuracy (%) after each epoch
    best_epoch: int = -1
    best_accuracy: float = -1.0

    def advance(self) -> None:
        """One step taken."""
        self.step_in_epoch += 1
        self.global_step += 1

    def end_epoch(self, accuracy: float) -> bool:
        """Record the finished epoch's validation accuracy; True when it is the best so far."""
        self.history.append(accuracy)
        improved = accuracy > self.best_accuracy
        if improved:
            self.best_epoch, self.best_accuracy = self.epoch, accuracy
        self.epoch, self.step_in_epoch = self.epoch + 1, 0
        return improved

    def to_checkpoint(self) -> dict[str, Any]:
        return {
            "position": {"epoch": self.epoch, "step_in_epoch": self.step_in_epoch, "global_step": self.global_step},
            "history": list(self.history),
            "best": {"epoch": self.best_epoch, "accuracy": self.best_accuracy},
        }

    @classmethod
    def from_checkpoint(cls, state: dict[str, Any]) -> Progress:
        try:
            position, best = state["position"], state["best"]
            history = list(state["history"])
            return cls(**position, history=history, best_epoch=best["epoch"], best_accuracy=best["accuracy"])
        except (KeyError, TypeError) as error:
            raise RelvecError(f"checkpoint position is corrupt ({type(error).__name__}: {error})") from error


@dataclass(frozen=True)
class RunFolder:
    """The output folder of one training run (``path``)."""

    path: Path

    @property
    def checkpoint(self) -> Path:
        return self.path / CHECKPOINT

    def prepare(self, config: TrainConfig, *, resume: bool, overwrite: bool) -> bool:
        """Make the folder ready; return True when there is a checkpoint to resume from.

        A folder holding another run is refused unless told to overwrite it or to resume the same run.
        """
        output = self.path
        if resume and overwrite:
            raise RelvecError("choose either resume or overwrite, not both")
        if output.exists() and not output.is_dir():
            raise invalid("output", str(output), "a folder (it is a file)")
        if not output.exists() or not any(output.iterdir()):
            if resume:
                raise RelvecError(f"nothing to resume: {output} holds no run")
            output.mkdir(parents=True, exist_ok=True)
            return False
        if overwrite:
            self._replace()
            return False
        if not resume:
            raise RelvecError(f"output folder {output} already holds files; pass resume to continue it or overwrite")
        self._check_same_run(config)
        return True

    def _replace(self) -> None:
        if not (self.path / RUN_CONFIG).is_file():
            # Never delete a folder that relvec did not write (a typo could name your home folder).
            raise RelvecError(f"refusing to overwrite {self.path}: it holds files but no relvec run ({RUN_CONFIG})")
        shutil.rmtree(self.path)
        self.path.mkdir(parents=True)

    def _check_same_run(self, config: TrainConfig) -> None:
        """Refuse to resume a folder that holds no checkpoint, or a run with other settings than ``config``."""
        output, saved_file = self.path, self.path / RUN_CONFIG
        if not saved_file.is_file():
            raise RelvecError(f"cannot resume: {output} has no {RUN_CONFIG}, so it holds no relvec run")
        if not (self.checkpoint / "state.pt").is_file():
            # A run stopped before its first checkpoint: nothing to continue, but the folder is ours to replace.
            raise RelvecError(
                f"cannot resume: {output} has no {CHECKPOINT}/state.pt (the run stopped before its first "
                "checkpoint); start it again with overwrite (--overwrite)"
            )
        try:
            saved = json.loads(saved_file.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise RelvecError(
                f"cannot resume: {saved_file} is not valid JSON ({error}); start the run again with overwrite "
                "(--overwrite)"
            ) from error
        if not isinstance(saved, dict):
            raise RelvecError(f"cannot resume: {saved_file} does not hold a JSON object; start again with --overwrite")
        # The device may change between sessions (a resumed run can move from a GPU to the CPU).
        # A run saved before an option existed ran at that option's default.
        defaults = TrainConfig().to_dict()
        differing = sorted(
            k for k, v in config.to_dict().items() if saved.get(k, defaults.get(k)) != v and k != "device"
        )
        if differing:
            raise RelvecError(f"cannot resume {output}: the run used different {', '.join(differing)}")

    def write_config(self, config: TrainConfig) -> None:
        write_text_atomic(self.path / RUN_CONFIG, json.dumps(config.to_dict(), indent=2) + "\n")

    def save_checkpoint(self, state: dict[str, Any]) -> None:
        """Write ``state`` (tensors and plain values, :data:`CHECKPOINT_KEYS`) to a fresh folder and swap it in,
        so a crash mid-write keeps the previous checkpoint."""
        folder = self.checkpoint
        fresh = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir()
        torch.save(state, fresh / "state.pt")
        old = folder.with_name(folder.name + ".old")
        if folder.exists():
            folder.rename(old)
        fresh.rename(folder)
        shutil.rmtree(old, ignore_errors=True)

    def load_checkpoint(self) -> dict[str, Any]:
        """Read ``state.pt`` with ``weights_only=True``: tensors and plain values only, so a crafted file (a run
        folder from someone else) is refused instead of running the code its pickle names."""
        file = self.checkpoint / "state.pt"
        try:
            state = torch.load(file, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as error:
            if "GLOBAL" not in str(error):  # torch's weights-only unpickler names the class or function it refused
                raise RelvecError(f"checkpoint {file} is corrupt ({type(error).__name__})") from error
            raise RelvecError(
                f"checkpoint {file} holds objects other than tensors and plain values (written by an older relvec "
                "or crafted); refusing to load it, since unpickling it could run code. Start the run again with "
                "overwrite"
            ) from error
        except Exception as error:  # a truncated or foreign file: say which, not a pickle traceback
            raise RelvecError(f"checkpoint {file} is corrupt ({type(error).__name__}: {error})") from error
        if not isinstance(state, dict) or any(key not in state for key in CHECKPOINT_KEYS):
            raise RelvecError(f"checkpoint {file} is corrupt (expected a dict with {', '.join(CHECKPOINT_KEYS)})")
        return state

    @contextmanager
    def open_log(self) -> Iterator[RunLog]:
        """The run's JSONL log, appended to (a resumed run continues the same file)."""
        with (self.path / LOG).open("a", encoding="utf-8") as file:
            yield RunLog(file)


@dataclass(frozen=True)
class RunLog:
    file: TextIO

    def write(self, record: dict[str, Any], *, flush: bool = False) -> None:
        """Append one record as a JSON line; ``flush`` at epoch ends, so the log on disk reaches the checkpoint."""
        self.file.write(json.dumps(record) + "\n")
        if flush:
            self.file.flush()
