"""Contrastive fine-tuning of a relation encoder, as one readable loop.

Recipe: for each epoch, steps of several relations (``relvec.training.sampler``); each step encodes its distinct
pairs once, computes the loss, clips gradients and takes an AdamW step under a warm-up then linear-decay
learning rate. After each epoch the model is scored on the validation relations served as analogy
questions; the best epoch is saved as the output folder, which ``RelationEncoder(folder)`` loads.

A checkpoint (weights, optimiser, scheduler, random state, position) is written after every epoch and when
the run is interrupted (Ctrl-C, SIGTERM); ``resume=True`` continues from it and ends with the same weights
as an uninterrupted run with the same seed.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import random
import shutil
import signal
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from relvec.embedding.pooling import check_pooling
from relvec.embedding.precision import TRAIN_PRECISIONS, resolve_precision
from relvec.embedding.prompt import Template
from relvec.errors import RelvecError, check_choice, check_int, check_number, check_positive_int, invalid
from relvec.io.outputs import check_output_folder, write_text_atomic
from relvec.training.losses import LOSSES, make_loss
from relvec.training.sampler import RelationSampler, Step, check_relations

CHECKPOINT = "checkpoint"
LOG = "train_log.jsonl"
RUN_CONFIG = "train_config.json"


@dataclass
class TrainConfig:
    """Everything that defines a run; saved with it so that a resume can check it is the same run."""

    # The default recipe, chosen on validation splits only (SemEval-2012 validation relations and the valid
    # splits of u2, u4, google, bats, t_rex, conceptnet); see bench/train_default.py and docs/training.md.
    encoder: str = "all-MiniLM-L6-v2"
    template: str = "c"
    pooling: str = "difference"
    loss: str = "infonce"
    temperature: float = 0.05
    margin: float = 0.2
    data: str = "semeval"  # "semeval" or a path to a relation-set JSONL file
    exclude: list[str] = field(default_factory=list)
    # Extra training relations beside `data`: "wordnet" (WordNet 3.0, relvec.data.wordnet); with
    # leakage_filter every extra pair found in any evaluation dataset (either order) is dropped first.
    extra_data: list[str] = field(default_factory=list)
    leakage_filter: bool = True
    epochs: int = 12
    max_steps: int | None = None
    relations_per_step: int = 8
    reversed_negatives: bool = False
    freeze_embeddings: bool = False
    dropout: float | None = None  # every dropout layer's rate while training; None keeps the encoder's own
    lr: float = 5e-5
    warmup: float = 0.1
    weight_decay: float = 0.01
    max_grad_norm: float = 1.0
    seed: int = 0
    device: str | None = None
    # "auto": bf16 autocast where matrix products are fast in bfloat16 (CUDA; CPUs with AMX or AVX-512 BF16),
    # else fp32. Weights, optimiser state and the loss stay float32 either way.
    precision: str = "auto"
    # Weight of the static GloVe offset in the saved model's hybrid vectors (relvec.embedding.hybrid); chosen on
    # validation after training, so it does not change the training itself.
    static_weight: float = 0.25

    def check(self) -> None:
        """Raise on the first bad value, before any data or model is loaded."""
        from relvec.embedding.hybrid import check_static_weight
        from relvec.embedding.options import check_device

        check_static_weight(self.static_weight)
        Template.from_name_or_text(self.template)
        check_pooling(self.pooling)
        check_device(self.device)
        check_choice("precision", self.precision, TRAIN_PRECISIONS)
        check_choice("loss", self.loss, LOSSES)
        make_loss(self.loss, self.temperature, self.margin)  # checks temperature and margin ranges
        check_positive_int("epochs", self.epochs)
        check_positive_int("relations_per_step", self.relations_per_step)
        if self.max_steps is not None:
            check_positive_int("max_steps", self.max_steps)
        check_number("lr", self.lr, low=0, high=1, low_open=True, high_open=True, expected="a learning rate in (0, 1)")
        check_number("warmup", self.warmup, low=0, high=1, high_open=True, expected="a fraction of the steps in [0, 1)")
        if self.dropout is not None:
            check_number(
                "dropout",
                self.dropout,
                low=0,
                high=1,
                high_open=True,
                expected="null (the encoder's own) or a rate in [0, 1)",
            )
        check_number("weight_decay", self.weight_decay, low=0)
        check_number("max_grad_norm", self.max_grad_norm, low=0, low_open=True)
        if not isinstance(self.extra_data, list) or any(item not in EXTRA_DATA for item in self.extra_data):
            raise invalid("extra_data", self.extra_data, "a list of extra relation sources from " + repr(EXTRA_DATA))
        for name in ("reversed_negatives", "freeze_embeddings", "leakage_filter"):
            if not isinstance(getattr(self, name), bool):
                raise invalid(name, getattr(self, name), "true or false")
        check_int("seed", self.seed, minimum=0)
        if not isinstance(self.data, str) or not self.data:
            raise invalid("data", self.data, "'semeval' or the path of a relation-set JSONL file")
        if not isinstance(self.exclude, list) or not all(isinstance(name, str) for name in self.exclude):
            raise invalid("exclude", self.exclude, "a list of SemEval relation or category names")
        if not isinstance(self.encoder, (str, os.PathLike)):
            raise invalid("encoder", self.encoder, "an encoder name or a model folder")

    @classmethod
    def from_dict(cls, values: dict[str, Any], source: str = "config") -> TrainConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise RelvecError(f"{source}: unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**values)

    @classmethod
    def from_recipe(cls, recipe: str = "minilm", **overrides: Any) -> TrainConfig:
        """A named recipe (:data:`RECIPES`) with some options overridden."""
        check_choice("recipe", recipe, RECIPES)
        return cls.from_dict({**RECIPES[recipe], **overrides}, source=f"recipe {recipe!r}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


EXTRA_DATA = ("wordnet",)

#: Named recipes, each chosen on validation data only (docs/training.md has the lever table).
#:   minilm: the default; all-MiniLM-L6-v2, template c, difference pooling, hybrid with GloVe at w = 0.25.
#:   mpnet:  the same recipe on the embedded all-mpnet-base-v2 (110M); GloVe did not help it on validation.
#:   paper:  RelBERT's published recipe (template d, average_no_mask, InfoNCE, lr 5e-6, 10 epochs), kept for
#:           honest comparison; pass --encoder for its backbone (MiniLM by default).
RECIPES: dict[str, dict[str, Any]] = {
    "minilm": {},
    "mpnet": {"encoder": "all-mpnet-base-v2", "static_weight": 0.0},
    "paper": {
        "template": "d",
        "pooling": "average_no_mask",
        "loss": "infonce",
        "temperature": 0.05,
        "lr": 5e-6,
        "epochs": 10,
        "static_weight": 0.0,
    },
}


@dataclass
class TrainResult:
    output: Path
    best_epoch: int
    best_accuracy: float
    validation: list[float]  # accuracy (%) after each epoch
    seconds: float


class TrainingInterrupted(RelvecError):
    """Raised after an interrupted run has saved its checkpoint."""


# ----------------------------------------------------------------------------------------------- data


def load_relations(config: TrainConfig, data_dir: str | os.PathLike[str] | None = None):
    """The run's relation set (train and validation relations) from SemEval-2012 or a user file."""
    from relvec import data

    if config.data == "semeval":
        relations = data.load_semeval(data_dir, exclude=config.exclude)
    else:
        if config.exclude:
            raise RelvecError("exclude applies to data 'semeval'; edit your relation file instead")
        relations = data.load_relation_file(config.data)
    if config.extra_data:
        relations = _with_extra_relations(relations, config, data_dir)
    check_relations(relations.train)
    return relations


def _with_extra_relations(relations, config: TrainConfig, data_dir):
    """Add the extra relations to the training split only: validation (model selection) stays SemEval's."""
    import sys

    from relvec.data import RelationSet
    from relvec.data.wordnet import drop_leaked, evaluation_pairs, load_wordnet

    extra = load_wordnet()
    total = sum(len(r.positives) + len(r.negatives) for r in extra)
    dropped = 0
    if config.leakage_filter:
        extra, dropped = drop_leaked(extra, evaluation_pairs(data_dir))
        if not extra:
            raise RelvecError(
                f"the leakage filter dropped all {total} WordNet training pairs: every relation shares pairs with "
                "the evaluation datasets; train without extra_data or with leakage_filter off"
            )
    print(
        f"relvec train: wordnet adds {len(extra)} relations ({total - dropped} pairs); the leakage filter "
        f"dropped {dropped} pairs found in evaluation datasets" + ("" if config.leakage_filter else " (filter off)"),
        file=sys.stderr,
    )
    return RelationSet(relations.train + tuple(extra), relations.validation, relations.skipped)


# ------------------------------------------------------------------------------------------- the folder


def prepare_output(output: Path, config: TrainConfig, *, resume: bool, overwrite: bool) -> bool:
    """Make ``output`` ready; return True when there is a checkpoint to resume from.

    A folder holding another run is refused unless told to overwrite it or to resume the same run.
    """
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
        if not (output / RUN_CONFIG).is_file():
            # Never delete a folder that relvec did not write (a typo could name your home folder).
            raise RelvecError(f"refusing to overwrite {output}: it holds files but no relvec run ({RUN_CONFIG})")
        shutil.rmtree(output)
        output.mkdir(parents=True)
        return False
    if not resume:
        raise RelvecError(f"output folder {output} already holds files; pass resume to continue it or overwrite")
    saved_file = output / RUN_CONFIG
    if not saved_file.is_file():
        raise RelvecError(f"cannot resume: {output} has no {RUN_CONFIG}, so it holds no relvec run")
    if not (output / CHECKPOINT / "state.pt").is_file():
        # A run stopped before its first checkpoint: nothing to continue, but the folder is ours to replace.
        raise RelvecError(
            f"cannot resume: {output} has no {CHECKPOINT}/state.pt (the run stopped before its first checkpoint); "
            "start it again with overwrite (--overwrite)"
        )
    try:
        saved = json.loads(saved_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RelvecError(
            f"cannot resume: {saved_file} is not valid JSON ({error}); start the run again with overwrite (--overwrite)"
        ) from error
    if not isinstance(saved, dict):
        raise RelvecError(f"cannot resume: {saved_file} does not hold a JSON object; start again with --overwrite")
    differing = sorted(k for k, v in config.to_dict().items() if saved.get(k) != v and k != "device")
    if differing:
        raise RelvecError(f"cannot resume {output}: the run used different {', '.join(differing)}")
    return True


def _save_checkpoint(folder: Path, model: torch.nn.Module, state: dict[str, Any]) -> None:
    """Write the checkpoint to a fresh folder and swap it in, so a crash mid-write keeps the previous one."""
    fresh = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir()
    torch.save({"model": model.state_dict(), **state}, fresh / "state.pt")
    old = folder.with_name(folder.name + ".old")
    if folder.exists():
        folder.rename(old)
    fresh.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


_CHECKPOINT_KEYS = ("model", "optimizer", "scheduler", "random", "position", "history", "best")


def _load_checkpoint(folder: Path) -> dict[str, Any]:
    """Read ``state.pt`` with ``weights_only=True``: tensors and plain values only, so a crafted file (a run
    folder from someone else) is refused instead of running the code its pickle names."""
    file = folder / "state.pt"
    try:
        state = torch.load(file, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        if "GLOBAL" not in str(error):  # torch's weights-only unpickler names the class or function it refused
            raise RelvecError(f"checkpoint {file} is corrupt ({type(error).__name__})") from error
        raise RelvecError(
            f"checkpoint {file} holds objects other than tensors and plain values (written by an older relvec or "
            "crafted); refusing to load it, since unpickling it could run code. Start the run again with overwrite"
        ) from error
    except Exception as error:  # a truncated or foreign file: say which, not a pickle traceback
        raise RelvecError(f"checkpoint {file} is corrupt ({type(error).__name__}: {error})") from error
    if not isinstance(state, dict) or any(key not in state for key in _CHECKPOINT_KEYS):
        raise RelvecError(f"checkpoint {file} is corrupt (expected a dict with {', '.join(_CHECKPOINT_KEYS)})")
    return state


def _random_state() -> dict[str, Any]:
    """The three generators' states as tensors and plain values, which ``weights_only`` loading accepts."""
    kind, keys, pos, has_gauss, cached_gaussian = np.random.get_state()
    version, internal, gauss_next = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        "numpy": {
            "kind": kind,
            "keys": torch.from_numpy(keys.astype(np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached_gaussian),
        },
        "python": {"version": version, "internal": list(internal), "gauss_next": gauss_next},
    }


def _set_random_state(state: dict[str, Any]) -> None:
    try:
        numpy_state, python_state = state["numpy"], state["python"]
        torch.set_rng_state(state["torch"])
        np.random.set_state(
            (
                numpy_state["kind"],
                numpy_state["keys"].numpy().astype(np.uint32),
                numpy_state["pos"],
                numpy_state["has_gauss"],
                numpy_state["cached_gaussian"],
            )
        )
        random.setstate((python_state["version"], tuple(python_state["internal"]), python_state["gauss_next"]))
    except (KeyError, TypeError, ValueError, AttributeError, RuntimeError) as error:
        raise RelvecError(f"checkpoint random state is corrupt ({type(error).__name__}: {error})") from error


@contextmanager
def _stop_requests():
    """Turn the first SIGINT/SIGTERM into a request to stop at the next step boundary (a second one kills)."""
    requested = {"signal": None}

    def handler(signum, frame):
        if requested["signal"] is not None:
            raise KeyboardInterrupt
        requested["signal"] = signum

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


# ------------------------------------------------------------------------------------------------ train


def _learning_rate_schedule(total_steps: int, warmup: float) -> Callable[[int], float]:
    warmup_steps = int(round(warmup * total_steps))

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))

    return factor


def _tensors(step: Step, device: torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return (
        torch.from_numpy(step.anchors).to(device),
        torch.from_numpy(step.positives).to(device),
        torch.from_numpy(step.negatives).to(device),
    )


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
    from relvec.embedding.encoder import RelationEncoder
    from relvec.embedding.options import default_device
    from relvec.tasks.analogy import analogy_accuracy

    config.check()
    output = check_output_folder("output", output)
    relations = load_relations(config, data_dir)
    questions = relations.validation_questions(seed=config.seed)
    resuming = prepare_output(output, config, resume=resume, overwrite=overwrite)
    state = _load_checkpoint(output / CHECKPOINT) if resuming else None  # refused before any model work
    write_text_atomic(output / RUN_CONFIG, json.dumps(config.to_dict(), indent=2) + "\n")

    torch.manual_seed(config.seed)
    random.seed(config.seed)
    np.random.seed(config.seed)
    # Trained and selected on the contextual vectors alone; the static part is joined in the saved folder.
    device = torch.device(config.device) if config.device is not None else None
    precision = resolve_precision(config.precision, device or default_device(), training=True).precision
    encoder = RelationEncoder(
        config.encoder, config.template, config.pooling, device=device, precision=precision, static_weight=0
    )
    model = encoder.model
    loss_fn = make_loss(config.loss, config.temperature, config.margin)
    sampler = RelationSampler(
        relations.train, config.relations_per_step, seed=config.seed, reversed_negatives=config.reversed_negatives
    )
    if config.dropout is not None:
        for layer in model.modules():
            if isinstance(layer, torch.nn.Dropout):
                layer.p = float(config.dropout)
    if config.freeze_embeddings:
        # Words seen in training would drift away from the unseen ones; freezing also saves the optimiser's
        # work on the largest matrix.
        model.get_input_embeddings().requires_grad_(False)
    total_steps = sampler.steps_per_epoch() * config.epochs
    if config.max_steps is not None:
        total_steps = min(total_steps, config.max_steps)
    trainable = [parameter for parameter in model.parameters() if parameter.requires_grad]
    # The fused kernel updates all parameters in one pass: on the CPU it cuts the optimiser's share of a
    # step from about 16% to 6%.
    fused = encoder.device.type in ("cpu", "cuda")
    optimizer = torch.optim.AdamW(trainable, lr=config.lr, weight_decay=config.weight_decay, fused=fused)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _learning_rate_schedule(total_steps, config.warmup))

    position = {"epoch": 0, "step_in_epoch": 0, "global_step": 0}
    history: list[float] = []
    best = {"epoch": -1, "accuracy": -1.0}
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        _set_random_state(state["random"])
        position, history, best = state["position"], state["history"], state["best"]

    def checkpoint() -> None:
        _save_checkpoint(
            output / CHECKPOINT,
            model,
            {
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "random": _random_state(),
                "position": dict(position),
                "history": list(history),
                "best": dict(best),
            },
        )

    started = time.perf_counter()
    log = (output / LOG).open("a", encoding="utf-8")
    bar = tqdm(total=total_steps, initial=position["global_step"], unit="step", desc="training", disable=not progress)
    try:
        with _stop_requests() as stop:
            while position["global_step"] < total_steps:
                steps = sampler.epoch(position["epoch"])
                model.train()
                while position["step_in_epoch"] < len(steps) and position["global_step"] < total_steps:
                    if stop["signal"] is not None:
                        checkpoint()
                        raise TrainingInterrupted(
                            f"interrupted at step {position['global_step']}; checkpoint saved in "
                            f"{output / CHECKPOINT}; resume to continue"
                        )
                    step = steps[position["step_in_epoch"]]
                    step_started = time.perf_counter()
                    tokens = encoder.tokenize(step.pairs)
                    embeddings = encoder.forward(tokens)  # under the encoder's precision (bf16 autocast)
                    loss = loss_fn(embeddings.float(), *_tensors(step, encoder.device))
                    lr = scheduler.get_last_lr()[0]
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    grad_norm = torch.nn.utils.clip_grad_norm_(trainable, config.max_grad_norm)
                    optimizer.step()
                    scheduler.step()
                    loss_value = loss.item()  # also waits for an asynchronous device, so the time below is real
                    step_seconds = time.perf_counter() - step_started
                    position["step_in_epoch"] += 1
                    position["global_step"] += 1
                    record = {
                        "kind": "step",
                        "epoch": position["epoch"],
                        "step": position["global_step"],
                        "loss": round(loss_value, 6),
                        "grad_norm": round(float(grad_norm), 4),
                        "lr": lr,
                        "pairs": len(step.pairs),
                        "tokens": sum(map(len, tokens.ids)),
                        "precision": precision,
                        "seconds": round(step_seconds, 4),
                    }
                    log.write(json.dumps(record) + "\n")
                    bar.set_postfix(loss=f"{record['loss']:.3f}", epoch=position["epoch"] + 1)
                    bar.update(1)
                    if on_step is not None:
                        on_step(record)
                # End of an epoch (or of the step budget): select, save, checkpoint.
                accuracy = analogy_accuracy(encoder, questions, direction="forward")["accuracy"]
                history.append(accuracy)
                log.write(
                    json.dumps(
                        {
                            "kind": "epoch",
                            "epoch": position["epoch"],
                            "validation_accuracy": accuracy,
                            "seconds": round(time.perf_counter() - started, 2),
                        }
                    )
                    + "\n"
                )
                log.flush()
                if accuracy > best["accuracy"]:
                    best = {"epoch": position["epoch"], "accuracy": accuracy}
                    encoder.save(output, static_weight=config.static_weight)
                position["epoch"] += 1
                position["step_in_epoch"] = 0
                checkpoint()
    finally:
        bar.close()
        log.close()
    return TrainResult(output, best["epoch"], best["accuracy"], history, time.perf_counter() - started)
