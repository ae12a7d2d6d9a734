"""How an encoder runs, as one validated record: :class:`EncoderOptions`.

The command line, training, the service and Ray workers each build one record, which checks every value
before any weights are read; :class:`~relvec.embedding.encoder.RelationEncoder` takes it whole. Which weights
to run (the model) is not an option: it is the encoder's first argument.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import shutil
from dataclasses import dataclass
from typing import Any

import torch

from relvec.embedding.batching import DEFAULT_CHUNK_SIZE
from relvec.embedding.hybrid import check_static_weight
from relvec.embedding.pooling import DEFAULT_POOLING, check_pooling
from relvec.embedding.precision import check_precision
from relvec.embedding.prompt import DEFAULT_TEMPLATE, Template
from relvec.errors import RelvecError, check_bool, check_positive_int, invalid


@dataclass(frozen=True)
class EncoderOptions:
    """Everything about running an encoder except its weights; every value is checked here, on construction
    (and again by :meth:`replace`), and nowhere else.

    Fields:
        template: a paper template name (``"a"``..``"e"``) or a string with ``<subj>``, ``<obj>`` and one
            ``<mask>``. Default: the folder's stored template, else ``"d"``.
        pooling: ``"mask"``, ``"average"``, ``"average_no_mask"``, ``"cls"`` or ``"difference"``. Default: the
            folder's stored pooling, else ``"average_no_mask"``.
        normalize: L2-normalise every vector.
        batch_size: prompts per forward pass.
        max_length: longest prompt in tokens; default the encoder's own limit. Longer prompts are an error,
            never silently cut.
        device: torch device; default CUDA when available, else CPU.
        precision: ``"fp32"`` (default, exact), ``"bf16"`` (matrix products in bfloat16 under autocast; fast
            only with AMX, AVX-512 BF16 or a GPU, and a warning says so elsewhere), ``"int8"`` (the linear
            layers dynamically quantized to int8, CPU only; 1.5x fp32 on an AVX2 CPU) or ``"auto"`` (the fastest
            of these that is fast on this device; the encoder's ``precision`` then holds the one picked and its
            ``precision_reason`` why). Vectors are float32 either way (docs/performance.md). The int8 copy is
            made at the first ``encode``; like ``compile``, it assumes fixed weights.
        chunk_size: input pairs embedded together (deduplicated and length-sorted) by ``encode`` and read
            together by ``encode_stream`` (:mod:`relvec.embedding.batching`).
        compile: run ``encode`` through ``torch.compile`` with frozen weights, after a one-off compilation of
            10-30 s; on the reference CPU it made bf16 14% faster and fp32 no faster. Needs a C++ compiler; not
            with int8. The weights must not change afterwards (training uses the eager model).
        static_weight: ``w`` of the hybrid relation vector (:mod:`relvec.embedding.hybrid`): ``encode`` returns
            ``[unit(r), sqrt(w) * unit(glove(tail) - glove(head))]``, so that a dot product is
            ``cos_contextual + w * cos_static``. Default: the folder's stored weight, else 0 (no static part).
    """

    template: str | Template | None = None
    pooling: str | None = None
    normalize: bool = False
    batch_size: int = 64
    max_length: int | None = None
    device: str | torch.device | None = None
    precision: str = "fp32"
    chunk_size: int = DEFAULT_CHUNK_SIZE
    compile: bool = False
    static_weight: float | None = None

    def __new__(cls, *args: Any, **keywords: Any) -> EncoderOptions:
        # Before the generated __init__, which would raise a bare TypeError for a mistyped option.
        known = [field.name for field in dataclasses.fields(cls)]
        unknown = [name for name in keywords if name not in known]
        if unknown:
            guesses = {name: difflib.get_close_matches(name, known, n=1) for name in unknown}
            shown = ", ".join(
                f"{name!r}" + (f" (did you mean {guess[0]!r}?)" if guess else "") for name, guess in guesses.items()
            )
            raise RelvecError(f"unknown option(s) {shown}; the encoder options are {', '.join(known)}")
        return super().__new__(cls)

    def __post_init__(self) -> None:
        if self.template is not None:
            object.__setattr__(self, "template", Template.from_name_or_text(self.template))
        if self.pooling is not None:
            check_pooling(self.pooling)
        check_bool("normalize", self.normalize)
        check_device(self.device)
        check_precision(self.precision, self.torch_device)
        check_positive_int("batch_size", self.batch_size)
        check_positive_int("chunk_size", self.chunk_size)
        check_bool("compile", self.compile)
        if self.compile:
            _check_compile(self.precision, self.torch_device)
        if self.max_length is not None:
            check_positive_int("max_length", self.max_length)
        if self.static_weight is not None:
            check_static_weight(self.static_weight)

    @property
    def torch_device(self) -> torch.device:
        """The device asked for, else CUDA when available, else the CPU."""
        return torch.device(self.device) if self.device is not None else default_device()

    def replace(self, **changes: Any) -> EncoderOptions:
        """A copy with some options changed (and checked)."""
        return dataclasses.replace(self, **changes)

    def filled(self, stored: dict[str, Any]) -> EncoderOptions:
        """The record with template, pooling and static weight made concrete: those left out (None) come from
        a model folder's ``stored`` settings, else the defaults (template d, average_no_mask, no static part),
        checked like the rest."""
        weight = stored.get("static_weight", 0.0) if self.static_weight is None else self.static_weight
        return self.replace(
            template=self.template or stored.get("template", DEFAULT_TEMPLATE),
            pooling=self.pooling or stored.get("pooling", DEFAULT_POOLING),
            static_weight=weight,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain values (the template as its text), for a worker process to rebuild the same record."""
        values = dataclasses.asdict(self)
        if isinstance(self.template, Template):
            values["template"] = self.template.text
        if isinstance(self.device, torch.device):
            values["device"] = str(self.device)
        return values


def given_options(
    options: EncoderOptions | None, template: Any, pooling: Any, keywords: dict[str, Any]
) -> EncoderOptions:
    """One record from either ``options`` or the template, pooling and keyword arguments (not both)."""
    if options is None:
        return EncoderOptions(template=template, pooling=pooling, **keywords)
    if not isinstance(options, EncoderOptions):
        raise invalid("options", options, "an EncoderOptions record")
    if keywords or template not in (None, options.template) or pooling not in (None, options.pooling):
        raise RelvecError("give the encoder's options either as an EncoderOptions record or as arguments, not both")
    return options


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def check_device(device: Any) -> None:
    """Refuse a device torch cannot parse, or CUDA where torch sees none, before any model is loaded."""
    if device is None:
        return
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise invalid("device", device, "a torch device such as 'cpu' or 'cuda'") from error
    if parsed.type == "cuda" and not torch.cuda.is_available():
        raise invalid("device", device, "'cpu' on this machine: torch sees no CUDA device")


def _check_compile(precision: str, device: torch.device) -> None:
    if precision == "int8":
        raise invalid("compile", True, "False with precision 'int8' (the quantized layers do not compile)")
    if device.type == "cpu" and not _cpp_compiler():
        raise invalid(
            "compile",
            True,
            "False on this machine: torch.compile on the CPU needs a C++ compiler (g++ or clang++ on PATH, or $CXX)",
        )


def _cpp_compiler() -> str | None:
    candidates = [os.environ.get("CXX"), "g++", "c++", "clang++"]
    return next((found for name in candidates if name and (found := shutil.which(name))), None)
