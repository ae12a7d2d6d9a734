import json
import os
import signal

import pytest
import torch

from relvec import RelationEncoder, RelvecError
from relvec.cli import main
from relvec.embedding.precision import resolve_precision
from relvec.training.config import TrainConfig
from relvec.training.loop import TrainingInterrupted, train
from relvec.training.run_folder import CHECKPOINT, CHECKPOINT_KEYS, RUN_CONFIG

RELATIONS = {
    "capital": [("paris", "france"), ("tokyo", "japan"), ("rome", "italy"), ("berlin", "germany"), ("oslo", "norway")],
    "comparative": [("big", "bigger"), ("small", "smaller"), ("tall", "taller"), ("fast", "faster"), ("old", "older")],
    "plural": [("cat", "cats"), ("dog", "dogs"), ("car", "cars"), ("tree", "trees"), ("book", "books")],
    "opposite": [("hot", "cold"), ("up", "down"), ("left", "right"), ("wet", "dry"), ("open", "closed")],
}
NEGATIVES = [("france", "paris"), ("bigger", "big"), ("cats", "cat")]


@pytest.fixture
def relation_file(tmp_path):
    path = tmp_path / "relations.jsonl"
    lines = [
        json.dumps({"relation": name, "positives": pairs, "negatives": NEGATIVES, "parent": name})
        for name, pairs in RELATIONS.items()
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def config(tiny_encoder_dir, relation_file):
    return TrainConfig(
        encoder=str(tiny_encoder_dir),
        data=str(relation_file),
        epochs=3,
        relations_per_step=2,
        lr=1e-3,
        warmup=0.5,
        device="cpu",
        static_weight=0.0,
    )


def make_run(folder, config, state):
    """A run folder as a run leaves it, with ``state`` (bytes or an object to pickle) as its checkpoint."""
    (folder / CHECKPOINT).mkdir(parents=True)
    (folder / RUN_CONFIG).write_text(json.dumps(config.to_dict()))
    if isinstance(state, bytes):
        (folder / CHECKPOINT / "state.pt").write_bytes(state)
    else:
        torch.save(state, folder / CHECKPOINT / "state.pt")


def final_weights(output):
    return torch.load(output / CHECKPOINT / "state.pt", weights_only=True)["model"]


def assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name


def test_training_writes_a_loadable_model_and_a_log(config, tmp_path):
    result = train(config, tmp_path / "run", progress=False)
    assert len(result.validation) == 3 and result.best_epoch in (0, 1, 2)
    assert result.best_accuracy == max(result.validation)
    log = [json.loads(line) for line in (tmp_path / "run" / "train_log.jsonl").read_text().splitlines()]
    steps = [r for r in log if r["kind"] == "step"]
    assert len(steps) == 3 * 2  # 4 relations, 2 per step, 3 epochs
    assert [r["validation_accuracy"] for r in log if r["kind"] == "epoch"] == result.validation
    assert steps[0]["lr"] < steps[1]["lr"]  # warm-up
    assert all(r["tokens"] > 2 * r["pairs"] and r["precision"] in ("fp32", "bf16") for r in steps)
    encoder = RelationEncoder(tmp_path / "run", device="cpu")
    assert encoder.encode([("paris", "france")]).shape == (1, 32)


def test_training_changes_the_encoder_and_lowers_the_loss(config, tmp_path):
    config.epochs = 8
    before = RelationEncoder(config.encoder, device="cpu").encode([("paris", "france")])
    train(config, tmp_path / "run", progress=False)
    after = RelationEncoder(tmp_path / "run", device="cpu").encode([("paris", "france")])
    assert not torch.allclose(torch.from_numpy(before), torch.from_numpy(after))
    losses = [
        json.loads(line)["loss"]
        for line in (tmp_path / "run" / "train_log.jsonl").read_text().splitlines()
        if '"step"' in line
    ]
    assert sum(losses[-4:]) < sum(losses[:4])


def test_same_seed_same_weights(config, tmp_path):
    train(config, tmp_path / "a", progress=False)
    train(config, tmp_path / "b", progress=False)
    assert_same_weights(final_weights(tmp_path / "a"), final_weights(tmp_path / "b"))


def test_interrupt_then_resume_equals_an_uninterrupted_run(config, tmp_path):
    train(config, tmp_path / "straight", progress=False)

    def interrupt_at_step_3(record):
        if record["step"] == 3:  # mid-epoch: epoch 2 of 3, first step done
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(TrainingInterrupted, match="interrupted at step 3; checkpoint saved"):
        train(config, tmp_path / "resumed", progress=False, on_step=interrupt_at_step_3)
    state = torch.load(tmp_path / "resumed" / CHECKPOINT / "state.pt", weights_only=True)
    assert state["position"] == {"epoch": 1, "step_in_epoch": 1, "global_step": 3}
    result = train(config, tmp_path / "resumed", progress=False, resume=True)
    assert len(result.validation) == 3
    assert_same_weights(final_weights(tmp_path / "straight"), final_weights(tmp_path / "resumed"))


def test_corrupt_checkpoint_is_reported_before_training(config, tmp_path, monkeypatch):
    import relvec.training.loop

    def no_training(*args, **kwargs):
        raise AssertionError("the encoder was loaded before the checkpoint was read")

    monkeypatch.setattr(relvec.training.loop.Trainer, "build", no_training)
    make_run(tmp_path / "run", config, state=b"not a checkpoint")
    with pytest.raises(RelvecError, match="checkpoint .*state.pt is corrupt"):
        train(config, tmp_path / "run", progress=False, resume=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"loss": "nce"}, "loss must be one of 'infonce', 'infoloob', 'triplet'"),
        ({"temperature": 0.0}, "temperature must be a number in"),
        ({"loss": "triplet", "margin": 5}, "margin must be a number in"),
        ({"template": "<subj> <obj>"}, "exactly one <mask>"),
        ({"pooling": "max"}, "pooling must be one of"),
        ({"lr": 2}, r"lr must be a learning rate in \(0, 1\)"),
        ({"epochs": 0}, "epochs must be a positive integer"),
        ({"device": "gpu0"}, "device must be a torch device"),
        ({"precision": "fp16"}, "precision must be one of 'auto', 'fp32', 'bf16'"),
        ({"dropout": 1.0}, r"dropout must be null \(the encoder's own\) or a rate in \[0, 1\); got 1.0"),
    ],
)
def test_bad_options_fail_before_anything_loads(config, tmp_path, change, message):
    for name, value in change.items():
        setattr(config, name, value)
    with pytest.raises(RelvecError, match=message):
        train(config, tmp_path / "run", progress=False)
    assert not (tmp_path / "run").exists()


def test_a_relation_set_with_one_relation_is_refused(config, tmp_path):
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps({"relation": "capital", "positives": RELATIONS["capital"]}) + "\n")
    config.data = str(one)
    with pytest.raises(RelvecError, match="training needs at least 2 relations; got 1"):
        train(config, tmp_path / "run", progress=False)


def test_cli_train_with_config_file_and_override(config, tmp_path, capsys):
    recipe = tmp_path / "recipe.json"
    recipe.write_text(json.dumps({**config.to_dict(), "epochs": 5}))
    command = ["train", "--config", str(recipe), "--epochs", "1", "--precision", "fp32", "-o", str(tmp_path / "run")]
    assert main([*command, "-q"]) == 0
    saved = json.loads((tmp_path / "run" / "train_config.json").read_text())
    assert saved["epochs"] == 1 and saved["precision"] == "fp32"
    assert "validation accuracy by epoch" in capsys.readouterr().err


def test_cli_train_unknown_config_key(tmp_path, capsys):
    recipe = tmp_path / "recipe.json"
    recipe.write_text(json.dumps({"learning_rate": 0.1}))
    assert main(["train", "--config", str(recipe), "-o", str(tmp_path / "run")]) == 2
    assert "unknown option(s) learning_rate" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("amx", "avx512_bf16", "device", "expected"),
    [
        (True, False, "cpu", "bf16"),
        (False, True, "cpu", "bf16"),
        (False, False, "cpu", "fp32"),
        (False, False, "cuda", "bf16"),
    ],
)
def test_auto_precision_is_bf16_only_where_the_hardware_is_fast_at_it(monkeypatch, amx, avx512_bf16, device, expected):
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16)
    assert resolve_precision("auto", torch.device(device), training=True).precision == expected
    assert resolve_precision("fp32", torch.device(device), training=True).precision == "fp32"


def test_fp32_training_logs_its_precision(config, tmp_path):
    config.precision, config.epochs = "fp32", 1
    train(config, tmp_path / "run", progress=False)
    log = [json.loads(line) for line in (tmp_path / "run" / "train_log.jsonl").read_text().splitlines()]
    assert {r["precision"] for r in log if r["kind"] == "step"} == {"fp32"}


def test_dropout_option_sets_the_training_dropout(config, tmp_path):
    config.epochs = 1
    train(config, tmp_path / "own", progress=False)  # the tiny encoder's own dropout is 0.1
    config.dropout = 0.0
    train(config, tmp_path / "none", progress=False)
    own, none = final_weights(tmp_path / "own"), final_weights(tmp_path / "none")
    assert any(not torch.equal(own[name], none[name]) for name in own)


class _RunsCode:
    """Unpickling this object would call os.system: what a crafted checkpoint from someone else could hold."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_a_crafted_checkpoint_is_refused_without_running_its_code(config, tmp_path, capsys):
    marker = tmp_path / "ran"
    state = {key: {} for key in CHECKPOINT_KEYS}
    state["history"] = _RunsCode(marker)
    make_run(tmp_path / "run", config, state=state)
    with pytest.raises(RelvecError, match="holds objects other than tensors and plain values.*could run code"):
        train(config, tmp_path / "run", progress=False, resume=True)
    assert not marker.exists()
    assert main(["train", "-o", str(tmp_path / "run"), "--resume", "-q", "--recipe", "minilm-full",
                 "--encoder", config.encoder, "--data", config.data, "--epochs", "3", "--relations-per-step", "2",
                 "--lr", "1e-3", "--warmup", "0.5",
                 "--device", "cpu", "--static-weight", "0"]) == 2  # fmt: skip
    assert "holds objects other than tensors" in capsys.readouterr().err  # the same run: refused at the checkpoint
    assert not marker.exists()


def test_learning_rate_warms_up_then_decays_linearly_to_zero():
    from relvec.training.trainer import learning_rate_schedule

    factor = learning_rate_schedule(total_steps=10, warmup=0.2)
    assert [factor(step) for step in range(11)] == [0.5, 1.0, 1.0, 7 / 8, 6 / 8, 5 / 8, 4 / 8, 3 / 8, 2 / 8, 1 / 8, 0.0]
    assert learning_rate_schedule(total_steps=4, warmup=0.0)(0) == 1.0


def test_a_stop_request_waits_for_the_step_boundary_and_the_handlers_come_back():
    from relvec.training.loop import stop_requests

    before = signal.getsignal(signal.SIGTERM)
    with stop_requests() as stop:
        assert stop.signal is None
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.signal == signal.SIGTERM  # recorded, not acted on
        with pytest.raises(KeyboardInterrupt):  # a second signal stops at once
            os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGTERM) is before


def test_training_has_a_python_entry_point_at_the_top_level():
    import relvec
    from relvec.training.config import TrainConfig
    from relvec.training.loop import train

    assert relvec.train is train and relvec.TrainConfig is TrainConfig
    assert {"train", "TrainConfig"} <= set(relvec.__all__)
