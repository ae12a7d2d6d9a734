"""Contrastive fine-tuning of a relation encoder, as one readable loop.

Recipe: for each epoch, steps of several relations (``relvec.training.sampler``); each step encodes its distinct
pairs once, computes the loss, clips gradients and takes an AdamW step under a warm-up then linear-decay
learning rate (``relvec.training.trainer``). After each epoch the model is scored on the validation relations
served as analogy questions; the best epoch is saved as the output folder, which ``RelationEncoder(folder)``
loads.

A checkpoint (weights, optimiser, scheduler, random state, position) is written after every epoch and when
the run is interrupted (Ctrl-C, SIGTERM); ``resume=True`` continues from it and ends with the same weights
as an uninterrupted run with the same seed (``relvec.training.run_folder`` has the folder's rules).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from relvec.errors import RelvecError
from relvec.files.outputs import check_output_folder
from relvec.tasks.analogy import analogy_accuracy
from relvec.training.config import TrainConfig
from relvec.training.randomness import random_state, seed_everything, set_random_state
from relvec.training.relations import load_relations
from relvec.training.run_folder import Progress, RunFolder
from relvec.training.trainer import Trainer


@dataclass
class TrainResult:
    """What :func:`train` returns; the model in ``output`` is the best epoch's."""

    output: Path
    best_epoch: int
    best_accuracy: float
    validation: list[float]  # accuracy (%) after each epoch
    seconds: float


class TrainingInterrupted(RelvecError):
    """Raised after an interrupted run has saved its checkpoint."""


@dataclass
class StopRequest:
    """The signal that asked the run to stop, set by :func:`stop_requests`' handler; None until one comes."""

    signal: int | None = None


@contextmanager
def stop_requests() -> Iterator[StopRequest]:
    """Turn the first SIGINT/SIGTERM into a request to stop at the next step boundary (a second one kills)."""
    requested = StopRequest()

    def handler(signum: int, frame: Any) -> None:
        if requested.signal is not None:
            raise KeyboardInterrupt
        requested.signal = signum

    previous = {}
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, handler)
    except ValueError:  # not the main thread: signals stay as they are
        pass
    try:
        yield requested
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def train(
    config: TrainConfig,
    output: str | os.PathLike[str],
    *,
    data_dir: str | os.PathLike[str] | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = True,
    on_step: Callable[[dict[str, Any]], None] | None = None,
) -> TrainResult:
    """Fine-tune ``config.encoder`` and save the best epoch to ``output``; see the module docstring."""
    config.check()
    folder = RunFolder(check_output_folder("output", output))
    relations = load_relations(config, data_dir)
    questions = relations.validation_questions(seed=config.seed)
    resuming = folder.prepare(config, resume=resume, overwrite=overwrite)
    saved = folder.load_checkpoint() if resuming else None  # refused before any model work
    folder.write_config(config)

    seed_everything(config.seed)
    trainer = Trainer.build(config, relations.train, data_dir=data_dir, progress=progress)
    run = Progress() if saved is None else _restore(trainer, saved)
    started, total = time.perf_counter(), trainer.total_steps
    bar = tqdm(total=total, initial=run.global_step, unit="step", desc="training", disable=not progress)
    with bar, folder.open_log() as log, stop_requests() as stop:
        while run.global_step < total:
            steps = trainer.sampler.epoch(run.epoch)
            trainer.model.train()
            while run.step_in_epoch < len(steps) and run.global_step < total:
                if stop.signal is not None:
                    _save_checkpoint(folder, trainer, run)
                    raise TrainingInterrupted(
                        f"interrupted at step {run.global_step}; checkpoint saved in {folder.checkpoint}; "
                        "resume to continue"
                    )
                measured = trainer.step(steps[run.step_in_epoch])
                run.advance()
                record = {"kind": "step", "epoch": run.epoch, "step": run.global_step, **measured}
                log.write(record)
                bar.set_postfix(loss=f"{record['loss']:.3f}", epoch=run.epoch + 1)
                bar.update(1)
                if on_step is not None:
                    on_step(record)
            # End of an epoch (or of the step budget): select, save, checkpoint.
            accuracy = analogy_accuracy(trainer.encoder, questions, direction="forward")["accuracy"]
            seconds = round(time.perf_counter() - started, 2)
            log.write(
                {"kind": "epoch", "epoch": run.epoch, "validation_accuracy": accuracy, "seconds": seconds}, flush=True
            )
            if run.end_epoch(accuracy):
                trainer.save_model(folder.path)
            _save_checkpoint(folder, trainer, run)
    return TrainResult(folder.path, run.best_epoch, run.best_accuracy, run.history, time.perf_counter() - started)


def _restore(trainer: Trainer, saved: dict[str, Any]) -> Progress:
    """Put the checkpoint's weights, optimiser, schedule and random state back; return its position."""
    trainer.load_state(saved)
    set_random_state(saved["random"])
    return Progress.from_checkpoint(saved)


def _save_checkpoint(folder: RunFolder, trainer: Trainer, run: Progress) -> None:
    folder.save_checkpoint({**trainer.state(), "random": random_state(), **run.to_checkpoint()})
