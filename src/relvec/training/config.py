"""What defines a training run: :class:`TrainConfig` (checked before any data or model loads) and the named
:data:`RECIPES` it starts from."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any

from relvec.embedding.options import EncoderOptions
from relvec.embedding.precision import TRAIN_PRECISIONS, resolve_precision
from relvec.errors import RelvecError, check_bool, check_choice, check_int, check_number, check_positive_int, invalid
from relvec.training.adapters import ADAPTERS, LORA_TARGETS
from relvec.training.losses import LOSSES, make_loss
from relvec.training.sampler import GROUPINGS

#: Extra training relation sources beside ``data`` (relvec.training.relations).
EXTRA_DATA = ("wordnet", "lexical")


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
    # "parent": relations of one parent category share steps, so they are each other's negatives.
    step_grouping: str = "random"
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
    # Parameter-efficient fine-tuning: None trains every weight; "lora" freezes the encoder and trains rank
    # `lora_rank` adapters (scale lora_alpha / lora_rank) on `lora_targets` ("attention" or "all" linear layers),
    # saved as a small delta over the base encoder and merged into its weights on load (relvec.embedding.delta).
    adapter: str | None = None
    lora_rank: int = 8
    lora_alpha: float = 16.0
    lora_dropout: float = 0.0
    lora_targets: str = "all"
    # Distillation beside the contrastive loss (relvec.training.distill): each step also matches the
    # teacher's cosine similarities over `distill_batch` lexical train pairs, weighted by `distill_weight`.
    distill_teacher: str | None = None
    distill_weight: float = 1.0
    distill_batch: int = 256
    distill_temperature: float = 0.05

    def check(self) -> None:
        """Raise on the first bad value, before any data or model is loaded."""
        self._check_model()
        self._check_optimisation()
        self._check_data()

    def encoder_options(self) -> EncoderOptions:
        """The run's encoder options as one record, which checks them: template, pooling, device, the saved
        model's static weight, and the training precision made concrete (``auto``: bf16 where bfloat16 is
        native, else fp32; never int8, whose weights cannot be trained)."""
        check_choice("precision", self.precision, TRAIN_PRECISIONS)
        options = EncoderOptions(
            template=self.template, pooling=self.pooling, device=self.device, static_weight=self.static_weight
        )
        return options.replace(
            precision=resolve_precision(self.precision, options.torch_device, training=True).precision
        )

    def _check_model(self) -> None:
        self.encoder_options()
        check_choice("loss", self.loss, LOSSES)
        make_loss(self.loss, self.temperature, self.margin)  # checks temperature and margin ranges
        self._check_adapter()

    def _check_adapter(self) -> None:
        if self.adapter is not None:
            check_choice("adapter", self.adapter, ADAPTERS)
        check_int("lora_rank", self.lora_rank, minimum=1, maximum=512)
        check_number("lora_alpha", self.lora_alpha, low=0, high=1e4, low_open=True)
        check_number("lora_dropout", self.lora_dropout, low=0, high=1, high_open=True)
        check_choice("lora_targets", self.lora_targets, LORA_TARGETS)
        if self.distill_teacher is not None and (not isinstance(self.distill_teacher, str) or not self.distill_teacher):
            raise invalid("distill_teacher", self.distill_teacher, "null or a model name or folder")
        check_number("distill_weight", self.distill_weight, low=0, high=1e3, low_open=True)
        check_int("distill_batch", self.distill_batch, minimum=2, maximum=4096)
        check_number("distill_temperature", self.distill_temperature, low=0, high=10, low_open=True)

    def _check_optimisation(self) -> None:
        check_positive_int("epochs", self.epochs)
        check_positive_int("relations_per_step", self.relations_per_step)
        check_choice("step_grouping", self.step_grouping, GROUPINGS)
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

    def _check_data(self) -> None:
        if not isinstance(self.extra_data, list) or any(item not in EXTRA_DATA for item in self.extra_data):
            raise invalid("extra_data", self.extra_data, "a list of extra relation sources from " + repr(EXTRA_DATA))
        for name in ("reversed_negatives", "freeze_embeddings", "leakage_filter"):
            # Worded as JSON writes it: config files are JSON.
            check_bool(name, getattr(self, name), expected="true or false")
        check_int("seed", self.seed, minimum=0)
        if not isinstance(self.data, str) or not self.data:
            raise invalid("data", self.data, "'semeval' or the path of a relation-set JSONL file")
        if not isinstance(self.exclude, list) or not all(isinstance(name, str) for name in self.exclude):
            raise invalid("exclude", self.exclude, "a list of SemEval relation or category names")
        if not isinstance(self.encoder, (str, os.PathLike)):
            raise invalid("encoder", self.encoder, "an encoder name or a model folder")

    @classmethod
    def from_dict(cls, values: dict[str, Any], source: str = "config") -> TrainConfig:
        """A config from a JSON-like dict; an unknown key is refused, naming ``source`` and the known keys."""
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


#: Named recipes, each chosen on validation data only (docs/training.md has the lever table).
#:   minilm: all-MiniLM-L6-v2, template c, difference pooling, LoRA rank 8 on every linear layer (lr 5e-4),
#:           hybrid with GloVe at w = 0.1; relvec-minilm is the soup of three seeds of it.
#:   mpnet:  the same adapter recipe on the embedded all-mpnet-base-v2 (110M), no GloVe part (it did not help
#:           on validation); relvec-mpnet is a soup of seeds of it.
#:   minilm-full, mpnet-full: the same recipes with every weight trained (lr 5e-5), as before adapters; a
#:           full run's folder holds the whole encoder (90 MB / 420 MB), too big to ship.
#:   paper:  RelBERT's published recipe (template d, average_no_mask, InfoNCE, lr 5e-6, 10 epochs), kept for
#:           honest comparison; pass --encoder for its backbone (MiniLM by default).
_LORA = {"adapter": "lora", "lora_rank": 8, "lora_alpha": 16.0, "lora_targets": "all", "lr": 5e-4}
RECIPES: dict[str, dict[str, Any]] = {
    "minilm": {**_LORA, "static_weight": 0.1},
    "mpnet": {**_LORA, "encoder": "all-mpnet-base-v2", "static_weight": 0.0},
    "minilm-full": {},
    "mpnet-full": {"encoder": "all-mpnet-base-v2", "static_weight": 0.0},
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
