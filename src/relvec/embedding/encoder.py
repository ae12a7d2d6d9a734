"""RelationEncoder: word pairs in, relation vectors out, by composing the pipeline's stages.

pairs -> prompts and token ids (:mod:`.tokens`) -> a chunked, deduplicated, length-sorted batch plan
(:mod:`.batching`) -> hidden states (:mod:`.backend`, at the precision :mod:`.precision` picks) -> pooled
vectors (:mod:`.pooling`) -> in input order, with the hybrid static part (:mod:`.hybrid`) when the model has
one. How it runs is one :class:`~relvec.embedding.options.EncoderOptions` record; which weights it runs is
found by :mod:`.models`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from copy import deepcopy
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from relvec.cosine import unit_rows
from relvec.embedding.backend import HiddenStates, TorchBackend, make_backend
from relvec.embedding.batching import encode_stream, length_sorted_batches, plan_chunks
from relvec.embedding.habits import EncoderHabits, shaped_output
from relvec.embedding.hybrid import StaticOffset, check_static_weight
from relvec.embedding.models import check_tokenizer, load_pretrained, read_folder_settings, resolve_source, save_folder
from relvec.embedding.options import EncoderOptions, given_options
from relvec.embedding.pooling import POOLINGS, TokenRoles
from relvec.embedding.precision import autocast, resolve_precision, warn_if_slow_bf16
from relvec.embedding.prompt import Template
from relvec.embedding.tokens import PromptTokenizer, TokenizedPairs, encoder_limit
from relvec.errors import RelvecError, check_bool, check_positive_int, invalid
from relvec.pairs import Pair, check_pairs


def _option(name: str, doc: str) -> property:
    """A read-only view of one field of the encoder's options record."""
    return property(lambda self: getattr(self._options, name), doc=doc)


class RelationEncoder(EncoderHabits):
    """A tokenizer, a transformer encoder, a prompt template and a pooling mode.

    Args:
        encoder: a built-in relvec model (``None`` or ``"default"``: the default shipped model, ``"relvec-mpnet"``
            where its base encoder is installed, else ``"relvec-minilm"``), an embedded encoder
            (``"all-MiniLM-L6-v2"``, ``"all-mpnet-base-v2"``), a model folder (relvec, reference-implementation
            or plain Hugging Face) or a Hugging Face model name.
        template, pooling, **keywords: how it runs, the fields of :class:`EncoderOptions` (which documents each:
            template, pooling, normalize, batch_size, max_length, device, precision, chunk_size, compile,
            static_weight); template, pooling and static_weight default to the folder's stored ones.
        options: the same as one :class:`EncoderOptions` record, instead of keywords.

    The options are kept whole, frozen (:attr:`options`; each field readable as an attribute of the same
    name); :meth:`with_options` gives a copy running with some changed.
    """

    def __init__(
        self,
        encoder: str | os.PathLike[str] | None = None,
        template: str | Template | None = None,
        pooling: str | None = None,
        *,
        options: EncoderOptions | None = None,
        **keywords: Any,
    ) -> None:
        # Every option is checked (by the record) before the slow model load.
        options = given_options(options, template, pooling, keywords)
        source, self.source = resolve_source(encoder)
        options = options.filled(read_folder_settings(source) if isinstance(source, Path) else {})
        static = StaticOffset.load(options.static_weight)  # before the model: a missing package fails fast
        tokenizer, model = load_pretrained(source)
        self._setup(tokenizer, model, options, static)

    @classmethod
    def from_parts(
        cls,
        tokenizer: PreTrainedTokenizerBase,
        model: PreTrainedModel,
        template: str | Template | None = None,
        pooling: str | None = None,
        *,
        source: str = "custom",
        static: StaticOffset | None = None,
        options: EncoderOptions | None = None,
        **keywords: Any,
    ) -> RelationEncoder:
        """Wrap a tokenizer and model already in memory (tests, training); ``static`` adds the hybrid part.
        Template and pooling default to ``"d"`` and ``"average_no_mask"``."""
        options = given_options(options, template, pooling, keywords)
        options = options.replace(static_weight=static.weight if static is not None else 0.0).filled({})
        if tokenizer.mask_token is None:
            raise RelvecError("tokenizer has no mask token; relvec templates need one")
        check_tokenizer(tokenizer, model, "tokenizer")
        self = cls.__new__(cls)
        self.source = source
        self._setup(tokenizer, model, options, static)
        return self

    def _setup(
        self,
        tokenizer: PreTrainedTokenizerBase,
        model: PreTrainedModel,
        options: EncoderOptions,
        static: StaticOffset | None,
        backends: dict[tuple[str, bool], HiddenStates] | None = None,
    ) -> None:
        limit = encoder_limit(tokenizer, model)
        if options.max_length is not None and options.max_length > limit:
            # Longer inputs run past the position embeddings: a raw index error deep in torch.
            raise invalid("max_length", options.max_length, f"at most the encoder's limit of {limit} tokens")
        self._device = options.torch_device
        choice = resolve_precision(options.precision, self._device)
        # The record as it runs, every default made concrete: it rebuilds this encoder elsewhere (a Ray worker).
        self._options = options.replace(
            max_length=options.max_length or limit, device=str(self._device), precision=choice.precision
        )
        self.precision_reason = choice.reason
        warn_if_slow_bf16(self.precision, self._device)
        self._pooler = POOLINGS[self.pooling]
        self.prompt_tokenizer = PromptTokenizer(
            tokenizer,
            self.template,
            self.max_length,
            words_for=self.pooling if self._pooler.needs_word_spans else None,
        )
        self.tokenizer, self.static = tokenizer, static
        self.model = model.to(self._device)
        # The int8 copy and the compiled model, made at the first encode per (precision, compile); copies made
        # by with_options share them while they share the weights.
        self._backends = {} if backends is None else backends

    def with_options(self, **changes: Any) -> RelationEncoder:
        """A copy running with some options changed, checked again by the record (int8 on CUDA is refused,
        say). It shares the tokenizer and the weights, unless the device changes: then it moves a copy."""
        options = self._options.replace(**changes)
        copy = type(self).__new__(type(self))
        copy.source = self.source
        model, backends = self.model, self._backends
        if options.torch_device != self._device:
            model, backends = deepcopy(self.model), None
        static = self.static
        if options.static_weight != self.static_weight:
            words = static.words if static is not None else None
            static = StaticOffset.load(options.static_weight, words)
        copy._setup(self.tokenizer, model, options, static, backends)
        if "precision" not in changes:
            copy.precision_reason = self.precision_reason
        return copy

    @property
    def options(self) -> EncoderOptions:
        """This encoder's options as one record, every default made concrete (the folder's template, the
        device and precision picked, the length limit); frozen: change them with :meth:`with_options`."""
        return self._options

    template = _option("template", "The prompt :class:`~relvec.embedding.prompt.Template`.")
    pooling = _option("pooling", "The pooling mode's name.")
    normalize = _option("normalize", "Whether every vector is L2-normalised.")
    batch_size = _option("batch_size", "Prompts per forward pass.")
    max_length = _option("max_length", "The longest prompt in tokens.")
    precision = _option("precision", "Its precision (``auto`` made concrete; why: :attr:`precision_reason`).")
    chunk_size = _option("chunk_size", "Input pairs planned together by :meth:`encode` and :meth:`encode_stream`.")
    compile = _option("compile", "Whether :meth:`encode` runs through ``torch.compile``.")
    static_weight = _option("static_weight", "``w`` of the hybrid vector; 0 when the vectors are purely contextual.")

    @property
    def device(self) -> torch.device:
        """The torch device the model runs on."""
        return self._device

    @property
    def dim(self) -> int:
        """Length of each relation vector (the encoder's hidden size, plus the static part's in a hybrid)."""
        return self._hidden + (self.static.dim if self.static is not None else 0)

    @property
    def _hidden(self) -> int:
        return int(self.model.config.hidden_size)

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
        return self.prompt_tokenizer.prompts(check_pairs(pairs))

    def tokenize(self, pairs: Iterable[Any]) -> TokenizedPairs:
        """Token ids of each pair's prompt, checked against the length limit and for exactly one mask token."""
        return self.prompt_tokenizer(check_pairs(pairs))

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
        padded = batch.padded(self.tokenizer.pad_token_id or 0)
        roles = TokenRoles.of(padded, self.device)
        hidden = backend(torch.from_numpy(padded.input_ids).to(self.device), roles.attention)
        vectors = self._pooler(hidden, roles)
        return F.normalize(vectors, dim=-1) if self.normalize else vectors

    def encode(
        self,
        pairs: Iterable[Any],
        batch_size: int | None = None,
        show_progress_bar: bool | None = None,
        convert_to_numpy: bool = True,
        convert_to_tensor: bool = False,
        normalize_embeddings: bool = False,
        *,
        progress: bool = False,
    ) -> np.ndarray | torch.Tensor:
        """Relation vectors of ``pairs``, in input order: float32 array (n, dim).

        ``pairs``: ``(head, tail)`` pairs or ``"head:tail"`` strings. The keywords mean what they mean in
        sentence-transformers' ``encode``: ``batch_size`` (prompts per forward pass, default the encoder's),
        ``show_progress_bar`` (the same as ``progress``), ``convert_to_tensor`` (a float32 ``torch.Tensor`` on
        the encoder's device instead of an array; it wins over ``convert_to_numpy``), ``convert_to_numpy=False``
        (a list of one 1-D tensor per pair) and ``normalize_embeddings`` (every row scaled to length 1).

        Without ``normalize_embeddings`` (and the ``normalize`` option) the rows are as the model makes them: a
        hybrid model's vector is its unit contextual part joined to ``sqrt(static_weight)`` times a unit GloVe
        part, so its norm is ``sqrt(1 + static_weight)`` when GloVe knows both words (1 otherwise).

        Pairs go through in chunks of ``chunk_size``; within a chunk each distinct pair is encoded once, in
        batches of length-sorted prompts so that padding is minimal (:mod:`relvec.embedding.batching`).
        """
        batch_size = check_positive_int("batch_size", batch_size) if batch_size is not None else self.batch_size
        progress = check_bool("progress", progress)
        if show_progress_bar is not None:
            progress = check_bool("show_progress_bar", show_progress_bar)
        check_bool("convert_to_numpy", convert_to_numpy)
        check_bool("convert_to_tensor", convert_to_tensor)
        check_bool("normalize_embeddings", normalize_embeddings)
        vectors = self._encode(check_pairs(pairs, text=True), batch_size, progress)
        return shaped_output(vectors, normalize_embeddings, convert_to_numpy, convert_to_tensor, self.device)

    def _encode(self, pairs: list[Pair], batch_size: int, progress: bool) -> np.ndarray:
        chunks = plan_chunks(pairs, self.chunk_size)
        tokens = [self.prompt_tokenizer(chunk.pairs, chunk.first) for chunk in chunks]  # every error before work
        vectors = np.empty((len(pairs), self._hidden), dtype=np.float32)
        backend = self.backend()
        was_training = self.model.training
        self.model.eval()
        try:
            with (
                torch.inference_mode(),
                autocast(self.precision, self.device),
                tqdm(total=len(pairs), unit="pair", disable=not progress, desc="embedding", dynamic_ncols=True) as bar,
            ):
                for chunk, chunk_tokens in zip(chunks, tokens, strict=True):
                    distinct = self._encode_distinct(backend, chunk_tokens, batch_size)
                    vectors[chunk.start : chunk.stop] = distinct[chunk.inverse]
                    bar.update(len(chunk.inverse))
        finally:  # a training loop that evaluates mid-run gets its model back in training mode, even on errors
            self.model.train(was_training)
        if self.static is None:
            return vectors
        hybrid = self.static.join(vectors, pairs)
        return unit_rows(hybrid) if self.normalize else hybrid

    def encode_stream(self, pairs: Iterable[Any]) -> Iterator[tuple[list[Pair], np.ndarray]]:
        """``pairs`` (any iterable, read lazily) chunk by chunk of ``chunk_size``: each chunk's pairs and
        vectors float32 (len(chunk), dim), bit-identical to the rows of one :meth:`encode` call on them all."""
        return encode_stream(self, pairs)

    def _encode_distinct(self, backend: HiddenStates, tokens: TokenizedPairs, batch_size: int) -> np.ndarray:
        vectors = np.empty((len(tokens), self._hidden), dtype=np.float32)
        for chosen in length_sorted_batches([len(ids) for ids in tokens.ids], batch_size):
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
            self._backends[key] = make_backend(self.model, self.precision, self.compile)
        return self._backends[key]

    def use_backend(self, backend: HiddenStates) -> None:
        """Run :meth:`encode` on ``backend`` (e.g. an ONNX Runtime session of the same model) for the current
        precision and compile setting. The caller vouches that it computes this encoder's model."""
        self._backends[(self.precision, self.compile)] = backend

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


__all__ = ["RelationEncoder", "EncoderOptions", "TokenizedPairs"]
