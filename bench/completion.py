"""Analogy completion top-1 accuracy: relvec's re-ranker against gensim's 3CosAdd and 3CosMul, in one run.

    flock /tmp/relvec-cpu.lock python bench/completion.py [--model FOLDER] [--per-section 40]

Google's raw questions-words.txt (19,544 questions in 14 sections), lowercased. Every system sees the same
GloVe 6B 50d vectors restricted to the same vocabulary (the 300,000 most frequent words, as gensim's
evaluate_word_analogies does) and skips the same questions (a word outside that vocabulary). Two fixed,
disjoint, stratified samples (``--per-section`` questions from each section, seed 0):

* tune: picks the weight of the 3CosAdd score in relvec's final score (grid below), and
* report: the accuracies printed; the chosen weight is applied to it unchanged.

Systems: gensim ``most_similar`` (3CosAdd), ``most_similar_cosmul`` (3CosMul), relvec re-ranking the
top-N 3CosAdd candidates by ``cos(r(a,b), r(c,d))`` alone (weight 0) and with its tuned weight, and by the
symmetric relation similarity (``AnalogyCompleter``'s default: the mean with ``cos(r(a,c), r(b,d))``) alone
and with its tuned weight. Each weight is tuned on the tune sample only. The encoder is
``RelationEncoder("all-MiniLM-L6-v2", template="c", pooling="difference")`` unless ``--model`` names a trained
folder. The last line is for tools: ``relvec_minus_3cosadd_points: N.N`` (the symmetric, tuned system,
AnalogyCompleter's default).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from relvec.apps.complete import AnalogyCompleter, glove_keyed_vectors, rank_completions
from relvec.embedding.precision import cpu_name

WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)


def read_questions(path: Path) -> dict[str, list[tuple[str, str, str, str]]]:
    """Section name -> its questions (a, b, c, d), lowercased, in file order."""
    sections: dict[str, list[tuple[str, str, str, str]]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(":"):
            current = line[1:].strip()
            sections[current] = []
        elif line.strip():
            words = tuple(line.lower().split())
            sections[current].append(words)  # type: ignore[index]
    return sections


def samples(sections, known, per_section: int, seed: int = 0):
    """Two disjoint stratified samples (tune, report) of questions whose four words are all ``known``."""
    rng = np.random.default_rng(seed)
    tune, report, skipped = [], [], 0
    for name, questions in sections.items():
        usable = [q for q in questions if all(word in known for word in q)]
        skipped += len(questions) - len(usable)
        order = rng.permutation(len(usable))
        tune += [(name, usable[i]) for i in order[:per_section]]
        report += [(name, usable[i]) for i in order[per_section : 2 * per_section]]
    return tune, report, skipped


def score_sample(completer, sample, candidates):
    """For each question: gensim's 3CosAdd candidates (with scores), cos(r(a,b), r(c,d)) and cos(r(a,c), r(b,d))."""
    questions = [q[:3] for _, q in sample]
    proposed = [completer.offset_candidates(question, candidates) for question in questions]
    words = [[w for w, _ in found] for found in proposed]
    forward = completer.relation_scores(questions, words)  # the completer is built with symmetric=False
    crossed = completer.relation_scores([(a, c, b) for a, b, c in questions], words)
    # What AnalogyCompleter(symmetric=True) computes: the mean of the two readings.
    symmetric = [(f + c) / 2 for f, c in zip(forward, crossed, strict=True)]
    return proposed, forward, symmetric


def accuracy(predictions, sample) -> float:
    return 100.0 * float(np.mean([p == q[3] for p, (_, q) in zip(predictions, sample, strict=True)]))


def relvec_top1(proposed, relations, weight):
    return [rank_completions(found, rel, weight)[0].word for found, rel in zip(proposed, relations, strict=True)]


def tune_weight(proposed, relations, sample, name):
    found = {w: accuracy(relvec_top1(proposed, relations, w), sample) for w in WEIGHTS}
    weight = max(WEIGHTS, key=lambda w: (found[w], -w))
    print(
        f"tune accuracy by weight, {name}: "
        + ", ".join(f"{w:g}: {a:.1f}" for w, a in found.items())
        + f" -> {weight:g}"
    )
    return weight


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="a trained relvec model folder (default: the untrained one)")
    parser.add_argument("--template", default="c")
    parser.add_argument("--pooling", default="difference")
    parser.add_argument("--data-dir", default=os.environ.get("RELVEC_DATA", "../shared/data"))
    parser.add_argument("--per-section", type=int, default=40, help="questions per section in each sample")
    parser.add_argument("--candidates", type=int, default=20, help="3CosAdd candidates re-ranked")
    parser.add_argument("--vocab", type=int, default=300_000, help="GloVe's most frequent words kept")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import torch

    from relvec import RelationEncoder

    torch.set_num_threads(args.threads)
    path = Path(args.data_dir) / "google" / "raw" / "questions-words.txt"
    sections = read_questions(path)
    total = sum(len(q) for q in sections.values())
    static = glove_keyed_vectors(args.vocab)
    tune, report, skipped = samples(sections, static.key_to_index, args.per_section)
    if args.model:
        encoder = RelationEncoder(args.model, device="cpu")
    else:
        encoder = RelationEncoder("all-MiniLM-L6-v2", template=args.template, pooling=args.pooling, device="cpu")
    completer = AnalogyCompleter(encoder, static, candidates=args.candidates, symmetric=False)
    print(f"CPU: {cpu_name()}, torch threads {args.threads}")
    print(
        f"questions-words.txt: {total} questions, {len(sections)} sections, {skipped} with a word outside the "
        f"{len(static.index_to_key)}-word vocabulary (skipped by every system)"
    )
    print(f"samples: tune {len(tune)}, report {len(report)} ({args.per_section} per section, seed 0, disjoint)")
    print(f"encoder: {encoder!r}; candidates: top {args.candidates} by 3CosAdd")

    started = time.perf_counter()
    proposed, forward, symmetric = score_sample(completer, tune, args.candidates)
    weight_forward = tune_weight(proposed, forward, tune, "cos(r(a,b), r(c,d))")
    weight_symmetric = tune_weight(proposed, symmetric, tune, "symmetric")

    proposed, forward, symmetric = score_sample(completer, report, args.candidates)
    relvec_seconds = time.perf_counter() - started
    gold = [q[3] for _, q in report]
    add = [found[0][0] for found in proposed]
    started = time.perf_counter()
    mul = [static.most_similar_cosmul(positive=[q[1], q[2]], negative=[q[0]], topn=1)[0][0] for _, q in report]
    gensim_seconds = time.perf_counter() - started
    best_name = f"relvec symmetric + {weight_symmetric:g} x 3CosAdd (tuned)"
    systems = {
        "gensim 3CosAdd (most_similar)": add,
        "gensim 3CosMul (most_similar_cosmul)": mul,
        "relvec cos(r(a,b), r(c,d)) only": relvec_top1(proposed, forward, 0.0),
        f"relvec cos(r(a,b), r(c,d)) + {weight_forward:g} x 3CosAdd (tuned)": relvec_top1(
            proposed, forward, weight_forward
        ),
        "relvec symmetric only": relvec_top1(proposed, symmetric, 0.0),
        best_name: relvec_top1(proposed, symmetric, weight_symmetric),
    }
    rows = {name: accuracy(predictions, report) for name, predictions in systems.items()}
    rows[f"oracle: answer among the top {args.candidates}"] = 100.0 * float(
        np.mean([g in [w for w, _ in found] for g, found in zip(gold, proposed, strict=True)])
    )
    print(
        f"\ntop-1 accuracy on the report sample ({len(report)} questions; symmetric = mean of cos(r(a,b), r(c,d)) "
        "and cos(r(a,c), r(b,d))):"
    )
    for name, value in rows.items():
        print(f"  {name:<56} {value:5.1f}")
    by_section: dict[str, list[tuple[bool, bool]]] = {}
    for (section, _), g, a, r in zip(report, gold, add, systems[best_name], strict=True):
        by_section.setdefault(section, []).append((a == g, r == g))
    print(f"\nper section (3CosAdd -> {best_name}):")
    for section, results in by_section.items():
        a, r = (100.0 * float(np.mean(column)) for column in zip(*results, strict=True))
        print(f"  {section:<30} {a:5.1f} -> {r:5.1f}")
    print(
        f"\ntime: relvec (both samples, encoding included) {relvec_seconds:.1f} s; "
        f"gensim 3CosMul {gensim_seconds:.1f} s"
    )
    print(f"relvec_minus_3cosadd_points: {rows[best_name] - rows['gensim 3CosAdd (most_similar)']:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
