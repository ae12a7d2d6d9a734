"""The one precision policy, for encoding and for training: which precisions exist, which is fast on this
hardware, ``precision="auto"`` made concrete, and the autocast context a forward pass runs under.

Measured with ``bench/throughput.py`` (docs/performance.md, per CPU kind):

- bf16 is fast only where the hardware multiplies bfloat16 natively: CUDA GPUs and CPUs with AMX or
  AVX-512 BF16 (2.4x fp32 on a Sapphire Rapids with AMX). Elsewhere torch emulates it and it is slower
  than fp32 (4x slower on a Xeon with AVX-512 VNNI and no AMX; 6.5x slower on an AVX2 AMD EPYC).
- int8 (linear layers with int8 weights and per-token int8 activations, ``torch._int_mm``) runs on the CPU
  only; 2.86x fp32 for relvec-mpnet and 1.80x for relvec-minilm on a Zen 4 EPYC with AVX-512 VNNI
  (the older per-batch dynamic int8 was 1.5x on an AVX2 EPYC; per-token is not yet measured there).
"""

from __future__ import annotations

import contextlib
import platform
import subprocess
import warnings
from dataclasses import dataclass

import torch

from relvec.errors import check_choice, invalid

#: ``fp32``: exact; ``bf16``: matrix products in bfloat16; ``int8``: linear layers in int8 (CPU);
#: ``auto``: the fastest of these that is fast on this device (:func:`resolve_precision`).
PRECISIONS = ("fp32", "bf16", "int8", "auto")
#: Training keeps float32 weights, optimiser state and loss; int8 weights cannot be trained.
TRAIN_PRECISIONS = ("auto", "fp32", "bf16")


@dataclass(frozen=True)
class Choice:
    """A concrete precision and why it was chosen (shown to the user when ``auto`` chose it)."""

    precision: str
    reason: str


def cpu_has_fast_bf16() -> bool:
    """AMX tiles or AVX-512 BF16: the CPU multiplies bfloat16 natively."""
    return bool(torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported())


def cpu_name() -> str:
    """The CPU's model name from lscpu: every speed figure names the machine it comes from."""
    try:
        lines = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown CPU"
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("Model name")), "unknown CPU")


def cpu_kind() -> str:
    """The CPU's vector instruction level as torch reports it, e.g. ``AVX2`` or ``AVX512``."""
    return str(torch.backends.cpu.get_cpu_capability())


def int8_engine() -> str | None:
    """What runs int8 matrix products here (``torch._int_mm``: int8 x int8 -> int32, oneDNN's kernels on the
    CPU), or ``None`` where this torch build has none."""
    return "torch._int_mm" if callable(getattr(torch, "_int_mm", None)) else None


def check_precision(precision: object, device: torch.device) -> None:
    """Refuse an unknown precision, or int8 where no int8 kernel runs, before any model is loaded."""
    check_choice("precision", precision, PRECISIONS)
    if precision != "int8":
        return
    if device.type != "cpu":
        raise invalid("precision", precision, f"'fp32', 'bf16' or 'auto' on {device.type}: int8 runs on the CPU only")
    if int8_engine() is None:
        raise invalid(
            "precision",
            precision,
            "'fp32', 'bf16' or 'auto' here: this torch build has no int8 matrix product (torch._int_mm)",
        )


def resolve_precision(precision: str, device: torch.device, *, training: bool = False) -> Choice:
    """``auto`` made concrete for ``device``; any other precision is returned as asked (with a reason).

    For training, ``auto`` is bf16 where the hardware multiplies bfloat16 natively, else fp32 (never int8).
    """
    if precision != "auto":
        return Choice(precision, "as asked")
    if device.type == "cuda":
        return Choice("bf16", "CUDA device: bfloat16 matrix products are native")
    if device.type == "cpu" and cpu_has_fast_bf16():
        return Choice("bf16", "CPU with AMX or AVX-512 BF16: bfloat16 matrix products are native")
    if not training and device.type == "cpu" and int8_engine() is not None:
        return Choice(
            "int8",
            f"{cpu_kind()} CPU without fast bfloat16: int8 linear layers ({int8_engine()}), measured "
            "1.8-2.9x fp32 on a Zen 4 EPYC",
        )
    return Choice("fp32", f"no faster path on {device.type}")


def autocast(precision: str, device: torch.device) -> contextlib.AbstractContextManager:
    """The context a forward pass runs under: bfloat16 autocast for ``bf16``, nothing otherwise (int8 is in
    the weights, not in a context)."""
    if precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def warn_if_slow_bf16(precision: str, device: torch.device) -> None:
    """One line when bf16 is asked for where it is emulated, hence slower than fp32."""
    if precision == "bf16" and device.type == "cpu" and not cpu_has_fast_bf16():
        warnings.warn(
            f"precision='bf16' on this {cpu_kind()} CPU (no AMX or AVX-512 BF16) is emulated and slower than fp32 "
            "(measured 6.5x slower on an AVX2 EPYC, 4x on a Xeon without AMX); use 'int8' or 'auto' for speed",
            stacklevel=4,
        )
