"""The models that ship inside the package: present, small, listed in the package data, and loading to the
exact vectors recorded when they were shipped (a changed base, delta or loading path shows here)."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path

import numpy as np
import pytest

from relvec.embedding import builtin
from relvec.embedding.delta import file_sha256

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "fixtures" / "shipped_vectors.npz"
MB = 1 << 20


def _shipped() -> list[Path]:
    return [builtin.MODELS_DIR / name for name in builtin.BUILTINS]


def test_every_built_in_model_ships_with_its_manifest_and_delta():
    for folder in _shipped():
        config = json.loads((folder / "relvec_config.json").read_text())
        manifest = json.loads((folder / "manifest.json").read_text())
        delta = folder / config["delta"]["file"]
        assert file_sha256(delta) == config["delta"]["sha256"] == manifest["delta_sha256"]
        assert config["delta"]["base"] == builtin.BUILTINS[folder.name].base == manifest["base_encoder"]
        assert manifest["commands"] and all(command.startswith("relvec ") for command in manifest["commands"])
        assert {"valid", "test"} <= set(manifest["scores"])


def test_shipped_files_fit_the_size_budget():
    sizes = {folder.name: sum(f.stat().st_size for f in folder.iterdir()) for folder in _shipped()}
    assert all(size <= 8 * MB for size in sizes.values()), sizes
    assert sum(sizes.values()) <= 16 * MB, sizes


def test_the_package_data_globs_cover_every_shipped_file():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    globs = pyproject["tool"]["setuptools"]["package-data"]["relvec"]
    package = ROOT / "src" / "relvec"
    for folder in _shipped():
        for file in folder.iterdir():
            relative = file.relative_to(package).as_posix()
            assert any(fnmatch.fnmatch(relative, pattern) for pattern in globs), relative


@pytest.mark.integration
@pytest.mark.parametrize("name", list(builtin.BUILTINS))
def test_a_fresh_load_gives_the_vectors_recorded_when_it_shipped(name):
    from relvec import RelationEncoder

    if name == "relvec-mpnet" and not builtin.mpnet_installed():
        pytest.skip("the all-mpnet-base-v2 parts are not installed (" + builtin.MPNET_INSTALL + ")")
    recorded = np.load(FIXTURE)
    pairs = [tuple(line.split("\t")) for line in recorded["pairs"]]
    vectors = RelationEncoder(name, device="cpu").encode(pairs)
    assert vectors.shape == recorded[name].shape
    assert float(np.abs(vectors - recorded[name]).max()) <= 1e-5
