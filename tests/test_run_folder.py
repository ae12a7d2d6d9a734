"""The run folder's rules (refuse, overwrite, resume), its checkpoint and random state, on hand-made folders:
no model is loaded and nothing is trained."""

import json
import os
import random

import numpy as np
import pytest
import torch

from relvec import RelvecError
from relvec.training.config import TrainConfig
from relvec.training.randomness import random_state, set_random_state
from relvec.training.run_folder import CHECKPOINT, CHECKPOINT_KEYS, LOG, RUN_CONFIG, Progress, RunFolder


@pytest.fixture
def config():
    return TrainConfig(encoder="tiny", data="relations.jsonl", epochs=3, relations_per_step=2, lr=1e-3, device="cpu")


def make_run(folder, config, *, config_text=None, checkpoint=True):
    """What a run leaves behind: its config, its log and (after its first epoch) a checkpoint."""
    folder.mkdir()
    (folder / RUN_CONFIG).write_text(config_text if config_text is not None else json.dumps(config.to_dict()))
    (folder / LOG).write_text("")
    if checkpoint:
        RunFolder(folder).save_checkpoint(checkpoint_state())
    return RunFolder(folder)


def checkpoint_state(**changes):
    state = {
        "model": {"weight": torch.arange(4.0)},
        "optimizer": {"state": {}, "param_groups": []},
        "scheduler": {"last_epoch": 3},
        "random": random_state(),
        **Progress(epoch=1, step_in_epoch=1, global_step=3, history=[50.0]).to_checkpoint(),
    }
    return {**state, **changes}


def test_a_new_or_empty_folder_is_made_ready(config, tmp_path):
    assert RunFolder(tmp_path / "new" / "run").prepare(config, resume=False, overwrite=False) is False
    assert (tmp_path / "new" / "run").is_dir()
    (tmp_path / "empty").mkdir()
    assert RunFolder(tmp_path / "empty").prepare(config, resume=False, overwrite=True) is False


def test_an_occupied_output_folder_is_refused(config, tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "notes.txt").write_text("mine")
    folder = RunFolder(tmp_path / "run")
    with pytest.raises(RelvecError, match="already holds files; pass resume to continue it or overwrite"):
        folder.prepare(config, resume=False, overwrite=False)
    with pytest.raises(RelvecError, match="refusing to overwrite .*: it holds files but no relvec run"):
        folder.prepare(config, resume=False, overwrite=True)
    assert (tmp_path / "run" / "notes.txt").exists()


def test_overwrite_replaces_an_earlier_run(config, tmp_path):
    folder = make_run(tmp_path / "run", config)
    (tmp_path / "run" / "stale.txt").write_text("from the earlier run")
    assert folder.prepare(config, resume=False, overwrite=True) is False
    assert not (tmp_path / "run" / "stale.txt").exists()
    assert list((tmp_path / "run").iterdir()) == []


def test_resume_and_overwrite_together_are_refused(config, tmp_path):
    folder = make_run(tmp_path / "run", config)
    with pytest.raises(RelvecError, match="choose either resume or overwrite, not both"):
        folder.prepare(config, resume=True, overwrite=True)
    assert (tmp_path / "run" / CHECKPOINT / "state.pt").is_file()


def test_a_folder_that_is_a_file_is_refused(config, tmp_path):
    (tmp_path / "run").write_text("a file")
    with pytest.raises(RelvecError, match=r"output must be a folder \(it is a file\)"):
        RunFolder(tmp_path / "run").prepare(config, resume=False, overwrite=True)
    assert (tmp_path / "run").read_text() == "a file"


def test_resume_continues_the_same_run_on_another_device(config, tmp_path):
    folder = make_run(tmp_path / "run", config)
    config.device = "cuda"
    assert folder.prepare(config, resume=True, overwrite=False) is True


def test_resume_refuses_a_different_run(config, tmp_path):
    folder = make_run(tmp_path / "run", config)
    config.lr, config.seed = 5e-4, 1
    with pytest.raises(RelvecError, match="the run used different lr, seed$"):
        folder.prepare(config, resume=True, overwrite=False)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "nothing to resume: .* holds no run"),
        ("empty", "nothing to resume: .* holds no run"),
        ("not-a-run", "cannot resume: .* has no train_config.json, so it holds no relvec run"),
        ("a-list", "train_config.json does not hold a JSON object; start again with --overwrite"),
    ],
)
def test_resume_needs_a_relvec_run(config, tmp_path, setup, message):
    run = tmp_path / "run"
    if setup == "empty":
        run.mkdir()
    elif setup == "not-a-run":
        run.mkdir()
        (run / "notes.txt").write_text("mine")
    elif setup == "a-list":
        make_run(run, config, config_text="[]")
    with pytest.raises(RelvecError, match=message):
        RunFolder(run).prepare(config, resume=True, overwrite=False)


def test_corrupt_run_config_on_resume_says_how_to_start_again(config, tmp_path):
    folder = make_run(tmp_path / "run", config, config_text="{not json")
    with pytest.raises(RelvecError, match="train_config.json is not valid JSON .*start the run again with overwrite"):
        folder.prepare(config, resume=True, overwrite=False)


def test_a_run_killed_before_its_first_checkpoint_offers_overwrite(config, tmp_path):
    folder = make_run(tmp_path / "run", config, checkpoint=False)
    with pytest.raises(RelvecError, match="stopped before its first checkpoint.*overwrite"):
        folder.prepare(config, resume=True, overwrite=False)
    assert folder.prepare(config, resume=False, overwrite=True) is False
    folder.save_checkpoint(checkpoint_state())
    assert (tmp_path / "run" / CHECKPOINT / "state.pt").is_file()


def test_a_checkpoint_round_trips_and_replaces_the_previous_one(config, tmp_path):
    folder = make_run(tmp_path / "run", config)
    folder.save_checkpoint(checkpoint_state(history=[50.0, 62.5]))
    state = folder.load_checkpoint()
    assert set(state) == set(CHECKPOINT_KEYS)
    assert torch.equal(state["model"]["weight"], torch.arange(4.0))
    assert state["position"] == {"epoch": 1, "step_in_epoch": 1, "global_step": 3}
    assert state["history"] == [50.0, 62.5] and state["best"] == {"epoch": -1, "accuracy": -1.0}
    assert sorted(path.name for path in (tmp_path / "run").iterdir()) == [CHECKPOINT, RUN_CONFIG, LOG]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a checkpoint", r"checkpoint .*state.pt is corrupt"),
        (b"", r"checkpoint .*state.pt is corrupt"),
        ({"model": {}}, r"state.pt is corrupt \(expected a dict with model, optimizer, scheduler, random, position"),
        ([1, 2], r"state.pt is corrupt \(expected a dict with"),
    ],
)
def test_corrupt_checkpoint_is_reported(config, tmp_path, content, message):
    folder = make_run(tmp_path / "run", config)
    if isinstance(content, bytes):
        (folder.checkpoint / "state.pt").write_bytes(content)
    else:
        torch.save(content, folder.checkpoint / "state.pt")
    with pytest.raises(RelvecError, match=message):
        folder.load_checkpoint()


class _RunsCode:
    """Unpickling this object would call os.system: what a crafted checkpoint from someone else could hold."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_a_crafted_checkpoint_is_refused_without_running_its_code(config, tmp_path):
    folder = make_run(tmp_path / "run", config)
    torch.save(checkpoint_state(history=_RunsCode(tmp_path / "ran")), folder.checkpoint / "state.pt")
    with pytest.raises(RelvecError, match="holds objects other than tensors and plain values.*could run code"):
        folder.load_checkpoint()
    assert not (tmp_path / "ran").exists()


def test_checkpoint_random_state_round_trips_through_weights_only_loading(tmp_path):
    random.seed(1)
    np.random.seed(2)
    torch.manual_seed(3)
    np.random.standard_normal()  # leaves a cached gaussian in numpy's state
    random.gauss(0, 1)
    torch.save(random_state(), tmp_path / "state.pt")
    expected = (random.random(), np.random.standard_normal(), torch.rand(1).item())
    set_random_state(torch.load(tmp_path / "state.pt", weights_only=True))
    assert (random.random(), np.random.standard_normal(), torch.rand(1).item()) == expected


def test_a_corrupt_random_state_is_reported():
    with pytest.raises(RelvecError, match="checkpoint random state is corrupt"):
        set_random_state({"torch": torch.get_rng_state(), "numpy": {}, "python": {}})


def test_progress_keeps_the_best_epoch_and_round_trips_through_a_checkpoint():
    run = Progress(global_step=2, step_in_epoch=2)
    assert run.end_epoch(40.0) is True
    assert run.end_epoch(30.0) is False
    assert run.end_epoch(40.0) is False  # a tie keeps the earlier epoch
    assert (run.epoch, run.step_in_epoch, run.best_epoch, run.best_accuracy) == (3, 0, 0, 40.0)
    saved = run.to_checkpoint()
    assert saved == {
        "position": {"epoch": 3, "step_in_epoch": 0, "global_step": 2},
        "history": [40.0, 30.0, 40.0],
        "best": {"epoch": 0, "accuracy": 40.0},
    }
    assert Progress.from_checkpoint(saved) == run
    with pytest.raises(RelvecError, match="checkpoint position is corrupt"):
        Progress.from_checkpoint({**saved, "position": {"epoch": 1, "step": 2}})


def test_the_log_appends_one_json_line_per_record(tmp_path):
    folder = RunFolder(tmp_path)
    with folder.open_log() as log:
        log.write({"kind": "step", "step": 1})
        log.write({"kind": "epoch", "epoch": 0}, flush=True)
    with folder.open_log() as log:  # a resumed run continues the same file
        log.write({"kind": "step", "step": 2})
    lines = (tmp_path / LOG).read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"kind": "step", "step": 1},
        {"kind": "epoch", "epoch": 0},
        {"kind": "step", "step": 2},
    ]
