"""The core: word pairs in, relation vectors out.

pairs -> prompts (:mod:`.prompt`) -> token ids with word spans (:mod:`.tokens`) -> a chunked, deduplicated,
length-sorted batch plan (:mod:`.batching`) -> hidden states (:mod:`.backend`, at the precision
:mod:`.precision` picks) -> pooled vectors (:mod:`.pooling`), composed by :class:`RelationEncoder`
(:mod:`.encoder`) from weights that :mod:`.models` finds. :mod:`.glove` is the static baseline and the static
half of hybrid vectors (:mod:`.hybrid`); :mod:`.factory` turns what a user names into an embedder;
:mod:`.builtin` finds relvec's own trained models, shipped as deltas (:mod:`.delta`).

Nothing here is imported eagerly, so that torch-free callers (``relvec.data``, the CLI's help) stay torch-free.
"""
