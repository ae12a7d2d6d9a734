"""``relvec embed --ray``: bit-identical to single-process embed; every bad input fails before Ray starts."""

from __future__ import annotations

import socket

import numpy as np
import pytest

from relvec import RelationEncoder
from relvec.cli import main
from relvec.embedding.options import EncoderOptions
from relvec.io import ray_embed as ray_embed_module
from relvec.io.ray_embed import input_files, plan_chunks, read_chunk

PAIRS = [("paris", "france"), ("cat", "animal"), ("paris", "france"), ("big", "bigger"), ("x", "y")]


def write_tsv(path, pairs):
    path.write_text("".join(f"{h}\t{t}\n" for h, t in pairs), encoding="utf-8")
    return path


def shards(tmp_path):
    """Three shards (one JSONL, a blank line, a shard shorter than a chunk): 15 pairs in all."""
    folder = tmp_path / "shards"
    folder.mkdir()
    pairs = PAIRS * 3
    write_tsv(folder / "part-0.tsv", pairs[:7])
    (folder / "part-1.jsonl").write_text("\n".join(f'["{h}", "{t}"]' for h, t in pairs[7:9]) + "\n\n")
    write_tsv(folder / "part-2.tsv", pairs[9:])
    return folder, pairs


def test_chunk_plan_reads_back_the_same_chunks_across_shards(tmp_path):
    folder, pairs = shards(tmp_path)
    plan = plan_chunks(input_files(str(folder)), 4)
    assert plan.total == 15 and [c.pairs for c in plan.chunks] == [4, 4, 4, 3]
    assert plan.formats == ["tsv", "jsonl", "tsv"]
    read = [read_chunk(plan.files, plan.formats, c.file, c.offset, c.pairs) for c in plan.chunks]
    assert read == [pairs[i : i + 4] for i in range(0, 15, 4)]
    assert input_files(str(folder / "part-*.tsv")) == [folder / "part-0.tsv", folder / "part-2.tsv"]


def test_ray_output_is_bit_identical_to_single_process_embed(tiny_encoder_dir, tmp_path):
    ray = pytest.importorskip("ray")
    folder, pairs = shards(tmp_path)
    out = tmp_path / "ray.npy"
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        command = ["embed", str(folder), "-o", str(out), "-m", str(tiny_encoder_dir), "--chunk-size", "4", "-b", "3"]
        assert main([*command, "--device", "cpu", "--ray", "--workers", "2", "-q"]) == 0
    finally:
        ray.shutdown()
    single = tmp_path / "single.npy"
    write_tsv(tmp_path / "all.tsv", pairs)
    command = ["embed", str(tmp_path / "all.tsv"), "-o", str(single), "-m", str(tiny_encoder_dir)]
    assert main([*command, "--chunk-size", "4", "-b", "3", "--device", "cpu", "-q"]) == 0
    np.testing.assert_array_equal(np.load(out), np.load(single))
    expected = RelationEncoder(tiny_encoder_dir, device="cpu", chunk_size=4, batch_size=3).encode(pairs)
    np.testing.assert_array_equal(np.load(out), expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all.tsv", "ray.npy", "shards", "single.npy"]


@pytest.fixture
def no_ray_start(monkeypatch):
    monkeypatch.setattr(ray_embed_module, "embed_on_ray", lambda *a, **k: pytest.fail("started Ray"))
    monkeypatch.setattr("relvec.embedding.encoder.load_pretrained", lambda source: pytest.fail("loaded a model"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--ray", f"127.0.0.1:{free_port()}"], "cannot reach a Ray cluster there"),
        (["--ray", "nonsense"], "expected HOST:PORT, ray://HOST:PORT or 'auto'"),
        (["--ray", "--precision", "int4"], "precision must be one of"),
        (["--ray", "--workers", "0"], "--workers must be a positive integer"),
    ],
)
def test_bad_ray_inputs_fail_before_any_work(tiny_encoder_dir, tmp_path, capsys, no_ray_start, extra, message):
    source = write_tsv(tmp_path / "pairs.tsv", PAIRS)
    assert main(["embed", str(source), "-o", str(tmp_path / "v.npy"), "-m", str(tiny_encoder_dir), *extra]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "v.npy").exists()


def test_ray_refuses_an_existing_output_and_a_bad_line(tiny_encoder_dir, tmp_path, capsys, no_ray_start):
    source = write_tsv(tmp_path / "pairs.tsv", PAIRS)
    existing = tmp_path / "v.npy"
    existing.write_bytes(b"keep")
    assert main(["embed", str(source), "-o", str(existing), "-m", str(tiny_encoder_dir), "--ray"]) == 2
    assert "already exists" in capsys.readouterr().err and existing.read_bytes() == b"keep"
    source.write_text("paris\tfrance\nonly-one-field\n", encoding="utf-8")
    assert main(["embed", str(source), "-o", str(tmp_path / "w.npy"), "-m", str(tiny_encoder_dir), "--ray"]) == 2
    assert "pairs.tsv, line 2: expected 'head<TAB>tail'" in capsys.readouterr().err


def test_ray_not_installed_names_the_extra(tiny_encoder_dir, tmp_path, capsys, monkeypatch, no_ray_start):
    monkeypatch.setattr(ray_embed_module.importlib.util, "find_spec", lambda name: None)
    source = write_tsv(tmp_path / "pairs.tsv", PAIRS)
    assert main(["embed", str(source), "-o", str(tmp_path / "v.npy"), "--ray"]) == 2
    assert "--ray needs Ray, which is not installed: pip install 'relvec[ray]'" in capsys.readouterr().err


def test_a_failed_run_leaves_no_output_under_the_final_name(tmp_path, monkeypatch):
    ray = pytest.importorskip("ray")
    plan = plan_chunks([write_tsv(tmp_path / "pairs.tsv", PAIRS)], 2)
    monkeypatch.setattr(ray, "init", lambda **kwargs: None)
    monkeypatch.setattr(ray, "shutdown", lambda: None)
    monkeypatch.setattr(ray, "cluster_resources", lambda: {"CPU": 1})

    class Dying:
        def map_batches(self, *args, **kwargs):
            return self

        def iter_rows(self):
            yield {"index": 0, "vectors": np.zeros((2, 4), np.float32).tobytes()}
            raise KeyboardInterrupt  # the job killed halfway

    monkeypatch.setattr(ray.data, "from_items", lambda rows, **kwargs: Dying())
    with pytest.raises(KeyboardInterrupt):
        ray_embed_module.embed_on_ray(
            plan, tmp_path / "v.npy", None, EncoderOptions(), 4, address=None, workers=1, progress=False
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pairs.tsv"]
