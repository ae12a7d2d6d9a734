"""What users of sentence-transformers and gensim expect of an encoder beside ``encode`` itself: encode's
output keywords, ``similarity(a, b)``, the dimension under their names, and calling the encoder.

:class:`EncoderHabits` needs only ``encode(pairs) -> (n, dim)`` and ``dim`` of the class it is mixed into.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import torch

from relvec.cosine import checked_vectors, cosine_matrix, unit_rows
from relvec.pairs import check_pairs


def shaped_output(
    vectors: np.ndarray, normalize: bool, to_numpy: bool, to_tensor: bool, device: torch.device
) -> np.ndarray | torch.Tensor | list[torch.Tensor]:
    """``vectors`` (n, dim) as sentence-transformers' ``encode`` returns them: rows scaled to length 1 with
    ``normalize``; a tensor on ``device`` with ``to_tensor`` (it wins); one 1-D tensor per row without
    ``to_numpy``; else the array."""
    if normalize:
        vectors = unit_rows(vectors)
    if to_tensor:
        return torch.from_numpy(vectors).to(device)
    if not to_numpy:
        return list(torch.from_numpy(vectors))
    return vectors


class EncoderHabits:
    """sentence-transformers' and gensim's names on a relation encoder."""

    dim: int  # and encode(pairs, **keywords) -> (n, dim), from the class it is mixed into

    def similarity(self, a: Any, b: Any) -> np.ndarray:
        """Cosine similarity of every item of ``a`` with every item of ``b``: float32 (n, m).

        Each side is pairs (``(head, tail)`` or ``"head:tail"``; one pair or a list), embedded here, or vectors
        (an array or tensor, (dim,) or (n, dim)), as sentence-transformers' ``similarity``.
        """
        return cosine_matrix(self._similarity_side(a, "a"), self._similarity_side(b, "b"))

    def _similarity_side(self, side: Any, argument: str) -> np.ndarray:
        if isinstance(side, torch.Tensor):
            side = side.detach().float().cpu().numpy()
        if isinstance(side, np.ndarray):
            array = side[None, :] if side.ndim == 1 else side
            return checked_vectors(array, argument, width=self.dim)
        if isinstance(side, str) or (
            isinstance(side, tuple) and len(side) == 2 and all(isinstance(w, str) for w in side)
        ):
            side = [side]
        return self.encode(check_pairs(side, argument, text=True))

    def get_sentence_embedding_dimension(self) -> int:
        """:attr:`dim` under sentence-transformers' name."""
        return self.dim

    @property
    def vector_size(self) -> int:
        """:attr:`dim` under gensim's name."""
        return self.dim

    def __call__(self, pairs: Iterable[Any], **kwargs: Any) -> np.ndarray | torch.Tensor:
        return self.encode(pairs, **kwargs)


__all__ = ["EncoderHabits", "shaped_output"]
