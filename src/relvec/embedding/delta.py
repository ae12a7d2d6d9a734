"""A trained model as a small delta over a base encoder: low-rank factors in one safetensors file.

A delta folder holds ``relvec_config.json`` (template, pooling, static weight and a ``delta`` block naming
the base encoder, the base weights' sha256 and the delta file's sha256) and ``delta.safetensors``. For each
adapted weight matrix ``W`` (out, in) of the base, the file holds ``NAME.lora_A`` (r, in) and ``NAME.lora_B``
(out, r), scale already folded into B, and loading sets ``W <- W + B @ A``: exactly what a merged LoRA
adapter computes, so a delta model encodes at the cost of the base encoder.

The merge is written here rather than through peft (which trains the adapters, relvec.training.adapters) so
that loading needs neither peft nor accelerate; it is computed in float64 and rounded once to float32, so
that the merged weights do not depend on the BLAS kernel or thread count of the machine that loads them.
relvec's shipped models (relvec.embedding.builtin) are delta folders inside the package.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import torch

from relvec.errors import RelvecError

DELTA_FILE = "delta.safetensors"
_SUFFIXES = (".lora_A", ".lora_B")


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, read in 4 MB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while block := source.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def base_weights_file(folder: Path) -> Path:
    """The weights file of a Hugging Face encoder folder whose bytes identify it (safetensors preferred)."""
    for name in ("model.safetensors", "pytorch_model.bin"):
        if (folder / name).is_file():
            return folder / name
    raise RelvecError(f"base encoder folder {folder} holds no model.safetensors or pytorch_model.bin")


def read_delta(folder: Path, meta: dict[str, Any]) -> dict[str, torch.Tensor]:
    """The factors of a delta folder, after checking the file against the sha256 its config records."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    file = folder / str(meta.get("file", DELTA_FILE))
    if file.parent != folder or not file.is_file():
        raise RelvecError(
            f"model folder {folder}: its delta file {file.name} is missing; reinstall relvec (pip install "
            "--force-reinstall relvec) or train the folder again"
        )
    expected = meta.get("sha256")
    actual = file_sha256(file)
    if not isinstance(expected, str) or actual != expected:
        raise RelvecError(
            f"model folder {folder}: {file.name} has sha256 {actual}, but its relvec_config.json records "
            f"{expected!r}: the file is corrupt or was changed; reinstall relvec (pip install --force-reinstall "
            "relvec) or train the folder again"
        )
    try:
        return load_file(file)
    except (SafetensorError, OSError, ValueError) as error:
        raise RelvecError(f"model folder {folder}: {file.name} is not a readable safetensors file ({error})") from error


def apply_delta(model: torch.nn.Module, factors: dict[str, torch.Tensor], where: str) -> int:
    """Add each ``B @ A`` of ``factors`` to the model's weight of the same name, in place; return how many
    matrices changed. Every name must be a weight of ``model`` with matching shapes and finite values."""
    parameters = dict(model.named_parameters())
    names = sorted({key[: -len(suffix)] for key in factors for suffix in _SUFFIXES if key.endswith(suffix)})
    stray = sorted(set(factors) - {name + suffix for name in names for suffix in _SUFFIXES})
    if stray:
        raise RelvecError(f"{where}: unexpected tensors {', '.join(stray[:3])} (expected NAME.lora_A / NAME.lora_B)")
    with torch.no_grad():
        for name in names:
            if name not in parameters:
                raise RelvecError(f"{where}: the delta adapts {name!r}, which the base encoder does not have")
            down, up = factors.get(name + ".lora_A"), factors.get(name + ".lora_B")
            if down is None or up is None:
                raise RelvecError(f"{where}: {name} has only one of its two factors (lora_A, lora_B)")
            weight = parameters[name]
            rank = down.shape[0] if down.dim() == 2 else -1
            if (
                down.dim() != 2
                or up.dim() != 2
                or up.shape != (weight.shape[0], rank)
                or down.shape[1:] != weight.shape[1:]
            ):
                raise RelvecError(
                    f"{where}: {name} has factors {tuple(up.shape)} x {tuple(down.shape)}, which do not fit its "
                    f"weight {tuple(weight.shape)}"
                )
            if not (torch.isfinite(down).all() and torch.isfinite(up).all()):
                raise RelvecError(f"{where}: {name}'s factors hold NaN or infinite values")
            merged = weight.double() + up.double() @ down.double()
            weight.copy_(merged.to(weight.dtype))
    return len(names)


def merged_cache_file(delta_sha256: str, base_digest: str) -> Path:
    """Where the merged weights of one delta over one base encoder are kept, keyed by both files' sha256."""
    from relvec.files.cache import cache_dir

    key = hashlib.sha256(f"merge-v1|{delta_sha256}|{base_digest}".encode()).hexdigest()[:24]
    return cache_dir() / "merged" / f"{key}.safetensors"


def apply_delta_cached(model: torch.nn.Module, factors: dict[str, torch.Tensor], where: str, cached: Path) -> int:
    """:func:`apply_delta`, but through a cache file of the merged matrices: a warm load copies the matrices
    the delta adapts from ``cached`` (the same float32 bits the float64 merge gave) instead of merging again.

    The file is checked before use (the same names and shapes as the merge would change, float32, finite
    values); one that fails is rebuilt with a message on stderr. A cache folder that cannot be written only
    costs the merge next time.
    """
    names = sorted({key[: -len(suffix)] for key in factors for suffix in _SUFFIXES if key.endswith(suffix)})
    parameters = dict(model.named_parameters())
    if cached.is_file():
        problem = _load_merged(cached, names, parameters)
        if problem is None:
            return len(names)
        import sys

        print(f"relvec: rebuilding the merged-weights cache {cached} ({problem})", file=sys.stderr)
    changed = apply_delta(model, factors, where)
    _save_merged(cached, {name: parameters[name] for name in names})
    return changed


def _load_merged(cached: Path, names: list[str], parameters: dict[str, torch.nn.Parameter]) -> str | None:
    """Copy the cached merged matrices into ``parameters``; the reason it cannot, or None when it did."""
    import numpy as np
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        tensors = load_file(cached)
    except (SafetensorError, OSError, ValueError) as error:
        return f"unreadable: {error}"
    if sorted(tensors) != names:
        return "it holds other matrices than the delta adapts"
    for name in names:
        array, weight = tensors[name], parameters.get(name)
        if weight is None or array.dtype != np.float32 or tuple(array.shape) != tuple(weight.shape):
            return f"{name} does not fit the base encoder"
        if not np.isfinite(array).all():  # numpy: one thread, no oversubscription on a busy machine
            return f"{name} holds NaN or infinite values"
    with torch.no_grad():
        for name in names:
            parameters[name].copy_(torch.from_numpy(tensors[name]))
    return None


def _save_merged(cached: Path, weights: dict[str, torch.Tensor]) -> None:
    """Write the merged matrices under a temporary name and rename it into place; failures are ignored."""
    from safetensors.torch import save_file

    temporary = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        save_file({name: weight.detach().contiguous() for name, weight in weights.items()}, os.fspath(temporary))
        os.replace(temporary, cached)
    except OSError:
        temporary.unlink(missing_ok=True)


def delta_config(base: str, base_sha256: str, file: Path, **facts: Any) -> dict[str, Any]:
    """The ``delta`` block of relvec_config.json for ``file`` over the base encoder ``base``."""
    return {"base": base, "base_sha256": base_sha256, "file": file.name, "sha256": file_sha256(file), **facts}


#: How factors may be stored: float32, or float16 at half the size (merging reads either into float64).
DELTA_DTYPES = {"float32": torch.float32, "float16": torch.float16}


def save_delta(folder: Path, factors: dict[str, torch.Tensor], dtype: str = "float32") -> Path:
    """Write ``factors`` (contiguous, as ``dtype``) to ``folder/delta.safetensors``; return the file."""
    from safetensors.torch import save_file

    kind = DELTA_DTYPES[dtype]
    tensors = {key: value.detach().to(kind).contiguous().cpu() for key, value in sorted(factors.items())}
    for key, value in tensors.items():
        if not torch.isfinite(value).all():
            raise RelvecError(f"delta tensor {key} holds NaN or infinite values; refusing to save it")
    file = folder / DELTA_FILE
    temporary = file.with_name(file.name + ".tmp")
    save_file(tensors, os.fspath(temporary))
    temporary.replace(file)
    _umask_mode(file)
    return file


def _umask_mode(file: Path) -> None:
    """Give ``file`` the mode a plain ``open()`` would (0644 under the usual umask), not safetensors' 0600."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(file, 0o666 & ~mask)


def average_deltas(deltas: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """The uniform soup of several deltas over the same base, exactly: mean_i(B_i @ A_i) = [B_1 .. B_n] / n @
    [A_1; ..; A_n], so the factors of each weight are stacked (rank adds up) and B is divided by n. Merging it
    gives the average of the runs' merged weights."""
    if not deltas:
        raise RelvecError("a soup needs at least one delta")
    keys = set(deltas[0])
    for delta in deltas[1:]:
        if set(delta) != keys:
            raise RelvecError("the deltas adapt different weights; a soup needs runs of the same recipe")
    soup = {}
    for key in sorted(keys):
        if key.endswith(".lora_A"):
            soup[key] = torch.cat([delta[key].float() for delta in deltas], dim=0)
        else:
            soup[key] = torch.cat([delta[key].float() for delta in deltas], dim=1) / len(deltas)
    return soup


def truncate_delta(factors: dict[str, torch.Tensor], rank: int) -> dict[str, torch.Tensor]:
    """Each weight's delta ``B @ A`` cut to its best rank-``rank`` approximation (truncated SVD, in float64):
    a soup's stacked factors back to a fixed size. Deltas already of that rank or lower are kept exactly."""
    cut = {}
    for key in sorted(factors):
        if not key.endswith(".lora_A"):
            continue
        name = key[: -len(".lora_A")]
        down, up = factors[key].double(), factors[name + ".lora_B"].double()
        if down.shape[0] <= rank:
            cut[key], cut[name + ".lora_B"] = factors[key].float(), factors[name + ".lora_B"].float()
            continue
        # B @ A = (Q_b R_b)(R_a^T Q_a^T): the SVD of the small core R_b R_a^T gives the delta's exactly.
        q_up, r_up = torch.linalg.qr(up)
        q_down, r_down = torch.linalg.qr(down.T)
        u, s, vh = torch.linalg.svd(r_up @ r_down.T)
        root = s[:rank].sqrt()
        cut[name + ".lora_B"] = (q_up @ u[:, :rank] * root).float()
        cut[key] = (root[:, None] * (vh[:rank] @ q_down.T)).float()
    return cut


def delta_parameters(factors: dict[str, torch.Tensor]) -> int:
    """How many numbers the delta holds."""
    return sum(value.numel() for value in factors.values())


def base_sha256(folder: Path) -> str:
    """The sha256 of a base encoder's weights file, remembered per file (path, size, mtime, inode) in the cache
    folder so that a warm load does not re-read 440 MB; a file that changed in any of these is read again."""
    from relvec.files.cache import cache_dir

    file = base_weights_file(folder).resolve()
    stat = file.stat()
    key = f"{file}|{stat.st_size}|{stat.st_mtime_ns}|{stat.st_ino}"
    memo_file = cache_dir() / "verified-sha256.json"
    try:
        memo = json.loads(memo_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        memo = {}
    if not isinstance(memo, dict):
        memo = {}
    known = memo.get(key)
    if isinstance(known, str) and len(known) == 64:
        return known
    digest = file_sha256(file)
    memo = {k: v for k, v in memo.items() if not k.startswith(f"{file}|")}
    memo[key] = digest
    try:
        from relvec.files.outputs import write_text_atomic

        memo_file.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(memo_file, json.dumps(memo, indent=1, sort_keys=True) + "\n")
    except OSError:  # a read-only cache only costs the next load another read
        pass
    return digest
