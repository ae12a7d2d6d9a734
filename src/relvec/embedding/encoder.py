"""RelationEncoder: word pairs in, relation vectors out.

pairs -> prompts (template) -> token ids -> length-sorted batches padded per batch -> hidden states -> pooled
vectors, returned in input order.

Pairs are taken in consecutive chunks of ``chunk_size`` input pairs; within a chunk each distinct pair is
encoded once and batches are formed from length-sorted prompts. A pair's vector therefore depends only on
its chunk, never on what else the call holds: streaming a file chunk by chunk (``relvec embed``) gives
bit-identical output to one ``encode`` call on the whole list. (Matrix-product kernels may sum in a
different order for a different batch shape, so this is by construction rather than by luck.)
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from relvec.embedding.backend import HiddenStates, TorchBackend, quantize_int8
from relvec.embedding.hybrid import StaticOffset, check_static_weight
from relvec.embedding.models import (
    DEFAULT_ENCODER,
    check_tokenizer,
    load_pretrained,
    read_folder_settings,
    resolve_source,
    save_folder,
)
from relvec.embedding.pooling import DEFAULT_POOLING, NEEDS_WORD_POSITIONS, POOLINGS, TokenRoles, check_pooling
from relvec.embedding.precision import PRECISIONS, autocast, check_precision, resolve_precision, warn_if_slow_bf16
from relvec.embedding.prompt import DEFAULT_TEMPLATE, Template
from relvec.errors import RelvecError, check_bool, check_positive_int, invalid
from relvec.io.pairfiles import DEFAULT_CHUNK_SIZE
from relvec.pairs import Pair, check_pairs


@dataclass(frozen=True)
class TokenizedPairs:
    """Prompts as token ids, unpadded, with the index of the mask token in each and, when the pooling needs
    them, the indices of the head's and the tail's tokens."""

    ids: list[list[int]]
    mask_positions: list[int]
    head_positions: list[list[int]] | None = None
    tail_positions: list[list[int]] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def select(self, indices: Sequence[int]) -> TokenizedPairs:
        def pick(items):
            return None if items is None else [items[i] for i in indices]

        return TokenizedPairs(
            pick(self.ids), pick(self.mask_positions), pick(self.head_positions), pick(self.tail_positions)
        )


def _tokens_within(offsets: Sequence[tuple[int, int]], spans: Sequence[tuple[int, int]]) -> list[int]:
    """Indices of the tokens whose characters overlap any of ``spans`` (special tokens have empty offsets)."""
    return [
        index
        for index, (start, end) in enumerate(offsets)
        if end > start and any(start < span_end and end > span_start for span_start, span_end in spans)
    ]


def _default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@dataclass(frozen=True)
class _Distinct:
    """The distinct pairs of a list in first-seen order; ``inverse[i]`` is input pair i's distinct index and
    ``first[j]`` the input index where distinct pair j first appears (for error messages)."""

    pairs: list[Pair]
    inverse: np.ndarray
    first: list[int]

    @classmethod
    def of(cls, pairs: list[Pair], offset: int = 0) -> _Distinct:
        index: dict[Pair, int] = {}
        first: list[int] = []
        inverse = np.empty(len(pairs), dtype=np.int64)
        for position, pair in enumerate(pairs):
            found = index.setdefault(pair, len(index))
            if found == len(first):
                first.append(offset + position)
            inverse[position] = found
        return cls(list(index), inverse, first)


class RelationEncoder:
    """A tokenizer, a transformer encoder, a prompt template and a pooling mode.

    Args:
        encoder: the embedded default ``"all-MiniLM-L6-v2"`` (also ``None``), ``"all-mpnet-base-v2"``, a model
            folder (relvec, reference-implementation or plain Hugging Face) or a Hugging Face model name.
        template: a paper template name (``"a"``..``"e"``) or a string with ``<subj>``, ``<obj>`` and one
            ``<mask>``. Default: the folder's stored template, else ``"d"``.
        pooling: ``"mask"``, ``"average"``, ``"average_no_mask"`` or ``"cls"``. Default: the folder's stored
            pooling, else ``"average_no_mask"``.
        normalize: L2-normalise every vector.
        batch_size: prompts per forward pass.
        max_length: longest prompt in tokens; default the encoder's own limit. Longer prompts are an error,
            never silently cut.
        device: torch device; default CUDA when available, else CPU.
        precision: ``"fp32"`` (default, exact), ``"bf16"`` (matrix products in bfloat16 under autocast; fast
            only with AMX, AVX-512 BF16 or a GPU, and a warning says so elsewhere), ``"int8"`` (the linear
            layers dynamically quantized to int8, CPU only; 1.5x fp32 on an AVX2 CPU) or ``"auto"`` (the fastest
            of these that is fast on this device; :attr:`precision` then holds the one picked and
            :attr:`precision_reason` why). Vectors are float32 either way (see README, Performance). The
            int8 copy is made at the first :meth:`encode`; like ``compile``, it assumes fixed weights.
        chunk_size: input pairs embedded together (deduplicated and length-sorted) in :meth:`encode`.
        compile: run :meth:`encode` through ``torch.compile`` with frozen weights, after a one-off
            compilation of 10-30 s; on the reference CPU it made bf16 14% faster and fp32 no faster.
            Needs a C++ compiler; not with int8. The weights must not change afterwards (training uses the
            eager model).
        static_weight: ``w`` of the hybrid relation vector (see :mod:`relvec.embedding.hybrid`): ``encode`` returns
            ``[unit(r), sqrt(w) * unit(glove(tail) - glove(head))]``, so that a dot product is
            ``cos_contextual + w * cos_static``. Default: the folder's stored weight, else 0 (no static part).
    """

    def __init__(
        self,
        encoder: str | os.PathLike[str] | None = None,
        template: str | Template | None = None,
        pooling: str | None = None,
        *,
        normalize: bool = False,
        batch_size: int = 64,
        max_length: int | None = None,
        device: str | torch.device | None = None,
        precision: str = "fp32",
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        compile: bool = False,
        static_weight: float | None = None,
    ) -> None:
        # Every argument is checked before the (slow) model load.
        if template is not None:
            template = Template.from_name_or_text(template)
        if pooling is not None:
            check_pooling(pooling)
        _check_options(normalize, batch_size, max_length, precision, device, chunk_size, compile)
        if static_weight is not None:
            check_static_weight(static_weight)
        source, self.source = resolve_source(encoder)
        stored = read_folder_settings(source) if isinstance(source, Path) else {}
        template = Template.from_name_or_text(template or stored.get("template", DEFAULT_TEMPLATE))
        pooling = check_pooling(pooling or stored.get("pooling", DEFAULT_POOLING))
        weight = stored.get("static_weight", 0.0) if static_weight is None else static_weight
        static = StaticOffset.load(check_static_weight(weight))  # before the model: a missing package fails fast
        tokenizer, model = load_pretrained(source)
        options = (normalize, batch_size, max_length, device, precision, chunk_size, compile)
        self._setup(tokenizer, model, template, pooling, *options)
        self.static = static

    @classmethod
    def from_parts(
        cls,
        tokenizer: PreTrainedTokenizerBase,
        model: PreTrainedModel,
        template: str | Template = DEFAULT_TEMPLATE,
        pooling: str = DEFAULT_POOLING,
        *,
        normalize: bool = False,
        batch_size: int = 64,
        max_length: int | None = None,
        device: str | torch.device | None = None,
        precision: str = "fp32",
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        compile: bool = False,
        source: str = "custom",
        static: StaticOffset | None = None,
    ) -> RelationEncoder:
        """Wrap a tokenizer and model already in memory (tests, training); ``static`` adds the hybrid part."""
        template = Template.from_name_or_text(template)
        check_pooling(pooling)
        _check_options(normalize, batch_size, max_length, precision, device, chunk_size, compile)
        if tokenizer.mask_token is None:
            raise RelvecError("tokenizer has no mask token; relvec templates need one")
        check_tokenizer(tokenizer, model, "tokenizer")
        self = cls.__new__(cls)
        self.source = source
        options = (normalize, batch_size, max_length, device, precision, chunk_size, compile)
        self._setup(tokenizer, model, template, pooling, *options)
        self.static = static
        return self

    def _setup(
        self,
        tokenizer: PreTrainedTokenizerBase,
        model: PreTrainedModel,
        template: Template,
        pooling: str,
        normalize: bool,
        batch_size: int,
        max_length: int | None,
        device: str | torch.device | None,
        precision: str,
        chunk_size: int,
        compile: bool,
    ) -> None:
        if tokenizer.mask_token in template.text:
            # The literal token would be a second mask in every prompt, and the error would blame each pair.
            raise invalid(
                "template",
                template.text,
                f"a template without the literal mask token {tokenizer.mask_token!r} (write <mask> once instead)",
            )
        self.tokenizer = tokenizer
        self.device = torch.device(device) if device is not None else _default_device()
        choice = resolve_precision(precision, self.device)
        self.precision, self.precision_reason = choice.precision, choice.reason
        warn_if_slow_bf16(self.precision, self.device)
        self.model = model.to(self.device)
        self.template = template
        self.pooling = pooling
        self.normalize = normalize
        self.batch_size = batch_size
        limit = _encoder_limit(tokenizer, model)
        if max_length is not None and max_length > limit:
            # Longer inputs run past the position embeddings: a raw index error deep in torch.
            raise invalid("max_length", max_length, f"at most the encoder's limit of {limit} tokens")
        self.max_length = max_length or limit
        self.chunk_size = chunk_size
        self.compile = compile
        # Made at the first encode, per (precision, compile): setting either attribute later takes effect.
        self._backends: dict[tuple[str, bool], HiddenStates] = {}

    @property
    def dim(self) -> int:
        """Length of each relation vector (the encoder's hidden size, plus the static part's in a hybrid)."""
        return self._hidden + (self.static.dim if self.static is not None else 0)

    @property
    def _hidden(self) -> int:
        return int(self.model.config.hidden_size)

    @property
    def static_weight(self) -> float:
        """``w`` of the hybrid vector; 0 when the vectors are purely contextual."""
        return self.static.weight if self.static is not None else 0.0

    def static_known(self, pairs: Iterable[Any]) -> np.ndarray:
        """For each pair, whether the static part has both words: bool (n,); all True without a static part."""
        pairs = check_pairs(pairs)
        return self.static.known(pairs) if self.static is not None else np.ones(len(pairs), dtype=bool)

    def __repr__(self) -> str:
        template = self.template.name or repr(self.template.text)
        hybrid = f", static_weight={self.static_weight:g}" if self.static is not None else ""
        return (
            f"RelationEncoder({self.source!r}, template={template}, pooling={self.pooling!r}{hybrid}, dim={self.dim})"
        )

    # pairs -> prompts -> token ids

    def prompts(self, pairs: Iterable[Any]) -> list[str]:
        """The text the encoder reads for each pair."""
        return self._render(check_pairs(pairs))

    def tokenize(self, pairs: Iterable[Any]) -> TokenizedPairs:
        """Token ids of each pair's prompt, checked against the length limit and for exactly one mask token."""
        return self._tokenize(check_pairs(pairs))

    def _render(self, pairs: list[Pair]) -> list[str]:
        mask = self.tokenizer.mask_token
        return [self.template.render(pair, mask) for pair in pairs]

    def _tokenize(self, pairs: list[Pair], positions: Sequence[int] | None = None) -> TokenizedPairs:
        """``positions``: each pair's index in the caller's input, for error messages (default 0, 1, ...)."""
        if not pairs:  # the tokenizer fails on an empty batch
            return TokenizedPairs([], [])
        with_words = self.pooling in NEEDS_WORD_POSITIONS
        mask = self.tokenizer.mask_token
        rendered = [self.template.render_with_spans(pair, mask) for pair in pairs]
        encoded = self.tokenizer(
            [text for text, _, _ in rendered],
            add_special_tokens=True,
            truncation=False,
            verbose=False,
            return_offsets_mapping=with_words,
        )
        ids = encoded["input_ids"]
        mask_id = self.tokenizer.mask_token_id
        where = list(range(len(pairs))) if positions is None else positions
        self._check_words_known(pairs, where)
        for i, pair, tokens in zip(where, pairs, ids, strict=True):
            if len(tokens) > self.max_length:
                raise invalid(
                    f"pairs[{i}]",
                    pair,
                    f"a pair whose prompt fits the encoder's {self.max_length} tokens "
                    f"(it takes {len(tokens)}; relvec never cuts a pair's words)",
                )
            if tokens.count(mask_id) != 1:
                raise invalid(f"pairs[{i}]", pair, f"words without the mask token {self.tokenizer.mask_token!r}")
        mask_positions = [tokens.index(mask_id) for tokens in ids]
        if not with_words:
            return TokenizedPairs(list(ids), mask_positions)
        offsets = encoded["offset_mapping"]
        heads = [_tokens_within(o, head_spans) for o, (_, head_spans, _) in zip(offsets, rendered, strict=True)]
        tails = [_tokens_within(o, tail_spans) for o, (_, _, tail_spans) in zip(offsets, rendered, strict=True)]
        for i, pair, head, tail in zip(where, pairs, heads, tails, strict=True):
            if not head or not tail:  # a word the tokenizer drops entirely would pool to a silent zero
                raise invalid(f"pairs[{i}]", pair, f"words the tokenizer keeps (pooling {self.pooling!r} reads them)")
        return TokenizedPairs(list(ids), mask_positions, heads, tails)

    def _check_words_known(self, pairs: list[Pair], where: Sequence[int]) -> None:
        """Refuse a pair with a word (or a part of a multi-word term) that the tokenizer drops or maps entirely
        to its unknown token: two such pairs would get the same vector (every word over 100 characters is
        one [UNK] to a WordPiece tokenizer, so "a" * 1000 and "b" * 1000 would be the same word)."""
        parts = sorted({part for pair in pairs for word in pair for part in word.split()})
        unknown = self.tokenizer.unk_token_id
        ids = self.tokenizer(parts, add_special_tokens=False, verbose=False)["input_ids"] if parts else []
        lost = {part: tokens for part, tokens in zip(parts, ids, strict=True) if not tokens or set(tokens) == {unknown}}
        if not lost:
            return
        for i, pair in zip(where, pairs, strict=True):
            for word in pair:
                bad = next((part for part in word.split() if part in lost), None)
                if bad is None:
                    continue
                shown = bad if len(bad) <= 40 else f"{bad[:20]}...{bad[-10:]} ({len(bad)} characters)"
                if not lost[bad]:
                    expected = f"words the tokenizer keeps: {shown!r} becomes no token at all"
                else:
                    expected = (
                        f"words the tokenizer knows: {shown!r} becomes only the unknown token "
                        f"{self.tokenizer.unk_token!r}, so distinct pairs would get the same vector"
                    )
                raise invalid(f"pairs[{i}]", pair, expected)

    # token ids -> hidden states -> vectors

    def forward(self, batch: TokenizedPairs) -> torch.Tensor:
        """Relation vectors of one batch, padded to its own longest prompt: (batch, dim).

        Runs with gradients when called outside ``torch.inference_mode`` (training uses this), at this
        encoder's precision (bf16 autocast for ``bf16``; int8 applies to :meth:`encode` only, whose weights
        are frozen).
        """
        with autocast(self.precision, self.device):
            return self._forward(TorchBackend(self.model), batch)

    def _forward(self, backend: HiddenStates, batch: TokenizedPairs) -> torch.Tensor:
        lengths = np.fromiter((len(ids) for ids in batch.ids), dtype=np.int64, count=len(batch))
        longest = int(lengths.max())
        # One numpy fill rather than a tensor copy per row: at batch 64 the row copies cost 3% of a forward.
        attention = np.arange(longest) < lengths[:, None]
        input_ids = np.full((len(batch), longest), self.tokenizer.pad_token_id or 0, dtype=np.int64)
        input_ids[attention] = np.fromiter(
            (token for ids in batch.ids for token in ids), dtype=np.int64, count=int(lengths.sum())
        )

        def word_weights(positions: list[list[int]] | None) -> torch.Tensor | None:
            return None if positions is None else _position_weights(positions, longest).to(self.device)

        roles = TokenRoles(
            attention=torch.from_numpy(attention.astype(np.int64)).to(self.device),
            mask=torch.tensor(batch.mask_positions, device=self.device),
            head=word_weights(batch.head_positions),
            tail=word_weights(batch.tail_positions),
        )
        hidden = backend(torch.from_numpy(input_ids).to(self.device), roles.attention)
        vectors = POOLINGS[self.pooling](hidden, roles)
        return F.normalize(vectors, dim=-1) if self.normalize else vectors

    def encode(self, pairs: Iterable[Any], *, batch_size: int | None = None, progress: bool = False) -> np.ndarray:
        """Relation vectors of ``pairs``, in input order: float32 array (n, dim).

        Pairs go through in chunks of ``chunk_size``; within a chunk each distinct pair is encoded once, in
        batches of length-sorted prompts so that padding is minimal.
        """
        batch_size = check_positive_int("batch_size", batch_size) if batch_size is not None else self.batch_size
        pairs = check_pairs(pairs)
        starts = range(0, len(pairs), self.chunk_size)
        chunks = [_Distinct.of(pairs[start : start + self.chunk_size], start) for start in starts]
        tokens = [self._tokenize(chunk.pairs, chunk.first) for chunk in chunks]  # every error before any work
        vectors = np.empty((len(pairs), self._hidden), dtype=np.float32)
        backend = self.backend()
        was_training = self.model.training
        self.model.eval()
        with (
            torch.inference_mode(),
            autocast(self.precision, self.device),
            tqdm(total=len(pairs), unit="pair", disable=not progress, desc="embedding", dynamic_ncols=True) as bar,
        ):
            for start, chunk, chunk_tokens in zip(starts, chunks, tokens, strict=True):
                distinct = self._encode_distinct(backend, chunk_tokens, batch_size)
                vectors[start : start + len(chunk.inverse)] = distinct[chunk.inverse]
                bar.update(len(chunk.inverse))
        self.model.train(was_training)
        if self.static is None:
            return vectors
        hybrid = self.static.join(vectors, pairs)
        return hybrid / np.linalg.norm(hybrid, axis=1, keepdims=True) if self.normalize else hybrid

    def _encode_distinct(self, backend: HiddenStates, tokens: TokenizedPairs, batch_size: int) -> np.ndarray:
        vectors = np.empty((len(tokens), self._hidden), dtype=np.float32)
        # Longest first: the largest batch shows its memory (and rate) at once rather than at the end.
        by_length = sorted(range(len(tokens)), key=lambda i: -len(tokens.ids[i]))
        for start in range(0, len(by_length), batch_size):
            chosen = by_length[start : start + batch_size]
            vectors[chosen] = self._forward(backend, tokens.select(chosen)).float().cpu().numpy()
        return vectors

    def backend(self) -> HiddenStates:
        """What :meth:`encode` runs: token ids and attention mask (batch, length) -> hidden states
        (batch, length, dim), for this encoder's precision. The int8 and compiled ones are made once, at the
        first call; the eager one always runs the current ``self.model``."""
        key = (self.precision, self.compile)
        if key not in self._backends:
            if self.precision != "int8" and not self.compile:
                return TorchBackend(self.model)
            self._backends[key] = self._make_backend()
        return self._backends[key]

    def use_backend(self, backend: HiddenStates) -> None:
        """Run :meth:`encode` on ``backend`` (e.g. an ONNX Runtime session of the same model) for the current
        precision and compile setting. The caller vouches that it computes this encoder's model."""
        self._backends[(self.precision, self.compile)] = backend

    def _make_backend(self) -> HiddenStates:
        if self.precision == "int8":  # compile is refused with int8, and ignored when "auto" picked int8
            return TorchBackend(quantize_int8(self.model))
        if self.compile:
            # Compiled lazily at the first call, which encode makes in eval mode. Frozen weights let inductor
            # pre-pack the matrices and fold constants; dynamic shapes give one compilation for every batch
            # and prompt length.
            return TorchBackend(torch.compile(self.model, dynamic=True, options={"freezing": True}))
        return TorchBackend(self.model)

    def __call__(self, pairs: Iterable[Any], **kwargs: Any) -> np.ndarray:
        return self.encode(pairs, **kwargs)

    # one folder: Hugging Face weights and tokenizer plus relvec_config.json

    def save(self, folder: str | os.PathLike[str], *, static_weight: float | None = None) -> Path:
        """Write the encoder so that ``RelationEncoder(folder)`` gives identical embeddings.

        ``static_weight`` stores another hybrid weight than this encoder's own (training selects epochs on
        contextual vectors and saves the recipe's weight).
        """
        settings = {"template": self.template.text, "pooling": self.pooling, "base_encoder": self.source}
        weight = self.static_weight if static_weight is None else check_static_weight(static_weight)
        if weight:
            settings["static_weight"] = weight
        return save_folder(folder, self.tokenizer, self.model, settings)


def _position_weights(positions: list[list[int]], length: int) -> torch.Tensor:
    """(batch, length) with 1 at the given token indices of each row."""
    weights = torch.zeros((len(positions), length), dtype=torch.long)
    for row, indices in enumerate(positions):
        weights[row, indices] = 1
    return weights


def check_device(device: Any) -> None:
    """Refuse a device torch cannot parse, or CUDA where torch sees none, before any model is loaded."""
    if device is None:
        return
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise invalid("device", device, "a torch device such as 'cpu' or 'cuda'") from error
    if parsed.type == "cuda" and not torch.cuda.is_available():
        raise invalid("device", device, "'cpu' on this machine: torch sees no CUDA device")


def _check_options(
    normalize: Any,
    batch_size: Any,
    max_length: Any,
    precision: Any,
    device: Any = None,
    chunk_size: Any = DEFAULT_CHUNK_SIZE,
    compile: Any = False,
) -> None:
    check_bool("normalize", normalize)
    check_device(device)
    check_precision(precision, torch.device(device) if device is not None else _default_device())
    check_positive_int("batch_size", batch_size)
    check_positive_int("chunk_size", chunk_size)
    if not isinstance(compile, bool):
        raise invalid("compile", compile, "True or False")
    if compile and precision == "int8":
        raise invalid("compile", compile, "False with precision 'int8' (the quantized layers do not compile)")
    if compile and (device is None or torch.device(device).type == "cpu") and not _cpp_compiler():
        raise invalid(
            "compile",
            compile,
            "False on this machine: torch.compile on the CPU needs a C++ compiler (g++ or clang++ on PATH, or $CXX)",
        )
    if max_length is not None:
        check_positive_int("max_length", max_length)


def _cpp_compiler() -> str | None:
    candidates = [os.environ.get("CXX"), "g++", "c++", "clang++"]
    return next((found for name in candidates if name and (found := shutil.which(name))), None)


def _encoder_limit(tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel) -> int:
    """The longest input the encoder takes: the tokenizer's limit, unless it is the 'no limit' sentinel."""
    limits = [getattr(model.config, "max_position_embeddings", None), getattr(tokenizer, "model_max_length", None)]
    # RoBERTa-style models reserve two position slots (padding offset): the tokenizer's limit is the real one.
    finite = [int(limit) for limit in limits if isinstance(limit, int) and 0 < limit < 1_000_000]
    return min(finite) if finite else 512


__all__ = ["RelationEncoder", "TokenizedPairs", "DEFAULT_ENCODER", "DEFAULT_CHUNK_SIZE", "PRECISIONS"]
