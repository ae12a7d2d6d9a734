"""Adapters above the core: streaming pair files in and vectors out (:mod:`.pairfiles`) and the same embedding
job spread over Ray (:mod:`.ray_embed`). File utilities that every layer uses live in :mod:`relvec.files`."""
