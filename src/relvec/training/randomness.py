"""The three random generators a run draws from (torch, numpy, Python): seeded at the start, and saved in and
restored from checkpoints, so that a resumed run draws exactly what an uninterrupted one would have."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch

from relvec.errors import RelvecError


def seed_everything(seed: int) -> None:
    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed)


def random_state() -> dict[str, Any]:
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


def set_random_state(state: dict[str, Any]) -> None:
    """Restore what :func:`random_state` saved; a malformed state is reported as a corrupt checkpoint."""
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
