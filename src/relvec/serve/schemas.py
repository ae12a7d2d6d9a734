"""Request and response bodies of the HTTP service, as pydantic models (they also make the OpenAPI page).

The models check structure: a pair is a JSON array of two non-empty strings, numbers are in range. The
limits an operator sets at start-up (pairs per request, word length) are checked by the routes against the
running settings, because a model class is fixed when the module loads.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    model_validator,
)

from relvec.tasks.analogy import DIRECTIONS


def _whole_characters(word: str) -> str:
    # JSON may escape a lone surrogate ("\ud800"): it is no character, and no tokenizer can read it.
    try:
        word.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError(f"valid Unicode text (a lone surrogate at character {error.start} is not)") from None
    return word


#: A word as the service takes it: surrounding whitespace removed, then at least one character, all of them
#: real characters.
Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_whole_characters)]
#: A word pair, written ``["paris", "france"]``.
PairIn = tuple[Word, Word]
Direction = Literal[DIRECTIONS]  # type: ignore[valid-type]


class _Request(BaseModel):
    # An unknown field is more likely a typo ("pair" for "pairs") than something to ignore silently.
    model_config = ConfigDict(extra="forbid")


class EmbedRequest(_Request):
    pairs: list[PairIn] = Field(min_length=1, description="word pairs, e.g. [['paris', 'france']]")
    normalize: StrictBool = Field(False, description="scale every vector to length 1 (true or false)")


class EmbedResponse(BaseModel):
    model: str
    dim: int
    vectors: list[list[float]] = Field(description="one float32 vector (dim,) per pair, in request order")


class SimilarityRequest(_Request):
    """Either ``pairs`` (every pair against every other) or ``query`` and ``candidates``."""

    pairs: list[PairIn] | None = Field(None, min_length=1, description="cosine of every pair with every other")
    query: PairIn | None = Field(None, description="one pair scored against each candidate")
    candidates: list[PairIn] | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _one_mode(self) -> SimilarityRequest:
        if (self.pairs is None) == (self.query is None):
            raise ValueError("either 'pairs', or 'query' with 'candidates', not both and not neither")
        if (self.query is None) != (self.candidates is None):
            raise ValueError("'query' and 'candidates' go together")
        return self


class SimilarityResponse(BaseModel):
    matrix: list[list[float]] | None = Field(None, description="(n, n) cosines, for a 'pairs' request")
    scores: list[float] | None = Field(None, description="(candidates,) cosines, for a 'query' request")
    best: int | None = Field(None, description="index of the highest-scoring candidate (lowest index on ties)")


class AnalogyRequest(_Request):
    stem: PairIn
    choices: list[PairIn] = Field(min_length=1)
    direction: Direction = Field("forward", description="forward, reverse or both (see docs/evaluation.md)")


class AnalogyResponse(BaseModel):
    best: int = Field(description="index of the winning choice (lowest index on ties)")
    best_choice: tuple[str, str]
    scores: list[float] = Field(description="cosine of each choice with the stem, in choice order")


class SearchRequest(_Request):
    pairs: list[PairIn] = Field(min_length=1, description="query pairs")
    k: StrictInt = Field(10, ge=1, description="neighbours per query")


class SearchHit(BaseModel):
    head: str
    tail: str
    score: float


class SearchResponse(BaseModel):
    results: list[list[SearchHit]] = Field(description="for each query pair, its k nearest pairs, best first")


class MostSimilarRequest(_Request):
    """Relation arithmetic, as gensim's ``most_similar``: pairs near mean(positive) - mean(negative)."""

    positive: list[PairIn] = Field(min_length=1, description="pairs to add, e.g. [['paris', 'france']]")
    negative: list[PairIn] = Field([], description="pairs to subtract")
    k: StrictInt = Field(10, ge=1, description="pairs to return (the query pairs never come back)")


class MostSimilarResponse(BaseModel):
    results: list[SearchHit] = Field(description="the k stored pairs nearest the expression, best first")


class CompleteRequest(_Request):
    """``a : b :: c : ?``"""

    a: Word
    b: Word
    c: Word
    k: StrictInt = Field(10, ge=1, description="completions to return")


class Completion(BaseModel):
    word: str
    score: float
    relation: float | None = Field(None, description="the relation similarity part of the score, when known")
    offset: float | None = Field(None, description="the word-vector offset (3CosAdd) part of the score, when known")


class CompleteResponse(BaseModel):
    completions: list[Completion] = Field(description="the best words d for a : b :: c : d, best first")


#: Relation name -> its example pairs, in the order given (ties go to the relation listed first).
Relations = Annotated[dict[Word, Annotated[list[PairIn], Field(min_length=1)]], Field(min_length=1)]


class LabelRequest(_Request):
    relations: Relations = Field(description="relation name -> example pairs, e.g. {'capital': [['paris', 'france']]}")
    pairs: list[PairIn] = Field(min_length=1, description="the pairs to label")


class PairLabel(BaseModel):
    head: str
    tail: str
    relation: str = Field(description="the relation whose prototype (mean unit vector of its examples) is nearest")
    score: float = Field(description="cosine with that prototype")
    scores: list[float] = Field(description="cosine with every relation's prototype, in the order of 'relations'")


class LabelResponse(BaseModel):
    relations: list[str]
    labels: list[PairLabel]


class MapRequest(_Request):
    """``pairs`` (with ``labels`` or ``relations`` to colour them), or nothing: a sample of the index."""

    pairs: list[PairIn] | None = Field(None, min_length=4, description="pairs to draw; without them, the index")
    labels: list[Word] | None = Field(None, description="one label per pair, its colour in the map")
    relations: Relations | None = Field(None, description="colour each point by its nearest relation")
    sample: StrictInt = Field(200, ge=4, le=2000, description="index pairs drawn when no pairs are given")

    @model_validator(mode="after")
    def _labels_fit(self) -> MapRequest:
        if self.labels is not None and self.relations is not None:
            raise ValueError("either 'labels' or 'relations', not both")
        if self.labels is not None and (self.pairs is None or len(self.labels) != len(self.pairs)):
            raise ValueError("'labels' needs 'pairs', one label per pair")
        return self


class HealthResponse(BaseModel):
    status: Literal["ok", "loading", "failed"]


class LimitsInfo(BaseModel):
    max_pairs: int
    max_word_length: int
    max_body_bytes: int
    max_k: int


class BatchingInfo(BaseModel):
    enabled: bool
    max_batch: int
    max_wait_ms: float


class InfoResponse(BaseModel):
    version: str
    model: str
    dim: int
    template: str | None = Field(description="the prompt template; null for a baseline (glove)")
    pooling: str | None
    precision: str | None
    normalize: bool
    search: bool = Field(description="whether POST /search has an index behind it")
    complete: bool = Field(description="whether POST /complete has a completer behind it")
    index_size: int | None = Field(None, description="pairs in the search index (none without an index)")
    limits: LimitsInfo
    batching: BatchingInfo


class ErrorDetail(BaseModel):
    field: str = Field(description="where in the request, e.g. 'pairs[3][0]' or 'body'")
    value: object = Field(description="the value received (shortened when long)")
    expected: str


class ErrorResponse(BaseModel):
    status: int
    errors: list[ErrorDetail]
