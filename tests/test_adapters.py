"""Adapter training (LoRA through peft), its delta folders, soups, and similarity distillation (tiny encoder)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from relvec import RelationEncoder, RelvecError
from relvec.cli import main
from relvec.embedding.delta import average_deltas
from relvec.training.config import TrainConfig
from relvec.training.distill import DistillationSet, distillation_pairs, similarity_distillation_loss
from relvec.training.loop import TrainingInterrupted, train
from relvec.training.run_folder import CHECKPOINT

pytest.importorskip("peft")

RELATIONS = {
    "capital": [("paris", "france"), ("tokyo", "japan"), ("rome", "italy"), ("berlin", "germany")],
    "comparative": [("big", "bigger"), ("small", "smaller"), ("tall", "taller"), ("fast", "faster")],
    "plural": [("cat", "cats"), ("dog", "dogs"), ("car", "cars"), ("tree", "trees")],
    "opposite": [("hot", "cold"), ("up", "down"), ("left", "right"), ("wet", "dry")],
}
PAIRS = [("paris", "france"), ("big", "bigger"), ("hot", "cold")]


@pytest.fixture
def config(tiny_encoder_dir, tmp_path):
    path = tmp_path / "relations.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"relation": n, "positives": p, "negatives": [], "parent": n}) for n, p in RELATIONS.items()
        )
    )
    return TrainConfig(
        encoder=str(tiny_encoder_dir),
        data=str(path),
        epochs=2,
        relations_per_step=2,
        lr=1e-2,
        device="cpu",
        precision="fp32",
        static_weight=0.0,
        adapter="lora",
        lora_rank=2,
        lora_alpha=4.0,
    )


def test_an_adapter_run_saves_a_small_delta_that_loads_like_any_model_folder(config, tmp_path, tiny_encoder_dir):
    from relvec.training.relations import load_relations
    from relvec.training.trainer import Trainer

    train(config, tmp_path / "run", progress=False)
    run = tmp_path / "run"
    assert (run / "delta.safetensors").is_file() and not (run / "model.safetensors").exists()
    factors = load_file(run / "delta.safetensors")
    # Two layers x six linear layers (query, key, value, attention output, intermediate, output), two factors.
    assert len(factors) == 2 * 6 * 2
    assert factors["encoder.layer.0.attention.self.query.weight.lora_A"].shape == (2, 32)
    assert factors["encoder.layer.0.intermediate.dense.weight.lora_B"].shape == (64, 2)
    loaded = RelationEncoder(run, device="cpu").encode(PAIRS)
    untrained = RelationEncoder(tiny_encoder_dir, template="c", pooling="difference", device="cpu").encode(PAIRS)
    assert not np.allclose(loaded, untrained)
    # The merged folder computes what the trained adapters computed, unmerged, in the trainer.
    trainer = Trainer.build(config, load_relations(config).train)
    state = torch.load(run / CHECKPOINT / "state.pt", weights_only=True)
    trainer.load_state(state)
    trainer.save_model(tmp_path / "again")
    assert (
        np.abs(trainer.encoder.encode(PAIRS) - RelationEncoder(tmp_path / "again", device="cpu").encode(PAIRS)).max()
        < 1e-5
    )


def test_an_adapter_checkpoint_holds_only_the_adapters(config, tmp_path):
    train(config, tmp_path / "run", progress=False)
    state = torch.load(tmp_path / "run" / CHECKPOINT / "state.pt", weights_only=True)
    assert state["model"] and all(".lora_" in name for name in state["model"])


def test_an_interrupted_adapter_run_resumes_to_the_same_delta(config, tmp_path):
    import os
    import signal

    train(config, tmp_path / "straight", progress=False)

    def interrupt(record):
        if record["step"] == 3:
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(TrainingInterrupted):
        train(config, tmp_path / "resumed", progress=False, on_step=interrupt)
    train(config, tmp_path / "resumed", progress=False, resume=True)
    a, b = load_file(tmp_path / "straight" / "delta.safetensors"), load_file(tmp_path / "resumed" / "delta.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"adapter": "prefix"}, "adapter must be one of 'lora'"),
        ({"lora_rank": 0}, "lora_rank must be an integer >= 1 and <= 512; got 0"),
        ({"lora_rank": 2.5}, "lora_rank must be an integer"),
        ({"lora_alpha": -1.0}, "lora_alpha must be a number in (0, 10000.0]"),
        ({"lora_dropout": 1.0}, "lora_dropout must be a number in [0, 1)"),
        ({"lora_targets": "mlp"}, "lora_targets must be one of 'attention', 'all'"),
        ({"distill_batch": 1}, "distill_batch must be an integer >= 2"),
        ({"distill_weight": 0}, "distill_weight must be a number in (0, 1000.0]"),
        ({"distill_temperature": math.nan}, "distill_temperature must be a number"),
    ],
)
def test_adapter_and_distillation_options_out_of_range_are_refused_before_training(config, tmp_path, change, message):
    for name, value in change.items():
        setattr(config, name, value)
    with pytest.raises(RelvecError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        train(config, tmp_path / "run", progress=False)
    assert not (tmp_path / "run").exists()


def test_cli_train_takes_the_adapter_options(config, tmp_path, capsys):
    argv = ["train", "-o", str(tmp_path / "cli"), "--encoder", config.encoder, "--data", config.data, "--epochs", "1"]
    argv += ["--relations-per-step", "2", "--device", "cpu", "--static-weight", "0", "-q"]
    argv += ["--adapter", "lora", "--lora-rank", "3", "--lora-targets", "attention"]
    assert main(argv) == 0
    factors = load_file(tmp_path / "cli" / "delta.safetensors")
    assert len(factors) == 2 * 4 * 2 and factors["encoder.layer.1.attention.output.dense.weight.lora_A"].shape[0] == 3
    assert main([*argv[:-6], "--adapter", "lora", "--lora-rank", "600", "-q"]) == 2
    assert "lora_rank must be an integer >= 1 and <= 512; got 600" in capsys.readouterr().err


def test_a_soup_merges_to_the_average_of_the_merged_weights():
    generator = torch.Generator().manual_seed(0)
    deltas = [
        {"w.lora_A": torch.randn(2, 5, generator=generator), "w.lora_B": torch.randn(4, 2, generator=generator)}
        for _ in range(3)
    ]
    soup = average_deltas(deltas)
    assert soup["w.lora_A"].shape == (6, 5) and soup["w.lora_B"].shape == (4, 6)
    expected = sum(d["w.lora_B"] @ d["w.lora_A"] for d in deltas) / 3
    assert torch.allclose(soup["w.lora_B"] @ soup["w.lora_A"], expected, atol=1e-6)
    with pytest.raises(RelvecError, match="adapt different weights"):
        average_deltas([deltas[0], {"v.lora_A": torch.ones(1, 5), "v.lora_B": torch.ones(4, 1)}])


def test_similarity_distillation_loss_by_hand():
    teacher = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    assert similarity_distillation_loss(teacher.clone(), teacher, 0.5).item() == pytest.approx(0.0, abs=1e-7)
    student = torch.tensor([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    # Row i: softmax over the other rows' cosines / 0.5. Teacher cosines: (0, 1/sqrt2), (0, 1/sqrt2),
    # (1/sqrt2, 1/sqrt2); student cosines: (1, 0), (1, 0), (0, 0).
    c = 1 / math.sqrt(2)

    def softmax(values):
        exps = [math.exp(v / 0.5) for v in values]
        return [e / sum(exps) for e in exps]

    def kl(p, q):
        return sum(a * math.log(a / b) for a, b in zip(p, q, strict=True))

    rows = [((0, c), (1, 0)), ((0, c), (1, 0)), ((c, c), (0, 0))]
    expected = sum(kl(softmax(t), softmax(s)) for t, s in rows) / 3
    assert similarity_distillation_loss(student, teacher, 0.5).item() == pytest.approx(expected, rel=1e-5)


def test_distillation_batches_are_fixed_by_seed_and_step():
    data = DistillationSet([("a", str(i)) for i in range(50)], torch.zeros(50, 4), batch_size=8, seed=3)
    assert np.array_equal(data.batch(5), data.batch(5)) and len(set(data.batch(5))) == 8
    assert not np.array_equal(data.batch(5), data.batch(6))


def test_distillation_pairs_are_the_lexical_train_pairs_both_ways_minus_held_out_pairs(tmp_path):
    folder = tmp_path / "data"
    (folder / "bless").mkdir(parents=True)
    (folder / "bless" / "train.tsv").write_text("dog\tanimal\thyper\ncar\twheel\tmero\nrose\tflower\thyper\n")
    (folder / "bless" / "test.tsv").write_text("flower\trose\thyper\n")
    (folder / "u2").mkdir()
    question = {"stem": ["car", "wheel"], "answer": 0, "choice": [["a", "b"], ["c", "d"]], "prefix": "x"}
    (folder / "u2" / "test.jsonl").write_text(json.dumps(question))
    pairs, dropped = distillation_pairs(folder)
    assert pairs == [("animal", "dog"), ("dog", "animal")]
    assert dropped == 4  # car:wheel and rose:flower, in both orders


def test_cli_soup_of_two_seeds_is_the_average_of_their_merged_weights(config, tmp_path, capsys):
    from transformers import AutoModel

    runs = []
    for seed in (0, 1):
        config.seed = seed
        train(config, tmp_path / f"seed{seed}", progress=False)
        runs.append(str(tmp_path / f"seed{seed}"))
    assert main(["soup", *runs, "-o", str(tmp_path / "soup"), "--static-weight", "0"]) == 0
    merged = [RelationEncoder(run, device="cpu").model.state_dict() for run in runs]
    soup = RelationEncoder(tmp_path / "soup", device="cpu")
    base = AutoModel.from_pretrained(config.encoder).state_dict()
    for name, weight in soup.model.state_dict().items():
        expected = base[name] + ((merged[0][name] - base[name]) + (merged[1][name] - base[name])) / 2
        assert torch.allclose(weight, expected, atol=1e-6), name
    assert json.loads((tmp_path / "soup" / "relvec_config.json").read_text())["soup_of"] == runs
    assert main(["soup", runs[0], "-o", str(tmp_path / "one")]) == 2
    assert "runs must be two or more delta folders" in capsys.readouterr().err
    assert main(["soup", *runs, "-o", str(tmp_path / "soup")]) == 2
    assert "already holds files" in capsys.readouterr().err
    assert main(["soup", *runs, "-o", runs[0] + "/inner"]) == 2
    assert "inside the input run" in capsys.readouterr().err
    assert main(["soup", runs[0], config.encoder, "-o", str(tmp_path / "mixed")]) == 2
    assert "a delta folder (the output of relvec train --adapter lora)" in capsys.readouterr().err


def test_a_truncated_delta_is_the_best_approximation_of_its_rank():
    from relvec.embedding.delta import truncate_delta

    generator = torch.Generator().manual_seed(1)
    delta = {"w.lora_A": torch.randn(6, 9, generator=generator), "w.lora_B": torch.randn(7, 6, generator=generator)}
    full = (delta["w.lora_B"].double() @ delta["w.lora_A"].double()).numpy()
    cut = truncate_delta(delta, 2)
    assert cut["w.lora_A"].shape == (2, 9) and cut["w.lora_B"].shape == (7, 2)
    u, s, vh = np.linalg.svd(full)
    best = (u[:, :2] * s[:2]) @ vh[:2]
    assert np.abs((cut["w.lora_B"] @ cut["w.lora_A"]).numpy() - best).max() < 1e-4
    kept = truncate_delta(delta, 6)
    assert torch.equal(kept["w.lora_A"], delta["w.lora_A"]) and torch.equal(kept["w.lora_B"], delta["w.lora_B"])


def test_a_soup_cut_to_a_rank_and_stored_in_float16_loads(config, tmp_path):
    from relvec.embedding.models import soup_delta_folders

    runs = []
    for seed in (0, 1):
        config.seed = seed
        train(config, tmp_path / f"seed{seed}", progress=False)
        runs.append(tmp_path / f"seed{seed}")
    exact = soup_delta_folders(runs, tmp_path / "exact")
    small = soup_delta_folders(runs, tmp_path / "small", rank=2, dtype="float16")
    factors = load_file(small / "delta.safetensors")
    assert {value.dtype for value in factors.values()} == {torch.float16}
    assert factors["encoder.layer.0.attention.self.query.weight.lora_A"].shape == (2, 32)
    assert json.loads((small / "relvec_config.json").read_text())["delta"]["dtype"] == "float16"
    a, b = RelationEncoder(exact, device="cpu").encode(PAIRS), RelationEncoder(small, device="cpu").encode(PAIRS)
    assert not np.array_equal(a, b) and np.abs(a - b).max() < 0.5
    with pytest.raises(RelvecError, match="dtype must be one of 'float32', 'float16'"):
        soup_delta_folders(runs, tmp_path / "bad", dtype="int8")
