"""What a run trains and how: the encoder, the loss, the relation sampler, AdamW and its learning-rate schedule,
built from a :class:`TrainConfig`; one optimisation step; and their state for a checkpoint."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from relvec.data import Relation
from relvec.embedding.encoder import RelationEncoder
from relvec.embedding.models import resolve_encoder, save_delta_folder
from relvec.errors import RelvecError, invalid
from relvec.training.adapters import add_lora, lora_factors, trainable_state
from relvec.training.config import TrainConfig
from relvec.training.distill import (
    DistillationSet,
    distillation_pairs,
    similarity_distillation_loss,
    teacher_vectors,
)
from relvec.training.losses import make_loss
from relvec.training.sampler import RelationSampler, Step


@dataclass
class Trainer:
    """The run's model and optimiser; :meth:`build` makes one from a config."""

    encoder: RelationEncoder
    loss_fn: Callable[..., torch.Tensor]
    sampler: RelationSampler
    trainable: list[torch.nn.Parameter]
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LambdaLR
    total_steps: int
    max_grad_norm: float
    config: TrainConfig
    distillation: DistillationSet | None = None

    @classmethod
    def build(
        cls,
        config: TrainConfig,
        relations: Sequence[Relation],
        *,
        data_dir: str | os.PathLike[str] | None = None,
        progress: bool = False,
    ) -> Trainer:
        """Load ``config.encoder`` at the resolved training precision and set up the training of ``relations``
        (and, with a distillation teacher, its pairs and cached teacher vectors from ``data_dir``)."""
        if config.adapter:
            # The adapters are saved as a delta over the base's exact bytes: the base must be on this machine.
            base, _ = resolve_encoder(config.encoder)
            if not isinstance(base, Path):
                raise invalid("encoder", config.encoder, "a local encoder (an embedded name or a folder) for adapter")
        # Trained and selected on the contextual vectors alone; the static part is joined in the saved folder.
        encoder = RelationEncoder(config.encoder, options=config.encoder_options().replace(static_weight=0))
        model = encoder.model
        if config.adapter == "lora":
            add_lora(model, config.lora_rank, config.lora_alpha, config.lora_dropout, config.lora_targets)
            model.to(encoder.device)
        loss_fn = make_loss(config.loss, config.temperature, config.margin)
        sampler = RelationSampler(
            relations,
            config.relations_per_step,
            seed=config.seed,
            reversed_negatives=config.reversed_negatives,
            grouping=config.step_grouping,
        )
        if config.dropout is not None:
            for layer in model.modules():
                if isinstance(layer, torch.nn.Dropout):
                    layer.p = float(config.dropout)
        if config.freeze_embeddings and config.adapter is None:
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
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, learning_rate_schedule(total_steps, config.warmup))
        distillation = _distillation(config, data_dir, progress, encoder.device)
        return cls(
            encoder,
            loss_fn,
            sampler,
            trainable,
            optimizer,
            scheduler,
            total_steps,
            config.max_grad_norm,
            config,
            distillation,
        )

    @property
    def model(self) -> torch.nn.Module:
        return self.encoder.model

    def step(self, step: Step) -> dict[str, Any]:
        """One optimisation step on ``step``'s pairs; returns its log fields (loss before the update, the
        learning rate it used, the clipped gradient's norm, sizes and time)."""
        started = time.perf_counter()
        tokens = self.encoder.tokenize(step.pairs)
        embeddings = self.encoder.forward(tokens)  # under the encoder's precision (bf16 autocast)
        device = self.encoder.device
        terms = (torch.from_numpy(array).to(device) for array in (step.anchors, step.positives, step.negatives))
        loss = self.loss_fn(embeddings.float(), *terms)
        extra = {}
        if self.distillation is not None:
            distilled = self._distillation_loss(self.scheduler.last_epoch)
            loss = loss + self.config.distill_weight * distilled
            extra["distill_loss"] = round(distilled.item(), 6)
        lr = self.scheduler.get_last_lr()[0]
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(self.trainable, self.max_grad_norm)
        self.optimizer.step()
        self.scheduler.step()
        loss_value = loss.item()  # also waits for an asynchronous device, so the time below is real
        return {
            "loss": round(loss_value, 6),
            "grad_norm": round(float(grad_norm), 4),
            "lr": lr,
            "pairs": len(step.pairs),
            "tokens": sum(map(len, tokens.ids)),
            "precision": self.encoder.precision,
            "seconds": round(time.perf_counter() - started, 4),
            **extra,
        }

    def _distillation_loss(self, step: int) -> torch.Tensor:
        """The similarity-distillation loss on step ``step``'s batch of distillation pairs."""
        chosen = self.distillation.batch(step)
        student = self.encoder.forward(self.encoder.tokenize([self.distillation.pairs[i] for i in chosen]))
        teacher = self.distillation.teacher[torch.from_numpy(chosen)].to(student.device)
        return similarity_distillation_loss(student, teacher, self.config.distill_temperature)

    def state(self) -> dict[str, Any]:
        """The weights (only the adapters', for an adapter run), optimiser and schedule, as a checkpoint holds
        them."""
        weights = trainable_state(self.model) if self.config.adapter else self.model.state_dict()
        return {"model": weights, "optimizer": self.optimizer.state_dict(), "scheduler": self.scheduler.state_dict()}

    def load_state(self, state: dict[str, Any]) -> None:
        if self.config.adapter:
            missing = sorted(set(trainable_state(self.model)) - set(state["model"]))
            if missing:
                raise RelvecError(f"checkpoint is corrupt: it lacks the adapter weights {', '.join(missing[:3])}")
            self.model.load_state_dict(state["model"], strict=False)
        else:
            self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])

    def save_model(self, folder: Path) -> Path:
        """Save the model as it is now to ``folder`` (which ``RelationEncoder(folder)`` loads): the full weights,
        or for an adapter run only the adapters, as a delta over the base encoder."""
        config, encoder = self.config, self.encoder
        if not config.adapter:
            return encoder.save(folder, static_weight=config.static_weight)
        settings = {"template": encoder.template.text, "pooling": encoder.pooling}
        if config.static_weight:
            settings["static_weight"] = config.static_weight
        return save_delta_folder(folder, config.encoder, lora_factors(self.model), settings)


def _distillation(
    config: TrainConfig, data_dir: str | os.PathLike[str] | None, progress: bool, device: torch.device
) -> DistillationSet | None:
    if config.distill_teacher is None:
        return None
    pairs, dropped = distillation_pairs(data_dir)
    if progress:
        print(
            f"relvec train: {len(pairs)} distillation pairs ({dropped} held-out pairs dropped by the leakage filter)",
            file=sys.stderr,
        )
    vectors = torch.from_numpy(teacher_vectors(config.distill_teacher, pairs, progress=progress))
    return DistillationSet(pairs, vectors, config.distill_batch, config.seed)


def learning_rate_schedule(total_steps: int, warmup: float) -> Callable[[int], float]:
    """The factor on the peak learning rate at each step: linear warm-up over ``warmup`` of the steps, then
    linear decay to 0 at ``total_steps``."""
    warmup_steps = int(round(warmup * total_steps))

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))

    return factor
