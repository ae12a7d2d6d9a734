"""What datasets relvec knows: their files, expected sizes and where the public copies are pinned.

The numbers come from ``shared/data/SOURCES.md``; they are the published split sizes, so a loaded split
that differs from them means a wrong or damaged file. Each pinned source (repository, commit, path, sha256)
names a file that is a verbatim public copy; DERIVED files (built by converting another file) and SAT
(which must not be redistributed) have none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from relvec.errors import check_choice

ALM = ("asahi417/analogy-language-model", "52062d95e0d34ce588b6547e7988b3d1177e6c6c")
LEXNET = ("vered1986/LexNET", "4beb38119bd7bc367154f56e2e16012420959717")
COGALEX = ("Houssam93/MultiTask-Learning-NLP", "8d84b4b1c3fabe0eb5c409241d5f14369db5d092")
RELBERT_2023_02 = ("asahi417/relbert", "17fd7615904ef84e3a5e3f20718ff81b261fd46d")
RELBERT_2022_08 = ("asahi417/relbert", "ec51bf651b0b8b28f528a3a8c47ec0b5259a0904")


@dataclass(frozen=True)
class Source:
    """A public file at a fixed commit, and the sha256 its bytes must have."""

    repo: str
    commit: str
    path: str
    sha256: str

    @property
    def where(self) -> str:
        return f"{self.repo} @ {self.commit[:8]}, {self.path}"


@dataclass(frozen=True)
class SplitSpec:
    """One split: its file inside the data folder and the number of items SOURCES.md gives for it."""

    file: str
    size: int
    #: the verbatim public copy, when there is one (None: DERIVED here, or not redistributable)
    source: Source | None = None
    #: non-empty when no public copy of this split exists; says why, for the error message
    missing: str = ""


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    kind: str  # "analogy" | "lexical" | "relsim" | "mapping"
    folder: str
    description: str
    splits: dict[str, SplitSpec] = field(default_factory=dict)
    note: str = ""


KINDS = ("analogy", "lexical", "relsim", "mapping")

_SAT_TERMS = (
    "SAT cannot be redistributed (its authors ask that it not be shared; research use only), so relvec never "
    "ships or downloads it. If you have a copy, convert it to the analogy JSONL format and put it at "
    "<data folder>/sat/valid.jsonl (37 questions) and <data folder>/sat/test.jsonl (337 questions); "
    "see docs/datasets.md"
)


def _alm(name: str, sizes: dict[str, int], sha: dict[str, str], description: str) -> DatasetSpec:
    splits = {
        split: SplitSpec(f"{name}/{split}.jsonl", size, Source(*ALM, f"data/{name}/{split}.jsonl", sha[split]))
        for split, size in sizes.items()
    }
    return DatasetSpec(name, "analogy", name, description, splits)


def _lexnet(name: str, folder: str, sizes: dict[str, int], sha: dict[str, str], description: str) -> DatasetSpec:
    splits = {
        split: SplitSpec(f"{name}/{split}.tsv", size, Source(*LEXNET, f"datasets/{folder}/{split}.tsv", sha[split]))
        for split, size in sizes.items()
    }
    return DatasetSpec(name, "lexical", name, description, splits)


def _derived(name: str, split: str, size: int) -> SplitSpec:
    return SplitSpec(f"{name}/{split}.jsonl", size)


def _hf_only(name: str, split: str, size: int) -> SplitSpec:
    return SplitSpec(
        f"{name}/{split}.jsonl",
        size,
        missing=f"the {size}-item {split} split of {name!r} exists only on the Hugging Face Hub "
        "(relbert/analogy_questions), not in any public git repository, so relvec does not have it",
    )


_SPECS = [
    DatasetSpec(
        "semeval2012",
        "relsim",
        "semeval2012_task2",
        "SemEval-2012 Task 2 relational similarity (79 relations with gold prototypicality ratings); "
        "RelBERT's training data",
        {
            # DERIVED file; train/validation are both built from it by relvec.data.relsim (sizes count relations)
            "train": SplitSpec("semeval2012_task2/gold_ratings.jsonl", 79),
            "validation": SplitSpec("semeval2012_task2/gold_ratings.jsonl", 79),
        },
        note="sizes count relations; built from the Gold ratings (RelBERT used the unpublished Platinum ones)",
    ),
    DatasetSpec(
        "sat",
        "analogy",
        "sat",
        "SAT analogy questions (not shipped: supply your own copy)",
        {
            "valid": SplitSpec("sat/valid.jsonl", 37, missing=_SAT_TERMS),
            "test": SplitSpec("sat/test.jsonl", 337, missing=_SAT_TERMS),
        },
        note="not redistributable; sat_full = test + valid (374)",
    ),
    _alm(
        "u2",
        {"valid": 24, "test": 228},
        {
            "valid": "57cc2c17fce6fb817f080e1f4323eefbf371904f181635b00da209b686864081",
            "test": "8975f03d91e49a180f4c9bc4b8b3a511804498eb377fa6cb0762ec9ee0c4f872",
        },
        "U2 analogy questions (EnglishForEveryone, grades 4-12)",
    ),
    _alm(
        "u4",
        {"valid": 48, "test": 432},
        {
            "valid": "6ed6d3b84f4ce7c7230b760635befc8a25a8ebde565e69282fc50dbeea75d7c4",
            "test": "f2e7dc719e45347d4363b769d83b7fef47a41bf3c8c0ede21cb5b7c7cd3d1558",
        },
        "U4 analogy questions (EnglishForEveryone, 5 levels)",
    ),
    _alm(
        "google",
        {"valid": 50, "test": 500},
        {
            "valid": "5d98c3eeffd8e5449785f5a28b2b037241425785426aad997ae88920426ea721",
            "test": "126f98cf2ba38c7eba407db65fa6aa0648e5668d581e367be1b186213d7348cb",
        },
        "Google analogy test set, multiple-choice form",
    ),
    _alm(
        "bats",
        {"valid": 199, "test": 1799},
        {
            "valid": "66de1f1ec9a7058029da3379e8a0b5339afb6f7bd885e8627249d5cd2d86809e",
            "test": "5d7b723ef16086714d44eec3b3ca2f2fbf950d4980786eb6b511db6d83bbe0f0",
        },
        "BATS 3.0, multiple-choice form",
    ),
    DatasetSpec(
        "scan",
        "analogy",
        "scan",
        "SCAN scientific and creative analogies",
        {"valid": _hf_only("scan", "valid", 178), "test": _derived("scan", "test", 1616)},
        note="valid is on the Hugging Face Hub only",
    ),
    DatasetSpec(
        "nell_one",
        "analogy",
        "nell_one",
        "NELL-One relational similarity questions (RelBERT)",
        {"valid": _hf_only("nell_one", "valid", 400), "test": _derived("nell_one", "test", 600)},
        note="valid is on the Hugging Face Hub only",
    ),
    DatasetSpec(
        "t_rex",
        "analogy",
        "t_rex",
        "T-REx relational similarity questions (RelBERT)",
        {
            "valid": SplitSpec(
                "t_rex/valid.jsonl",
                496,
                Source(
                    *RELBERT_2023_02,
                    "dataset/t_rex_relational_similarity/valid.jsonl",
                    "94c223a7adf6378a13db635bdbaaf0bce8944e656b78595a6d4e7626ae3e50a5",
                ),
            ),
            "test": _derived("t_rex", "test", 183),
        },
        note="valid: the answer is always choice 0",
    ),
    DatasetSpec(
        "conceptnet",
        "analogy",
        "conceptnet",
        "ConceptNet relational similarity questions (RelBERT)",
        {
            "valid": SplitSpec(
                "conceptnet/valid.jsonl",
                1112,
                Source(
                    *RELBERT_2023_02,
                    "dataset/conceptnet_relational_similarity/valid.jsonl",
                    "0834e561bc3825fcccdf5158fd0e08ca2b0f741e83a115d3faedff758871702c",
                ),
            ),
            "test": _derived("conceptnet", "test", 1192),
        },
        note="valid: the answer is always choice 0",
    ),
    _lexnet(
        "bless",
        "BLESS",
        {"train": 18582, "val": 1327, "test": 6637},
        {
            "train": "b263f0e9e149d46e9041c58d05450888b310ae53c74d8b7c7ae6560d976c63b5",
            "val": "0dc10e33b07b68df6f6417c9b0cf6bc6e0cdb3a8dc2eb0f6c8e33063a8ca87e7",
            "test": "d0aa1bc1a5f011bd33d8602427365c77d8654fc3cf7c83ca7bf5d9f6b61a0c11",
        },
        "BLESS lexical relations (LexNET random split)",
    ),
    DatasetSpec(
        "cogalexv",
        "lexical",
        "cogalexv",
        "CogALex-V subtask 2 lexical relations",
        {
            "train": SplitSpec(
                "cogalexv/train.tsv",
                3054,
                Source(
                    *COGALEX,
                    "data/CogALexV_train_v1/gold_task2.txt",
                    "b7903c17c3c5821e097e0f550f7341a10374bfc1ee79ed6cb9ad32192a6079bb",
                ),
            ),
            "test": SplitSpec(
                "cogalexv/test.tsv",
                4260,
                Source(
                    *COGALEX,
                    "data/CogALexV_test_v1/gold_task2.txt",
                    "89320006502b77f38e420dd8c81181aac3b58c23ca079e82045ffccab10cb2db",
                ),
            ),
        },
        note="no val file: relvec holds out a label-stratified 10% of train.tsv as val (306), train = the rest (2748)",
    ),
    _lexnet(
        "evalution",
        "EVALution",
        {"train": 5160, "val": 372, "test": 1846},
        {
            "train": "c0c0b543d4c04e6ff2b008281c0fd4d31a8b274d92edf1c9dcf67c54a9278680",
            "val": "b589816890ea53f3066c9298012aeb88441f53099335d5ee7e8607975a8fbb7e",
            "test": "e18e71b687a389ad7efcc1a0750e1fbf6c175a5a4f1497f6429ed7a33289e683",
        },
        "EVALution lexical relations (LexNET random split)",
    ),
    _lexnet(
        "khn",
        "K&H+N",
        {"train": 40256, "val": 2876, "test": 14377},
        {
            "train": "b46aa5907400541b023227c51e82c135113e466da6fe853b5a71c3844ed2f01b",
            "val": "9407a475ef312487493d88b0d2b53f60d7335cc5baa0f183e09c8909761f418b",
            "test": "81dde29d83cd46dc96881200786b89555ee87e57122dc5aef11435a9f6420eb7",
        },
        "K&H+N lexical relations (LexNET random split)",
    ),
    _lexnet(
        "root09",
        "ROOT09",
        {"train": 8933, "val": 638, "test": 3191},
        {
            "train": "a6ef6425da3ae382c4e627effe90209af4dff73d51e959831d4e1d0f974ddf75",
            "val": "859c24559045d5519336410fccc90534fa78d8566126fecc970cc64569c8a485",
            "test": "ac90719e645eb180415ecca22ca0c772d076f738bfef47971345ea914c6238c5",
        },
        "ROOT09 lexical relations (LexNET random split)",
    ),
    DatasetSpec(
        "relation_mapping",
        "mapping",
        "relation_mapping",
        "Relation mapping problems (Turney 2008)",
        {
            "test": SplitSpec(
                "relation_mapping/data.jsonl",
                20,
                Source(
                    *RELBERT_2022_08,
                    "experiments/relation_mapping_problem/relation_mapping_data.jsonl",
                    "7e8807ae31eb68dd2b329413e31a7a97d8578b339444082cd48f31f5f8699bb8",
                ),
            ),
        },
    ),
]

#: Every dataset relvec knows, by name, in the order ``relvec data`` lists them.
DATASETS: dict[str, DatasetSpec] = {spec.name: spec for spec in _SPECS}


def get_spec(name: str, kind: str | None = None) -> DatasetSpec:
    """The spec of dataset ``name`` (of ``kind`` when given), or an error listing the known names."""
    names = [spec.name for spec in _SPECS if kind is None or spec.kind == kind]
    argument = f"{kind} dataset name" if kind else "dataset name"
    return DATASETS[check_choice(argument, name, names)]
