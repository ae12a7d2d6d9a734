"""Distillation: the student learns a teacher model's relation geometry on many word pairs.

Beside each contrastive step, the student encodes a batch of word pairs from the train splits of the lexical
relation datasets (BLESS, CogALex-V, EVALution, K&H+N, ROOT09: hypernyms, meronyms, attributes, events,
antonyms, synonyms and unrelated pairs, in both orders), and its cosine similarities between the pairs of the
batch are pulled towards the teacher's: the KL divergence between each pair's softmax over the other pairs,
teacher's against student's, at a temperature. Only similarities are matched, so teacher and student may have
different vector sizes. The teacher's vectors are computed once per (teacher, pair set) and cached.

Leakage filter: every pair found in any analogy split, a lexical val or test split or the relation-mapping
lists (either order) is dropped; the lexical train splits are what a classifier trains on, never scored.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from relvec.errors import RelvecError
from relvec.files.cache import cache_dir
from relvec.pairs import Pair

#: How many pairs the teacher encodes: a fixed sample of the filtered pool (seed 0 for every run, so all
#: runs share one cached set of teacher vectors). 120 steps of 256 pairs draw about 30k.
POOL_SIZE = 32768


def distillation_pairs(data_dir: str | os.PathLike[str] | None) -> tuple[list[Pair], int]:
    """The lexical datasets' train pairs in both orders, deduplicated and sorted, minus every held-out pair,
    sampled down to :data:`POOL_SIZE`; returns the pairs and how many distinct ones the leakage filter dropped."""
    from relvec.data.lexical import LEXICAL_DATASETS, load_lexical
    from relvec.data.wordnet import evaluation_pairs

    pairs: set[Pair] = set()
    for name in LEXICAL_DATASETS:
        try:
            pairs.update(load_lexical(name, "train", data_dir).pairs)
        except RelvecError:  # a dataset missing from the data folder
            continue
    if not pairs:
        raise RelvecError("distillation needs the lexical datasets' train splits: pass --data-dir or set RELVEC_DATA")
    pairs |= {(tail, head) for head, tail in pairs}
    held_out = evaluation_pairs(data_dir, lexical_splits=("val", "test"))
    kept = sorted(pair for pair in pairs if pair not in held_out and pair[0] != pair[1])
    dropped = len(pairs) - len(kept)
    if len(kept) > POOL_SIZE:
        chosen = np.random.default_rng(0).choice(len(kept), size=POOL_SIZE, replace=False)
        kept = [kept[i] for i in sorted(chosen)]
    return kept, dropped


def _teacher_identity(teacher: str) -> str:
    """What names a teacher's weights: its resolved source and, for a folder, its relvec_config.json (which
    holds the delta's and the base's sha256 for a delta folder)."""
    from relvec.embedding.models import RELVEC_CONFIG, resolve_source

    source, name = resolve_source(teacher)
    identity = {"name": name, "source": str(source)}
    if isinstance(source, Path) and (source / RELVEC_CONFIG).is_file():
        identity["config"] = (source / RELVEC_CONFIG).read_text(encoding="utf-8")
    return json.dumps(identity, sort_keys=True)


def teacher_vectors(teacher: str, pairs: list[Pair], *, progress: bool = True) -> np.ndarray:
    """The teacher's unit contextual vectors of ``pairs``: float32 (n, dim), read from the cache when this
    teacher already encoded this pair set, else encoded (progress on stderr) and cached atomically."""
    from relvec.embedding.encoder import RelationEncoder
    from relvec.embedding.options import default_device
    from relvec.embedding.precision import resolve_precision

    # bf16 where the hardware multiplies bfloat16 natively (the teacher only sets targets), else fp32.
    precision = resolve_precision("auto", default_device(), training=True).precision
    key = _teacher_identity(teacher) + "\n" + precision + "\n" + json.dumps(pairs)
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    file = cache_dir() / "distill" / f"{digest}.npy"
    if file.is_file():
        try:
            vectors = np.load(file, allow_pickle=False)
            if vectors.shape[0] == len(pairs) and np.isfinite(vectors).all():
                return vectors
        except (OSError, ValueError):
            pass  # a corrupt cache entry is rebuilt, never trusted
    if progress:
        print(f"relvec train: the teacher {teacher} encodes {len(pairs)} distillation pairs once", file=sys.stderr)
    encoder = RelationEncoder(teacher, static_weight=0, normalize=True, precision=precision)
    vectors = encoder.encode(pairs, progress=progress).astype(np.float32)
    file.parent.mkdir(parents=True, exist_ok=True)
    temporary = file.with_name(f".{file.stem}.{os.getpid()}.npy")
    np.save(temporary, vectors)
    temporary.replace(file)
    return vectors


@dataclass
class DistillationSet:
    """The pairs, their teacher vectors and the batch each training step draws (from ``(seed, step)``, so a
    resumed run draws the same batches)."""

    pairs: list[Pair]
    teacher: torch.Tensor  # (n, teacher dim), unit rows
    batch_size: int
    seed: int

    def batch(self, step: int) -> np.ndarray:
        """Indices of step ``step``'s pairs: (batch_size,), distinct."""
        rng = np.random.default_rng([self.seed, 7919, step])
        return rng.choice(len(self.pairs), size=min(self.batch_size, len(self.pairs)), replace=False)


def similarity_distillation_loss(student: torch.Tensor, teacher: torch.Tensor, temperature: float) -> torch.Tensor:
    """KL(teacher || student) of each row's softmax over the other rows' cosine similarities.

    ``student`` (B, d) and ``teacher`` (B, D) hold the same B pairs; the diagonal (a pair with itself) is left
    out. Returns the mean over rows, a scalar.
    """
    size = student.shape[0]
    off_diagonal = ~torch.eye(size, dtype=torch.bool, device=student.device)
    s = F.normalize(student.float(), dim=-1)
    t = F.normalize(teacher.float(), dim=-1)
    student_logits = (s @ s.T / temperature)[off_diagonal].view(size, size - 1)
    teacher_logits = (t @ t.T / temperature)[off_diagonal].view(size, size - 1)
    student_log, teacher_log = F.log_softmax(student_logits, dim=-1), F.log_softmax(teacher_logits, dim=-1)
    return F.kl_div(student_log, teacher_log, log_target=True, reduction="batchmean")
