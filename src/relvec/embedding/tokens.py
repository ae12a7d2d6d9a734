"""Prompts -> token ids: tokenising with the words' token spans, the checks that keep a pair's words intact,
and padding a batch. torch-free: token batches are plain lists and numpy arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from relvec.embedding.prompt import MASK, Template
from relvec.errors import invalid
from relvec.pairs import Pair

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase


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

    def padded(self, pad_id: int) -> PaddedBatch:
        """The batch padded to its own longest prompt."""
        lengths = np.fromiter((len(ids) for ids in self.ids), dtype=np.int64, count=len(self))
        longest = int(lengths.max())
        # One numpy fill rather than a copy per row: at batch 64 the row copies cost 3% of a forward.
        attention = np.arange(longest) < lengths[:, None]
        input_ids = np.full((len(self), longest), pad_id, dtype=np.int64)
        input_ids[attention] = np.fromiter(
            (token for ids in self.ids for token in ids), dtype=np.int64, count=int(lengths.sum())
        )

        def word_weights(positions: list[list[int]] | None) -> np.ndarray | None:
            if positions is None:
                return None
            weights = np.zeros((len(positions), longest), dtype=np.int64)
            for row, indices in enumerate(positions):
                weights[row, indices] = 1
            return weights

        return PaddedBatch(
            input_ids,
            attention.astype(np.int64),
            np.asarray(self.mask_positions, dtype=np.int64),
            word_weights(self.head_positions),
            word_weights(self.tail_positions),
        )


@dataclass(frozen=True)
class PaddedBatch:
    """A token batch ready for the encoder: ``input_ids`` and ``attention`` (batch, length) int64; ``mask_index``
    (batch,) the mask token's position; ``head`` and ``tail`` (batch, length) 1 on each word's tokens, or None."""

    input_ids: np.ndarray
    attention: np.ndarray
    mask_index: np.ndarray
    head: np.ndarray | None = None
    tail: np.ndarray | None = None


class PromptTokenizer:
    """Writes pairs into a template and tokenises them, refusing any pair the encoder could not read whole.

    Args:
        tokenizer: the encoder's tokenizer (it must have a mask token).
        template: where the pair goes.
        max_length: longest prompt in tokens; longer ones are an error, never cut.
        words_for: the name of the pooling that reads each word's tokens, which are then found too (None: the
            pooling reads no words).
    """

    def __init__(
        self, tokenizer: PreTrainedTokenizerBase, template: Template, max_length: int, *, words_for: str | None
    ) -> None:
        if tokenizer.mask_token in template.text.replace(MASK, " "):
            # The literal token would be a second mask in every prompt, and the error would blame each pair.
            # (RoBERTa-style tokenizers spell their mask token like the slot itself, which is fine.)
            raise invalid(
                "template",
                template.text,
                f"a template without the literal mask token {tokenizer.mask_token!r} (write <mask> once instead)",
            )
        self.tokenizer, self.template, self.max_length, self.words_for = tokenizer, template, max_length, words_for

    def prompts(self, pairs: list[Pair]) -> list[str]:
        """The text the encoder reads for each pair."""
        return [self.template.render(pair, self.tokenizer.mask_token) for pair in pairs]

    def __call__(self, pairs: list[Pair], positions: Sequence[int] | None = None) -> TokenizedPairs:
        """Token ids of each pair's prompt. ``positions``: each pair's index in the caller's input, for error
        messages (default 0, 1, ...)."""
        if not pairs:  # the tokenizer fails on an empty batch
            return TokenizedPairs([], [])
        rendered = [self.template.render_with_spans(pair, self.tokenizer.mask_token) for pair in pairs]
        encoded = self.tokenizer(
            [text for text, _, _ in rendered],
            add_special_tokens=True,
            truncation=False,
            verbose=False,
            return_offsets_mapping=self.words_for is not None,
        )
        ids = encoded["input_ids"]
        where = list(range(len(pairs))) if positions is None else positions
        self._check_words_known(pairs, where)
        self._check_lengths_and_masks(pairs, ids, where)
        mask_positions = [tokens.index(self.tokenizer.mask_token_id) for tokens in ids]
        if self.words_for is None:
            return TokenizedPairs(list(ids), mask_positions)
        offsets = encoded["offset_mapping"]
        heads = [_tokens_within(o, head_spans) for o, (_, head_spans, _) in zip(offsets, rendered, strict=True)]
        tails = [_tokens_within(o, tail_spans) for o, (_, _, tail_spans) in zip(offsets, rendered, strict=True)]
        for i, pair, head, tail in zip(where, pairs, heads, tails, strict=True):
            if not head or not tail:  # a word the tokenizer drops entirely would pool to a silent zero
                raise invalid(f"pairs[{i}]", pair, f"words the tokenizer keeps (pooling {self.words_for!r} reads them)")
        return TokenizedPairs(list(ids), mask_positions, heads, tails)

    def _check_lengths_and_masks(self, pairs: list[Pair], ids: list[list[int]], where: Sequence[int]) -> None:
        mask_id = self.tokenizer.mask_token_id
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
            bad = next((part for word in pair for part in word.split() if part in lost), None)
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


def _tokens_within(offsets: Sequence[tuple[int, int]], spans: Sequence[tuple[int, int]]) -> list[int]:
    """Indices of the tokens whose characters overlap any of ``spans`` (special tokens have empty offsets)."""
    return [
        index
        for index, (start, end) in enumerate(offsets)
        if end > start and any(start < span_end and end > span_start for span_start, span_end in spans)
    ]


def encoder_limit(tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel) -> int:
    """The longest input the encoder takes: the tokenizer's limit, unless it is the 'no limit' sentinel."""
    limits = [getattr(model.config, "max_position_embeddings", None), getattr(tokenizer, "model_max_length", None)]
    # RoBERTa-style models reserve two position slots (padding offset): the tokenizer's limit is the real one.
    finite = [int(limit) for limit in limits if isinstance(limit, int) and 0 < limit < 1_000_000]
    return min(finite) if finite else 512
