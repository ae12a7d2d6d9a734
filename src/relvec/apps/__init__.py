"""Applications of relation vectors: a search index, analogy completion, similarity, labels, a map, export.

Each module takes any encoder with ``.encode(pairs) -> (n, dim)`` and ``.dim`` (a
:class:`~relvec.RelationEncoder`, the GloVe baseline, a test stub). The heavy libraries (faiss, gensim,
scikit-learn, matplotlib) are imported by the module that needs them, so installing ``relvec[apps]`` is only
needed for what you use.
"""
