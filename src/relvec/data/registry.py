"""What datasets relvec knows: one table of their kind, files, expected sizes, pins, labels and names.

The numbers come from ``shared/data/SOURCES.md``; they are the published split sizes, so a loaded split
that differs from them means a wrong or damaged file. Each pinned source (repository, commit, path, sha256)
names a file that is a verbatim public copy; DERIVED files (built by converting another file) and SAT
(which must not be redistributed) have none. Every other list of dataset names (the analogy and lexical
datasets, the benchmark groups, the published columns, the display names) is derived from this table.
"""

from __future__ import annotations

from relvec.data.specs import DERIVED, HUB_ONLY, DatasetSpec, Source, SplitSpec, declare
from relvec.errors import check_choice

ALM = ("asahi417/analogy-language-model", "52062d95e0d34ce588b6547e7988b3d1177e6c6c")
LEXNET = ("vered1986/LexNET", "4beb38119bd7bc367154f56e2e16012420959717")
COGALEX = ("Houssam93/MultiTask-Learning-NLP", "8d84b4b1c3fabe0eb5c409241d5f14369db5d092")
RELBERT_2023_02 = ("asahi417/relbert", "17fd7615904ef84e3a5e3f20718ff81b261fd46d")
RELBERT_2022_08 = ("asahi417/relbert", "ec51bf651b0b8b28f528a3a8c47ec0b5259a0904")


_SAT_TERMS = (
    "SAT cannot be redistributed (its authors ask that it not be shared; research use only), so relvec never "
    "ships or downloads it. If you have a copy, convert it to the analogy JSONL format and put it at "
    "<data folder>/sat/valid.jsonl (37 questions) and <data folder>/sat/test.jsonl (337 questions); "
    "see docs/datasets.md"
)


def _alm(path: str, sha256: str) -> Source:
    return Source(*ALM, f"data/{path}.jsonl", sha256)


def _lexnet(path: str, sha256: str) -> Source:
    return Source(*LEXNET, f"datasets/{path}.tsv", sha256)


def _relbert_questions(name: str, sha256: str) -> Source:
    return Source(*RELBERT_2023_02, f"dataset/{name}_relational_similarity/valid.jsonl", sha256)


def _cogalex(split: str, sha256: str) -> Source:
    return Source(*COGALEX, f"data/CogALexV_{split}_v1/gold_task2.txt", sha256)


_SPECS = [
    declare(
        "semeval2012",
        "relsim",
        "SemEval-2012",
        "SemEval-2012 Task 2 relational similarity (79 relations with gold prototypicality ratings); "
        "RelBERT's training data",
        folder="semeval2012_task2",
        # DERIVED file; train/validation are both built from it by relvec.data.relsim (sizes count relations)
        file="gold_ratings.jsonl",
        note="sizes count relations; built from the Gold ratings (RelBERT used the unpublished Platinum ones)",
        train=(79, DERIVED),
        validation=(79, DERIVED),
    ),
    declare(
        "sat",
        "analogy",
        "SAT",
        "SAT analogy questions (not shipped: supply your own copy)",
        note="not redistributable; sat_full = test + valid (374)",
        in_groups=False,
        valid=(37, _SAT_TERMS),
        test=(337, _SAT_TERMS),
    ),
    declare(
        "u2",
        "analogy",
        "U2",
        "U2 analogy questions (EnglishForEveryone, grades 4-12)",
        valid=(24, _alm("u2/valid", "57cc2c17fce6fb817f080e1f4323eefbf371904f181635b00da209b686864081")),
        test=(228, _alm("u2/test", "8975f03d91e49a180f4c9bc4b8b3a511804498eb377fa6cb0762ec9ee0c4f872")),
    ),
    declare(
        "u4",
        "analogy",
        "U4",
        "U4 analogy questions (EnglishForEveryone, 5 levels)",
        valid=(48, _alm("u4/valid", "6ed6d3b84f4ce7c7230b760635befc8a25a8ebde565e69282fc50dbeea75d7c4")),
        test=(432, _alm("u4/test", "f2e7dc719e45347d4363b769d83b7fef47a41bf3c8c0ede21cb5b7c7cd3d1558")),
    ),
    declare(
        "google",
        "analogy",
        "Google",
        "Google analogy test set, multiple-choice form",
        valid=(50, _alm("google/valid", "5d98c3eeffd8e5449785f5a28b2b037241425785426aad997ae88920426ea721")),
        test=(500, _alm("google/test", "126f98cf2ba38c7eba407db65fa6aa0648e5668d581e367be1b186213d7348cb")),
    ),
    declare(
        "bats",
        "analogy",
        "BATS",
        "BATS 3.0, multiple-choice form",
        valid=(199, _alm("bats/valid", "66de1f1ec9a7058029da3379e8a0b5339afb6f7bd885e8627249d5cd2d86809e")),
        test=(1799, _alm("bats/test", "5d7b723ef16086714d44eec3b3ca2f2fbf950d4980786eb6b511db6d83bbe0f0")),
    ),
    declare(
        "scan",
        "analogy",
        "SCAN",
        "SCAN scientific and creative analogies",
        note="valid is on the Hugging Face Hub only",
        valid=(178, HUB_ONLY),
        test=(1616, DERIVED),
    ),
    declare(
        "nell_one",
        "analogy",
        "NELL",
        "NELL-One relational similarity questions (RelBERT)",
        note="valid is on the Hugging Face Hub only",
        valid=(400, HUB_ONLY),
        test=(600, DERIVED),
    ),
    declare(
        "t_rex",
        "analogy",
        "T-REX",
        "T-REx relational similarity questions (RelBERT)",
        note="valid: the answer is always choice 0",
        valid=(496, _relbert_questions("t_rex", "94c223a7adf6378a13db635bdbaaf0bce8944e656b78595a6d4e7626ae3e50a5")),
        test=(183, DERIVED),
    ),
    declare(
        "conceptnet",
        "analogy",
        "ConceptNet",
        "ConceptNet relational similarity questions (RelBERT)",
        note="valid: the answer is always choice 0",
        valid=(
            1112,
            _relbert_questions("conceptnet", "0834e561bc3825fcccdf5158fd0e08ca2b0f741e83a115d3faedff758871702c"),
        ),
        test=(1192, DERIVED),
    ),
    declare(
        "bless",
        "lexical",
        "BLESS",
        "BLESS lexical relations (LexNET random split)",
        labels="attri coord event hyper mero random",
        train=(18582, _lexnet("BLESS/train", "b263f0e9e149d46e9041c58d05450888b310ae53c74d8b7c7ae6560d976c63b5")),
        val=(1327, _lexnet("BLESS/val", "0dc10e33b07b68df6f6417c9b0cf6bc6e0cdb3a8dc2eb0f6c8e33063a8ca87e7")),
        test=(6637, _lexnet("BLESS/test", "d0aa1bc1a5f011bd33d8602427365c77d8654fc3cf7c83ca7bf5d9f6b61a0c11")),
    ),
    declare(
        "cogalexv",
        "lexical",
        "CogALexV",
        "CogALex-V subtask 2 lexical relations",
        note="no val file: relvec holds out a label-stratified 10% of train.tsv as val (306), train = the rest (2748)",
        labels="ANT HYPER PART_OF RANDOM SYN",
        train=(3054, _cogalex("train", "b7903c17c3c5821e097e0f550f7341a10374bfc1ee79ed6cb9ad32192a6079bb")),
        test=(4260, _cogalex("test", "89320006502b77f38e420dd8c81181aac3b58c23ca079e82045ffccab10cb2db")),
    ),
    declare(
        "evalution",
        "lexical",
        "EVALution",
        "EVALution lexical relations (LexNET random split)",
        labels="Antonym HasA HasProperty IsA MadeOf PartOf Synonym",
        train=(5160, _lexnet("EVALution/train", "c0c0b543d4c04e6ff2b008281c0fd4d31a8b274d92edf1c9dcf67c54a9278680")),
        val=(372, _lexnet("EVALution/val", "b589816890ea53f3066c9298012aeb88441f53099335d5ee7e8607975a8fbb7e")),
        test=(1846, _lexnet("EVALution/test", "e18e71b687a389ad7efcc1a0750e1fbf6c175a5a4f1497f6429ed7a33289e683")),
    ),
    declare(
        "khn",
        "lexical",
        "K&H+N",
        "K&H+N lexical relations (LexNET random split)",
        labels="false hypo mero sibl",
        train=(40256, _lexnet("K&H+N/train", "b46aa5907400541b023227c51e82c135113e466da6fe853b5a71c3844ed2f01b")),
        val=(2876, _lexnet("K&H+N/val", "9407a475ef312487493d88b0d2b53f60d7335cc5baa0f183e09c8909761f418b")),
        test=(14377, _lexnet("K&H+N/test", "81dde29d83cd46dc96881200786b89555ee87e57122dc5aef11435a9f6420eb7")),
    ),
    declare(
        "root09",
        "lexical",
        "ROOT09",
        "ROOT09 lexical relations (LexNET random split)",
        labels="COORD HYPER RANDOM",
        train=(8933, _lexnet("ROOT09/train", "a6ef6425da3ae382c4e627effe90209af4dff73d51e959831d4e1d0f974ddf75")),
        val=(638, _lexnet("ROOT09/val", "859c24559045d5519336410fccc90534fa78d8566126fecc970cc64569c8a485")),
        test=(3191, _lexnet("ROOT09/test", "ac90719e645eb180415ecca22ca0c772d076f738bfef47971345ea914c6238c5")),
    ),
    declare(
        "relation_mapping",
        "mapping",
        "Mapping",
        "Relation mapping problems (Turney 2008)",
        file="data.jsonl",
        test=(
            20,
            Source(
                *RELBERT_2022_08,
                "experiments/relation_mapping_problem/relation_mapping_data.jsonl",
                "7e8807ae31eb68dd2b329413e31a7a97d8578b339444082cd48f31f5f8699bb8",
            ),
        ),
    ),
]

#: Every dataset relvec knows, by name, in the order ``relvec data`` lists them.
DATASETS: dict[str, DatasetSpec] = {spec.name: spec for spec in _SPECS}


def names_of_kind(kind: str) -> tuple[str, ...]:
    """The names of every dataset of ``kind``, in table order."""
    return tuple(spec.name for spec in _SPECS if spec.kind == kind)


def get_spec(name: str, kind: str | None = None) -> DatasetSpec:
    """The spec of dataset ``name`` (of ``kind`` when given), or an error listing the known names."""
    names = [spec.name for spec in _SPECS if kind is None or spec.kind == kind]
    argument = f"{kind} dataset name" if kind else "dataset name"
    return DATASETS[check_choice(argument, name, names)]


__all__ = ["DATASETS", "DERIVED", "HUB_ONLY", "DatasetSpec", "Source", "SplitSpec", "get_spec", "names_of_kind"]
