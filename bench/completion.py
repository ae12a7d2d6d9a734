"""Analogy completion top-1: relvec's candidate pool and re-ranker, tuned on valid, against gensim, in one run.

    flock /tmp/relvec-cpu.lock python bench/completion.py [--model M] [--report-size 300] [--precision P]

Questions ``a : b :: c : ?`` come from the analogy sets' multiple-choice questions: the stem is ``a : b``,
the gold choice ``c : d``, the answer ``d``. Every system sees the same GloVe 6B 50d vectors restricted to the
same vocabulary (the 300,000 most frequent words, as gensim's evaluate_word_analogies does) and skips the
same questions (a word outside it, or ``d`` among ``a, b, c``).

* **tune**: Google and BATS *valid*. The candidate pool (3CosAdd's top ``candidates``, the ``neighbours``
  nearest words to ``c`` and to ``b``, 3CosMul's top ``cosmul``, each over GloVe's ``restrict`` most frequent
  words) and the weight of the 3CosAdd score are chosen on the mean of the two sets' top-1 (ties: the
  smaller pool). Every pool of the grid is a subset of one union pool, embedded once.
* **report**: Google and BATS *test* (``--report-size`` questions of each, seed 0), none equal to a tune
  question. Printed: gensim 3CosAdd and 3CosMul, relvec's old pool (3CosAdd top 20, weight 0.75) and the
  tuned one, each pool's ceiling (answer in the pool) and mean size, seconds per question.

The relation similarity is AnalogyCompleter's symmetric one: the mean of ``cos(r(a,b), r(c,d))`` and
``cos(r(a,c), r(b,d))``. The encoder is relvec's default model unless ``--model`` names another. The last
line is for tools: ``relvec_minus_3cosadd_points: N.N`` (the tuned pool, mean of the report sets).
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from dataclasses import dataclass

import numpy as np

from relvec.apps.complete import AnalogyCompleter, glove_keyed_vectors
from relvec.embedding.precision import cpu_name

WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
#: The pool grid; --grid-* options replace a row.
GRID = {
    "restrict": (30_000, 100_000, 300_000),
    "candidates": (10, 20, 30, 50),
    "neighbours": (0, 5, 10, 20),
    "cosmul": (0, 10, 20),
}
OLD = {"restrict": 300_000, "candidates": 20, "neighbours": 0, "cosmul": 0, "offset_weight": 0.75}
SETS = ("google", "bats")


@dataclass(frozen=True)
class Pool:
    restrict: int
    candidates: int
    neighbours: int
    cosmul: int


def completion_questions(name: str, split: str, data_dir: str, known) -> tuple[list[tuple[str, ...]], int]:
    """``(a, b, c, d)`` from each multiple-choice question (stem a:b, gold choice c:d), lowercased, deduplicated;
    and how many were skipped (a word outside ``known``, or d among a, b, c)."""
    from relvec.data.analogy import load_analogy

    found: dict[tuple[str, ...], None] = {}
    skipped = 0
    for question in load_analogy(name, split, data_dir):
        words = tuple(w.lower() for w in (*question.stem, *question.correct))
        if all(w in known for w in words) and words[3] not in words[:3]:
            found[words] = None
        else:
            skipped += 1
    return list(found), skipped


def ranked_sources(completer: AnalogyCompleter, question) -> dict[str, list[str]]:
    """Each candidate source's words, best first, at its largest size in the grid (question words excluded),
    from the completer's own methods, so that a chosen setting gives AnalogyCompleter's pool exactly."""
    found = completer.candidate_sources(question, max(GRID["neighbours"]), max(GRID["cosmul"]))
    found["add"] = [w for w, _ in completer.offset_candidates(question, max(GRID["candidates"]))]
    return found


def pool_words(sources: dict[int, dict[str, list[str]]], pool: Pool, question) -> list[str]:
    """The pool in AnalogyCompleter.candidate_pool's order: 3CosAdd's top, then near c, near b, 3CosMul."""
    ranked = sources[pool.restrict]
    words = ranked["add"][: pool.candidates]
    words += ranked["near_c"][: pool.neighbours] + ranked["near_b"][: pool.neighbours] + ranked["mul"][: pool.cosmul]
    return [w for w in dict.fromkeys(words) if w not in question]


class Scored:
    """Every question's union pool with its relation and 3CosAdd scores, embedded once."""

    def __init__(self, completer: AnalogyCompleter, questions, pools: list[Pool]) -> None:
        self.sources = [{p.restrict: None for p in pools} for _ in questions]
        restricted = {p.restrict: AnalogyCompleter(None, completer.static, restrict=p.restrict) for p in pools}
        for sources, q in zip(self.sources, questions, strict=True):
            for restrict in sources:
                sources[restrict] = ranked_sources(restricted[restrict], q[:3])
        union = []
        for sources, q in zip(self.sources, questions, strict=True):
            union.append(list(dict.fromkeys(w for pool in pools for w in pool_words(sources, pool, q[:3]))))
        started = time.perf_counter()
        relations = completer.relation_scores([q[:3] for q in questions], union)
        self.seconds = time.perf_counter() - started
        self.pairs = sum(2 * (1 + len(words)) for words in union)
        self.scores = [
            {w: (float(r), off) for w, r, off in zip(words, rel, completer._offset_scores(q[:3], words), strict=True)}
            for words, rel, q in zip(union, relations, questions, strict=True)
        ]
        self.questions = questions

    def top1(self, pool: Pool, weights) -> list[tuple[float, float, float]]:
        """(top-1 %, ceiling %, mean pool size) of ``pool`` re-ranked with each of ``weights``.

        The first of equal scores wins, as in rank_completions' stable sort."""
        right, inside, size = np.zeros(len(weights)), 0, 0
        w = np.asarray(weights, dtype=np.float64)[:, None]
        for sources, scores, q in zip(self.sources, self.scores, self.questions, strict=True):
            words = pool_words(sources, pool, q[:3])
            size += len(words)
            inside += q[3] in words
            if words:
                table = np.array([scores[word] for word in words], dtype=np.float64)  # (n, 2): relation, offset
                best = np.argmax(table[:, 0][None, :] + w * table[:, 1][None, :], axis=1)
                right += [words[i] == q[3] for i in best]
        n = len(self.questions)
        return [(100.0 * r / n, 100.0 * inside / n, size / n) for r in right]


def gensim_top1(static, questions, cosmul: bool) -> float:
    method = static.most_similar_cosmul if cosmul else static.most_similar
    hits = [method(positive=[b, c], negative=[a], topn=1)[0][0] == d for a, b, c, d in questions]
    return 100.0 * float(np.mean(hits))


def tune_pool(completer: AnalogyCompleter, tune, old):
    """The (pool, weight) with the best mean top-1 over the tune sets (ties: the smaller pool), printed with
    the ten best and the old default."""
    grid = [Pool(*values) for values in itertools.product(*(GRID[name] for name in Pool.__dataclass_fields__))]
    tuned = {name: Scored(completer, tune[name], grid) for name in SETS}
    found = {}
    for pool in grid:
        by_set = [tuned[name].top1(pool, WEIGHTS) for name in SETS]
        for i, weight in enumerate(WEIGHTS):
            rows = [results[i] for results in by_set]
            found[(pool, weight)] = (float(np.mean([r[0] for r in rows])), float(np.mean([r[2] for r in rows])), rows)
    best = max(found, key=lambda key: (round(found[key][0], 6), -found[key][1], key[1] == OLD["offset_weight"]))
    print(f"\ntune grid: {GRID}, weights {WEIGHTS}")
    print(f"tune: {len(found)} settings, union pools embedded in {sum(t.seconds for t in tuned.values()):.0f} s")
    print("tune top-1 (google valid, bats valid -> mean; mean pool size), the ten best and the old default:")
    shown = sorted(found, key=lambda k: -found[k][0])[:10] + [best] + ([old] if old in found else [])
    for key in list(dict.fromkeys(shown)):  # the old default is shown when the grid holds it
        pool, weight = key
        rows = found[key][2]
        print(
            f"  restrict {pool.restrict:>7,} candidates {pool.candidates:>2} neighbours {pool.neighbours:>2} "
            f"cosmul {pool.cosmul:>2} weight {weight:<4g}: {rows[0][0]:5.1f} {rows[1][0]:5.1f} -> {found[key][0]:5.1f}"
            f"  (pool {found[key][1]:5.1f}){'  <- chosen' if key == best else ''}{'  <- old' if key == old else ''}"
        )
    return best, tuned


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="a relvec model name or folder (default: relvec's default)")
    parser.add_argument("--template", default=None, help="a template (default: the model's own)")
    parser.add_argument("--pooling", default=None, help="a pooling (default: the model's own)")
    parser.add_argument("--precision", default="auto")
    parser.add_argument("--data-dir", default=os.environ.get("RELVEC_DATA", "../shared/data"))
    parser.add_argument("--report-size", type=int, default=300, help="test questions sampled from each set")
    parser.add_argument("--vocab", type=int, default=300_000, help="GloVe's most frequent words kept")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--chosen",
        nargs=5,
        type=float,
        metavar=("RESTRICT", "CANDIDATES", "NEIGHBOURS", "COSMUL", "WEIGHT"),
        default=None,
        help="skip the tuning and report this setting (one an earlier run of the tuning chose)",
    )
    for name, values in GRID.items():
        parser.add_argument(f"--grid-{name}", type=int, nargs="+", default=list(values), help=f"the {name} tuned over")
    args = parser.parse_args()
    GRID.update({name: tuple(getattr(args, f"grid_{name}")) for name in GRID})

    import torch

    from relvec import RelationEncoder

    torch.set_num_threads(args.threads)
    static = glove_keyed_vectors(args.vocab)
    known = static.key_to_index
    tune, report, skipped = {}, {}, {}
    for name in SETS:
        tune[name], skipped[(name, "valid")] = completion_questions(name, "valid", args.data_dir, known)
        test, skipped[(name, "test")] = completion_questions(name, "test", args.data_dir, known)
        test = [q for q in test if q not in set(tune[name])]
        order = np.random.default_rng(0).permutation(len(test))[: args.report_size]
        report[name] = [test[i] for i in sorted(order)]
    encoder = RelationEncoder(args.model, args.template, args.pooling, precision=args.precision)
    completer = AnalogyCompleter(encoder, static, symmetric=True)
    print(f"CPU: {cpu_name()}, torch threads {args.threads}; encoder {encoder!r}, precision {encoder.precision}")
    for name in SETS:
        print(
            f"{name}: tune (valid) {len(tune[name])}, report (test sample) {len(report[name])}; skipped "
            f"valid {skipped[(name, 'valid')]}, test {skipped[(name, 'test')]} "
            f"(a word outside {args.vocab:,} or d in a,b,c)"
        )

    old = (Pool(OLD["restrict"], OLD["candidates"], OLD["neighbours"], OLD["cosmul"]), OLD["offset_weight"])
    if args.chosen is None:
        best, tuned = tune_pool(completer, tune, old)
    else:
        restrict, candidates, neighbours, cosmul, weight = args.chosen
        best = (Pool(int(restrict), int(candidates), int(neighbours), int(cosmul)), weight)
        tuned = {"bats": Scored(completer, tune["bats"][:20], [best[0]])}
        print("\ntune: skipped (--chosen); the setting is checked against AnalogyCompleter on 20 valid questions")
    chosen = AnalogyCompleter(
        None,
        static,
        candidates=best[0].candidates,
        neighbours=best[0].neighbours,
        cosmul=best[0].cosmul,
        restrict=best[0].restrict,
    )
    for sources, q in zip(tuned["bats"].sources[:20], tune["bats"][:20], strict=False):  # same order as Scored
        if [w for w, _ in chosen.candidate_pool(q[:3])] != pool_words(sources, best[0], q[:3]):
            raise SystemExit(f"the bench's pool differs from AnalogyCompleter's for {q[:3]}")
    pools = [old[0], best[0]]
    print(
        f"\nreport: test samples, old pool vs tuned (restrict {best[0].restrict:,}, candidates {best[0].candidates}, "
        f"neighbours {best[0].neighbours}, cosmul {best[0].cosmul}, weight {best[1]:g})"
    )
    gains = []
    for name in SETS:
        scored = Scored(completer, report[name], pools)
        add, mul = gensim_top1(static, report[name], False), gensim_top1(static, report[name], True)
        o, n = scored.top1(old[0], [old[1]])[0], scored.top1(best[0], [best[1]])[0]
        per_question = scored.seconds / len(report[name])
        print(
            f"  {name} (n={len(report[name])}): gensim 3CosAdd {add:.1f}, 3CosMul {mul:.1f}; relvec old {o[0]:.1f} "
            f"(ceiling {o[1]:.1f}, pool {o[2]:.1f}), tuned {n[0]:.1f} (ceiling {n[1]:.1f}, pool {n[2]:.1f}); "
            f"encoding {per_question:.2f} s/question for both pools together"
        )
        gains.append(n[0] - add)
    print(f"relvec_minus_3cosadd_points: {np.mean(gains):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
