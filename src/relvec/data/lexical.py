"""Lexical relation classification data (BLESS, CogALex-V, EVALution, K&H+N, ROOT09).

Each split file is ``head<TAB>tail<TAB>label`` with no header. Every label is checked against the
dataset's published label set, so a typo or a file of another dataset fails loudly instead of quietly
becoming a new class.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from relvec.data.lines import read_records
from relvec.data.paths import split_file
from relvec.data.registry import DATASETS, get_spec, names_of_kind
from relvec.errors import RelvecError, check_choice, invalid
from relvec.pairs import Pair, check_pair

LEXICAL_DATASETS: tuple[str, ...] = names_of_kind("lexical")
LEXICAL_SPLITS = ("train", "val", "test")
_SPLIT_ALIASES = {"valid": "val", "validation": "val"}

#: The label set of each dataset (SOURCES.md section 3), sorted.
LEXICAL_LABELS: dict[str, tuple[str, ...]] = {name: DATASETS[name].labels for name in LEXICAL_DATASETS}

#: Salt of the hash that picks CogALex-V's held-out validation pairs; changing it changes the split.
COGALEXV_VAL_SALT = "relvec-cogalexv-val-v1"


@dataclass(frozen=True)
class LexicalSplit:
    """Word pairs and their relation labels, index-aligned."""

    pairs: tuple[Pair, ...]
    labels: tuple[str, ...]
    #: bad lines skipped while loading (only with ``skip_bad_lines=True``)
    skipped: int = 0

    def __len__(self) -> int:
        return len(self.pairs)


def lexical_labels(name: str) -> tuple[str, ...]:
    """The label set of lexical dataset ``name``, sorted."""
    return LEXICAL_LABELS[check_choice("lexical dataset name", name, LEXICAL_DATASETS)]


def _line_parser(labels: Sequence[str] | None, owner: str) -> Callable[[str], tuple[Pair, str]]:
    allowed = set(labels) if labels is not None else None

    def parse(text: str) -> tuple[Pair, str]:
        fields = text.split("\t")
        if len(fields) != 3:
            raise RelvecError(f"expected 3 tab-separated fields head<TAB>tail<TAB>label; got {len(fields)}: {text!r}")
        pair = check_pair(fields[:2], "pair")
        label = fields[2].strip()
        if not label:
            raise invalid("label", fields[2], "a non-empty label")
        if allowed is not None and label not in allowed:
            raise invalid("label", label, f"one of {owner} labels ({', '.join(labels)})")
        return pair, label

    return parse


def load_lexical_file(
    path: str | os.PathLike[str],
    labels: Iterable[str] | None = None,
    *,
    skip_bad_lines: bool = False,
) -> LexicalSplit:
    """Load a ``head<TAB>tail<TAB>label`` file; with ``labels``, any other label is an error naming the line."""
    known = None if labels is None else tuple(labels)
    rows = read_records(
        Path(path), _line_parser(known, "the given"), skip_bad_lines=skip_bad_lines, what="labelled pair"
    )
    return LexicalSplit(tuple(pair for pair, _ in rows), tuple(label for _, label in rows), rows.skipped)


def normalize_split(split: object) -> str:
    """``train``, ``val`` or ``test``; ``valid`` and ``validation`` are accepted for ``val``."""
    name = _SPLIT_ALIASES.get(split, split) if isinstance(split, str) else split
    if name not in LEXICAL_SPLITS:
        raise invalid("split", split, "'train', 'val' or 'test' ('valid' and 'validation' mean 'val')")
    return name


def load_lexical(
    name: str,
    split: str = "train",
    data_dir: str | os.PathLike[str] | None = None,
    *,
    skip_bad_lines: bool = False,
) -> LexicalSplit:
    """Load split ``split`` (``train``, ``val`` or ``test``) of lexical relation dataset ``name``.

    Labels are checked against :func:`lexical_labels`. CogALex-V publishes no validation split; relvec
    holds out a deterministic, label-stratified 10% of its ``train.tsv`` as ``val`` (see
    :func:`cogalexv_holdout`), and ``train`` is then the other 90%, so the two never overlap.
    """
    spec = get_spec(check_choice("lexical dataset name", name, LEXICAL_DATASETS), "lexical")
    split = normalize_split(split)
    labels = LEXICAL_LABELS[name]
    file_split = "train" if name == "cogalexv" and split == "val" else split
    path = split_file(spec, file_split, data_dir)
    rows = read_records(path, _line_parser(labels, f"the {name}"), skip_bad_lines=skip_bad_lines, what="labelled pair")
    kept = list(rows)
    if name == "cogalexv" and split != "test":
        held_out, want_held_out = cogalexv_holdout(rows), split == "val"
        kept = [row for i, row in enumerate(rows) if (i in held_out) is want_held_out]
    return LexicalSplit(tuple(pair for pair, _ in kept), tuple(label for _, label in kept), rows.skipped)


def cogalexv_holdout(rows: Sequence[tuple[Pair, str]]) -> set[int]:
    """Indices of the rows held out as CogALex-V's validation split.

    For each label separately, the rows are ranked by the sha256 of ``"<salt>\\t<head>\\t<tail>\\t<label>"``
    (salt :data:`COGALEXV_VAL_SALT`) and the first ``round(count / 10)`` (halves rounded up) are held out.
    The choice depends only on each row's own content: it is the same on every machine and numpy version,
    and it does not move when other lines change. On the published file that is 306 of 3,054 pairs.
    """
    by_label: dict[str, list[int]] = {}
    for i, (_, label) in enumerate(rows):
        by_label.setdefault(label, []).append(i)
    held_out: set[int] = set()
    for label, indices in by_label.items():
        ranked = sorted(indices, key=lambda i: (_row_hash(rows[i][0], label), i))
        held_out.update(ranked[: (len(indices) + 5) // 10])
    return held_out


def _row_hash(pair: Pair, label: str) -> str:
    return hashlib.sha256(f"{COGALEXV_VAL_SALT}\t{pair[0]}\t{pair[1]}\t{label}".encode()).hexdigest()
