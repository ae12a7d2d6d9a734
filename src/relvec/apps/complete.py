"""Analogy completion ``a : b :: c : ?``: static word vectors propose, relation vectors decide.

1. Candidates: the top ``candidates`` words by 3CosAdd over static word vectors (gensim's
   ``KeyedVectors.most_similar(positive=[b, c], negative=[a])``), the ``neighbours`` nearest words to ``c`` and
   to ``b``, and optionally 3CosMul's top ``cosmul``: all from the first ``restrict`` words (GloVe's most
   frequent), the question's words excluded. 3CosAdd's top 20 alone held the answer for well under half of
   held-out questions; the wider pool lifts that ceiling.
2. Re-ranking: each candidate ``d`` is scored by the relation similarity ``cos(r(a, b), r(c, d))`` under the
   relation encoder (with ``symmetric``, averaged with ``cos(r(a, c), r(b, d))``: an analogy also holds read
   the other way), plus ``offset_weight`` times its 3CosAdd score. ``offset_weight=0`` ranks by relation
   similarity alone. The pool sizes and the weight were chosen on Google and BATS *valid* by
   ``bench/completion.py`` (see docs/applications.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from relvec.apps.queries import checked_vectors
from relvec.cosine import unit_rows
from relvec.data.lines import decode_line
from relvec.errors import RelvecError, check_bool, check_int, check_number, check_positive_int, invalid
from relvec.pairs import check_word

# The pool and weight bench/completion.py chose on Google and BATS valid (relvec-mpnet): 55.7 mean top-1
# against 49.1 for the earlier 3CosAdd top 20 at weight 0.75; 3CosMul's words added nothing there.
#: 3CosAdd candidates re-ranked per question.
DEFAULT_CANDIDATES = 50
#: Weight of the 3CosAdd score beside the relation similarity.
DEFAULT_OFFSET_WEIGHT = 0.25
#: Nearest words to c and to b added to the pool, each.
DEFAULT_NEIGHBOURS = 10
#: 3CosMul's top words added to the pool.
DEFAULT_COSMUL = 0
#: Candidates come from the first this many words of the static vectors (GloVe: the most frequent).
DEFAULT_RESTRICT = 100_000
#: What an extra candidate source's size must be.
POOL_SIZE = "an integer >= 0 (0: this candidate source off)"
#: Static vocabulary: GloVe's most frequent words, as gensim's evaluate_word_analogies restricts it.
DEFAULT_VOCABULARY_SIZE = 300_000


def _gensim():
    try:
        from gensim.models import KeyedVectors
    except ImportError as error:
        raise RelvecError("analogy completion needs gensim; run: pip install 'relvec[apps]'") from error
    return KeyedVectors


def keyed_vectors(words: Sequence[str], vectors: np.ndarray) -> Any:
    """A gensim ``KeyedVectors`` of ``words`` (in order) and their ``vectors`` (n, dim)."""
    try:
        vectors = np.asarray(vectors, dtype=np.float32)
    except (TypeError, ValueError) as error:
        raise invalid("vectors", vectors, "an array of numbers (n, dim)") from error
    if vectors.ndim != 2 or len(words) != len(vectors) or not len(words):
        raise invalid("vectors", vectors.shape, f"(n, dim) with one row for each of the {len(words)} words, n > 0")
    bad = np.flatnonzero(~np.isfinite(vectors).all(axis=1))
    if len(bad):
        raise invalid("vectors", f"NaN or inf in {len(bad)} row(s), the first for {words[bad[0]]!r}", "finite numbers")
    index = {word: row for row, word in enumerate(words)}
    if len(index) != len(words):
        raise invalid("words", f"{len(words) - len(index)} repeated", "distinct words")
    # Filled in place, as gensim's own loaders do: add_vectors re-checks every key and takes seconds for 300k.
    kv = _gensim()(vectors.shape[1], count=len(words), dtype=np.float32)
    kv.vectors[:] = vectors
    kv.index_to_key = list(words)
    kv.key_to_index = index
    return kv


def glove_keyed_vectors(size: int | None = DEFAULT_VOCABULARY_SIZE, vocabulary: Iterable[str] | None = None) -> Any:
    """GloVe 6B 50d as gensim ``KeyedVectors``: its ``size`` most frequent words, or the GloVe words listed in
    ``vocabulary`` (in that order)."""
    from relvec.embedding.glove import glove_tables

    index, vectors = glove_tables()
    if vocabulary is not None:
        rows = {index[word]: None for word in vocabulary if word in index}  # keeps order, drops repeats
        if not rows:
            raise RelvecError("the vocabulary holds no word that GloVe 6B knows")
        words = list(index)
        return keyed_vectors([words[row] for row in rows], vectors[list(rows)])
    if size is not None:
        check_positive_int("vocabulary size", size)
    words = list(index)[:size]
    return keyed_vectors(words, vectors[: len(words)])


def read_vocabulary(path: str | os.PathLike[str], argument: str = "--vocabulary") -> list[str]:
    """One word per line (blank lines skipped); a missing or empty file is an error."""
    file = Path(path)
    if not file.is_file():
        raise RelvecError(f"{argument} {str(path)!r}: {'is a folder' if file.is_dir() else 'no such file'}")
    words = []
    for number, raw in enumerate(file.read_bytes().splitlines(), start=1):
        try:
            line = decode_line(raw, number)
        except RelvecError as error:
            raise RelvecError(f"{argument} {str(path)!r}, line {number}: {error}") from None
        if line.strip():
            words.append(line.strip())
    if not words:
        raise RelvecError(f"{argument} {str(path)!r} is empty; expected one word per line")
    return words


@dataclass(frozen=True)
class Completion:
    """A completion ``d`` of ``a : b :: c : d``: its final score, relation similarity and 3CosAdd score."""

    word: str
    score: float
    relation: float
    offset: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


Question = tuple[str, str, str]


class AnalogyCompleter:
    """Complete ``a : b :: c : ?`` over the words of ``static`` (gensim ``KeyedVectors``).

    Args:
        encoder: any object with ``.encode(pairs) -> (n, dim)``.
        static: the word vectors that propose candidates (3CosAdd) and define the vocabulary.
        candidates: 3CosAdd candidates re-ranked per question.
        offset_weight: weight of the 3CosAdd score in the final score (0: relation similarity alone).
        symmetric: also read the analogy the other way, ``a : c :: b : d``, and average the two relation
            similarities (twice the pairs to embed; 6.6 points better top-1 in bench/completion.py).
        neighbours: also re-rank the nearest words to ``c`` and to ``b`` (this many of each): the answer to
            ``c : ?`` is often near ``c`` yet outside 3CosAdd's top ``candidates`` (0: off, the old pool).
        cosmul: also re-rank the top 3CosMul words (0: off). Extra candidates are merged with 3CosAdd's
            (deduplicated, question words excluded) and carry their 3CosAdd score for the offset part.
        restrict: every source draws from the first ``restrict`` words of ``static`` only (gensim's
            ``restrict_vocab``; for GloVe the most frequent), while the question's words may be any of them.
            ``None``: all of them.
    """

    def __init__(
        self,
        encoder: Any,
        static: Any,
        *,
        candidates: int = DEFAULT_CANDIDATES,
        offset_weight: float = DEFAULT_OFFSET_WEIGHT,
        symmetric: bool = True,
        neighbours: int = DEFAULT_NEIGHBOURS,
        cosmul: int = DEFAULT_COSMUL,
        restrict: int | None = DEFAULT_RESTRICT,
    ) -> None:
        if encoder is not None and not callable(getattr(encoder, "encode", None)):
            raise invalid("encoder", encoder, "an object with .encode(pairs) -> (n, dim), or None to set it later")
        needed = ("most_similar", "key_to_index", "index_to_key")
        if not all(hasattr(static, name) for name in needed):
            raise invalid("static", static, "word vectors as gensim KeyedVectors (keyed_vectors, glove_keyed_vectors)")
        self.encoder = encoder
        self.static = static
        self.candidates = check_positive_int("candidates", candidates)
        self.offset_weight = check_number("offset_weight", offset_weight, low=0)
        self.symmetric = check_bool("symmetric", symmetric)
        self.neighbours = check_int("neighbours", neighbours, minimum=0, expected=POOL_SIZE)
        self.cosmul = check_int("cosmul", cosmul, minimum=0, expected=POOL_SIZE)
        self.restrict = None if restrict is None else check_positive_int("restrict", restrict)

    def check_question(self, question: Any, argument: str = "question") -> Question:
        """The question's three words as the vocabulary spells them (looked up as given, then lowercased)."""
        if isinstance(question, str) or not isinstance(question, Sequence) or len(question) != 3:
            raise invalid(argument, question, "three words a, b, c (for a : b :: c : ?)")
        words = [check_word(f"{argument}[{i}]", word) for i, word in enumerate(question)]
        found = [self._vocabulary_word(word) for word in words]
        missing = [word for word, known in zip(words, found, strict=True) if known is None]
        if missing:
            size = len(self.static.index_to_key)
            raise RelvecError(
                f"{argument}: {', '.join(repr(w) for w in missing)} not in the vocabulary of {size} words"
            )
        return tuple(found)  # type: ignore[return-value]

    def _vocabulary_word(self, word: str) -> str | None:
        for form in (word, word.lower()):
            if form in self.static.key_to_index:
                return form
        return None

    def offset_candidates(self, question: Question, topn: int | None = None) -> list[tuple[str, float]]:
        """The top 3CosAdd words ``d`` with their scores, the question's words excluded (gensim's most_similar)."""
        a, b, c = question
        return self.static.most_similar(
            positive=[b, c], negative=[a], topn=topn or self.candidates, restrict_vocab=self.restrict
        )

    def candidate_pool(self, question: Question) -> list[tuple[str, float]]:
        """3CosAdd's top words, then the extra sources' words not yet in, each with its 3CosAdd score.

        Why: 3CosAdd's top 20 holds the answer for well under half of held-out questions, so the re-ranker
        can never pick it; words near ``c`` or ``b`` and 3CosMul's picks widen that ceiling.
        """
        pool = dict(self.offset_candidates(question))
        extra = [word for words in self.candidate_sources(question).values() for word in words]
        missing = [word for word in dict.fromkeys(extra) if word not in pool and word not in question]
        if missing:
            pool.update(zip(missing, self._offset_scores(question, missing), strict=True))
        return list(pool.items())

    def candidate_sources(
        self, question: Question, neighbours: int | None = None, cosmul: int | None = None
    ) -> dict[str, list[str]]:
        """The extra sources' words, best first: ``near_c`` and ``near_b`` (the ``neighbours`` nearest words to c
        and to b) and ``mul`` (3CosMul's top ``cosmul``); sizes default to this completer's, the question's words
        are excluded, every source keeps to the first ``restrict`` words."""
        a, b, c = question
        neighbours = self.neighbours if neighbours is None else neighbours
        cosmul = self.cosmul if cosmul is None else cosmul
        found: dict[str, list[str]] = {"near_c": [], "near_b": [], "mul": []}
        for name, anchor in (("near_c", c), ("near_b", b)):
            if neighbours:
                # The anchor is never its own neighbour in gensim; the other two question words may be: ask for
                # enough that ``neighbours`` remain without them.
                nearest = self.static.most_similar(anchor, topn=neighbours + 2, restrict_vocab=self.restrict)
                found[name] = [word for word, _ in nearest if word not in question][:neighbours]
        if cosmul:
            # gensim's most_similar_cosmul takes restrict_vocab but ignores it (4.4): rank its scores here.
            scores = np.asarray(self.static.most_similar_cosmul(positive=[b, c], negative=[a], topn=None))
            scores = scores[: self.restrict].astype(np.float64)
            for word in question:
                if self.static.key_to_index[word] < len(scores):
                    scores[self.static.key_to_index[word]] = -np.inf
            top = np.argpartition(-scores, min(cosmul, len(scores) - 1))[:cosmul]
            top = top[np.lexsort((top, -scores[top]))]  # best first; ties in vocabulary order
            found["mul"] = [self.static.index_to_key[i] for i in top if np.isfinite(scores[i])]
        return found

    def _offset_scores(self, question: Question, words: Sequence[str]) -> list[float]:
        """3CosAdd's score (cosine with the unit mean of b, c and -a, as gensim computes it) for ``words``."""
        a, b, c = (self.static.get_vector(word, norm=True) for word in question)
        direction = b + c - a
        direction = direction / (np.linalg.norm(direction) or 1.0)
        return [float(self.static.get_vector(word, norm=True) @ direction) for word in words]

    def relation_scores(self, questions: Sequence[Question], candidates: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """The relation similarity of each question with each of its candidate words: one (n_i,) per question.

        ``cos(r(a, b), r(c, d))``; with ``symmetric`` the mean of that and ``cos(r(a, c), r(b, d))``. All pairs
        go through the encoder in one call (it embeds each distinct pair once per chunk).
        """
        views = [(0, 1, 2)] + ([(0, 2, 1)] if self.symmetric else [])  # (a, b, c) or (a, c, b)
        pairs: list[tuple[str, str]] = []
        for question, words in zip(questions, candidates, strict=True):
            for first, second, third in views:
                pairs.append((question[first], question[second]))
                pairs.extend((question[third], d) for d in words)
        if pairs and self.encoder is None:
            raise RelvecError("this completer has no encoder: pass one to AnalogyCompleter(encoder, static)")
        vectors = unit_rows(checked_vectors(self.encoder.encode(pairs), "the encoder's vectors")) if pairs else None
        scores, start = [], 0
        for words in candidates:
            total = np.zeros(len(words), dtype=np.float32)
            for _ in views:
                stem, options = vectors[start], vectors[start + 1 : start + 1 + len(words)]
                total += options @ stem
                start += 1 + len(words)
            scores.append(total / len(views))
        return scores

    def complete_many(self, questions: Iterable[Any], k: int = 10) -> list[list[Completion]]:
        """The ``k`` best completions of each question ``(a, b, c)``, best first."""
        k = self._check_k(k)
        return self._complete([self.check_question(q, f"questions[{i}]") for i, q in enumerate(questions)], k)

    def complete(self, a: str, b: str, c: str, k: int = 10) -> list[Completion]:
        """The ``k`` best ``d`` for ``a : b :: c : d``, best first."""
        k = self._check_k(k)
        return self._complete([self.check_question((a, b, c))], k)[0]

    def _check_k(self, k: Any) -> int:
        k = check_positive_int("k", k)
        if k > self.candidates:
            raise invalid("k", k, f"at most the number of candidates re-ranked ({self.candidates})")
        return k

    def _complete(self, questions: list[Question], k: int) -> list[list[Completion]]:
        proposed = [self.candidate_pool(question) for question in questions]
        for question, found in zip(questions, proposed, strict=True):
            if not found:
                size = len(self.static.index_to_key)
                raise RelvecError(
                    f"{' : '.join(question)} : ? has no candidate word: the vocabulary of {size} words holds none but "
                    "the question's own (they are never answers); give a larger vocabulary"
                )
        relations = self.relation_scores(questions, [[word for word, _ in found] for found in proposed])
        return [
            rank_completions(found, relation, self.offset_weight)[:k]
            for found, relation in zip(proposed, relations, strict=True)
        ]


def rank_completions(
    candidates: Sequence[tuple[str, float]], relation: np.ndarray, offset_weight: float
) -> list[Completion]:
    """Candidates sorted by ``relation + offset_weight * offset`` (ties keep the 3CosAdd order)."""
    scored = [
        Completion(word, float(rel) + offset_weight * float(offset), float(rel), float(offset))
        for (word, offset), rel in zip(candidates, relation, strict=True)
    ]
    return sorted(scored, key=lambda completion: -completion.score)


__all__ = [
    "AnalogyCompleter",
    "Completion",
    "DEFAULT_CANDIDATES",
    "DEFAULT_COSMUL",
    "DEFAULT_NEIGHBOURS",
    "DEFAULT_OFFSET_WEIGHT",
    "DEFAULT_RESTRICT",
    "glove_keyed_vectors",
    "keyed_vectors",
    "rank_completions",
    "read_vocabulary",
]
