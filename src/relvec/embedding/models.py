"""Where encoders come from: relvec's shipped models, the embedded packages, a local folder, or a Hugging Face
model name; and the model folder format.

Nothing here touches the network unless the user names a Hub model that is not on disk; the embedded
encoders load from site-packages with ``local_files_only``. A model folder is either full Hugging Face weights
and tokenizer plus ``relvec_config.json``, or a *delta folder*: ``relvec_config.json`` naming its base encoder
and a small low-rank delta over it (relvec.embedding.delta), which is how adapter-trained runs and relvec's
shipped models are stored.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModel, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase
from transformers.utils import logging as transformers_logging

from relvec.embedding.builtin import (
    BUILTINS,
    builtin_path,
    default_model,
)
from relvec.embedding.delta import (
    DELTA_DTYPES,
    DELTA_FILE,
    apply_delta_cached,
    average_deltas,
    base_sha256,
    delta_config,
    delta_parameters,
    merged_cache_file,
    read_delta,
    save_delta,
    truncate_delta,
)
from relvec.embedding.embedded import MINILM, MPNET, embedded_minilm_path, embedded_mpnet_path
from relvec.embedding.folder_checks import WEIGHT_FILES, check_loaded_weights, check_model_folder, loading_error
from relvec.errors import RelvecError, check_choice, check_int, invalid
from relvec.files.outputs import check_output_folder, write_text_atomic

#: File that marks a relvec folder, beside the Hugging Face ``config.json`` and weights.
RELVEC_CONFIG = "relvec_config.json"
#: 1: full weights; 2: a delta folder (a ``delta`` block over a base encoder).
FORMAT_VERSION = 2

_ALIASES = {
    "minilm": MINILM,
    MINILM.lower(): MINILM,
    f"sentence-transformers/{MINILM}".lower(): MINILM,
    "mpnet": MPNET,
    MPNET: MPNET,
    f"sentence-transformers/{MPNET}": MPNET,
}
_HUB_NAME = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


def resolve_source(encoder: str | os.PathLike[str] | None) -> tuple[Path | str, str]:
    """Map what a user names to (a local folder or a Hub name, a display name) without loading anything.

    No name (or ``"default"``) means relvec's strongest shipped model that this machine can load
    (:func:`relvec.embedding.builtin.default_model`); ``all-MiniLM-L6-v2`` names the untrained embedded encoder.
    """
    if encoder is None or (isinstance(encoder, str) and encoder.lower() == "default"):
        encoder = default_model()
    if isinstance(encoder, str) and encoder.lower() in BUILTINS:
        return builtin_path(encoder.lower()), encoder.lower()
    return resolve_encoder(encoder)


def resolve_encoder(encoder: str | os.PathLike[str]) -> tuple[Path | str, str]:
    """:func:`resolve_source` for everything but relvec's shipped models: an embedded encoder, a folder or a
    Hub name."""
    if not isinstance(encoder, (str, os.PathLike)):
        raise invalid("encoder", encoder, "an encoder name, a model folder or a Hugging Face model name")
    text = os.fspath(encoder)
    path = Path(text).expanduser()
    if path.exists():
        if not path.is_dir():
            raise invalid("encoder", text, "a model folder, not a file")
        return path, text
    alias = _ALIASES.get(text.lower())
    if alias == MINILM:
        return embedded_minilm_path(), MINILM
    if alias == MPNET:
        try:
            return embedded_mpnet_path(), MPNET
        except RelvecError:
            if text.lower() != f"sentence-transformers/{MPNET}":
                raise
    parts = Path(text).parts
    if text.startswith((".", "/", "~", os.sep)) or (len(parts) > 1 and Path(parts[0]).expanduser().is_dir()):
        # A mistyped local folder such as runs/my-modle also fits the Hub's owner/name pattern; asking the Hub
        # would cost a minute of retries offline and then blame the network.
        raise invalid("encoder", text, f"an existing model folder ({path} does not exist)")
    if not _HUB_NAME.match(text):
        raise invalid("encoder", text, "an existing model folder, a known encoder name or a Hugging Face model name")
    return text, text


def read_folder_settings(folder: Path) -> dict[str, Any]:
    """relvec settings (template, pooling) stored in ``folder``, also from a reference-implementation folder."""
    relvec_file = folder / RELVEC_CONFIG
    if relvec_file.is_file():
        settings = _read_json(relvec_file, f"model folder {folder}: {RELVEC_CONFIG}")
        version = settings.get("format_version") if isinstance(settings, dict) else None
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise RelvecError(
                f"model folder {folder}: {RELVEC_CONFIG} has format_version {version!r}; this relvec reads "
                f"versions up to {FORMAT_VERSION} (upgrade relvec)"
            )
        return {key: settings[key] for key in ("template", "pooling", "static_weight", "delta") if key in settings}
    config_file = folder / "config.json"
    if not config_file.is_file():
        raise RelvecError(f"model folder {folder} has no config.json: it is not a Hugging Face or relvec model folder")
    config = _read_json(config_file, f"model folder {folder}: config.json")
    relbert_config = config.get("relbert_config") if isinstance(config, dict) else None
    return _reference_settings(relbert_config)


def _read_json(file: Path, what: str) -> Any:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:  # ValueError: JSONDecodeError and UnicodeDecodeError
        raise RelvecError(f"{what} is not valid JSON ({error})") from error


def _reference_settings(relbert_config: Any) -> dict[str, Any]:
    """Settings from the ``relbert_config`` block that the reference implementation writes into config.json.

    relbert 2.x writes ``template`` and ``aggregation_mode``; older versions wrote ``mode`` and a
    ``template_type`` letter, which maps onto the same paper templates.
    """
    if not isinstance(relbert_config, dict):
        return {}
    settings = {}
    template = relbert_config.get("template") or relbert_config.get("template_type")
    if template:
        settings["template"] = template
    pooling = relbert_config.get("aggregation_mode") or relbert_config.get("mode")
    if pooling:
        settings["pooling"] = pooling
    return settings


def load_pretrained(source: Path | str) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    """Load a tokenizer and transformer (float32, eval mode) from a folder or a Hub name; a delta folder loads
    its base encoder and merges the delta into it."""
    if isinstance(source, Path) and (source / RELVEC_CONFIG).is_file():
        meta = read_folder_settings(source).get("delta")
        if meta is not None:
            return _load_delta_folder(source, meta)
    return _load_weights(source)


def _load_delta_folder(folder: Path, meta: Any) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    where = f"model folder {folder}"
    if not isinstance(meta, dict) or not isinstance(meta.get("base"), str):
        raise RelvecError(f"{where}: {RELVEC_CONFIG} has a 'delta' block without its base encoder's name")
    base_name = meta["base"]
    if base_name.lower() in BUILTINS:
        raise RelvecError(f"{where}: a delta's base must be an encoder, not the relvec model {base_name!r}")
    base, _ = resolve_encoder(base_name)
    if not isinstance(base, Path):
        raise RelvecError(f"{where}: its base encoder {base_name!r} is not on this machine")
    actual = base_sha256(base)
    if actual != meta.get("base_sha256"):
        raise RelvecError(
            f"{where}: its base encoder {base_name!r} ({base}) has weights with sha256 {actual}, but the delta was "
            f"trained on {meta.get('base_sha256')!r}; refusing a mismatched model (reinstall the base encoder's "
            "package)"
        )
    factors = read_delta(folder, meta)  # checks the delta file against its recorded sha256
    tokenizer, model = _load_weights(base)
    cached = merged_cache_file(meta["sha256"], actual)
    apply_delta_cached(model, factors, f"{where}: {meta.get('file', DELTA_FILE)}", cached)
    return tokenizer, model


def _load_weights(source: Path | str) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    """Tokenizer and model of a Hugging Face folder or Hub name; no code of the folder's ever runs (see
    relvec.embedding.folder_checks), and weights that do not fit the config are refused."""
    local = isinstance(source, Path)
    if local:
        check_model_folder(source)  # before transformers reads anything: auto_map, impossible sizes
    transformers_logging.disable_progress_bar()  # relvec shows its own progress; loading is quick
    where = f"model folder {source}" if local else f"Hugging Face model {source!r} (are you online?)"
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=local, trust_remote_code=False)
        model, info = AutoModel.from_pretrained(
            source, local_files_only=local, dtype=torch.float32, trust_remote_code=False, output_loading_info=True
        )
    except Exception as error:  # transformers raises OSError, ValueError, safetensors and unpickling errors ...
        raise loading_error(error, where) from error
    weights = next((name for name in WEIGHT_FILES if local and (source / name).is_file()), "its weights")
    check_loaded_weights(model, info, where, weights)
    if tokenizer.mask_token is None:
        raise RelvecError(f"encoder {str(source)!r} has a tokenizer with no mask token; relvec templates need one")
    check_tokenizer(tokenizer, model, f"encoder {str(source)!r}")
    return tokenizer, model.eval()


#: Words every usable tokenizer of a language model knows; a tokenizer that maps them all to its unknown
#: token has lost its vocabulary (e.g. a folder whose tokenizer files were deleted).
_PROBE_WORDS = ["the", "of", "and", "is", "water"]


def check_tokenizer(tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel, where: str) -> None:
    """Refuse a tokenizer that would turn every word into the same tokens, or give ids the model lacks.

    A folder without its tokenizer files still loads a tokenizer of only the special tokens, which makes
    every pair the same vector without an error; this is the check that stops it.
    """
    special = set(tokenizer.all_special_ids)
    if len(tokenizer) <= len(special):
        raise RelvecError(
            f"{where}: its tokenizer has only special tokens ({len(tokenizer)} in all), so every word would be "
            "unknown; the folder is missing its tokenizer files (tokenizer.json, vocab.txt, ...)"
        )
    unknown = tokenizer.unk_token_id
    probes = tokenizer(_PROBE_WORDS, add_special_tokens=False)["input_ids"]
    if unknown is not None and all(not ids or set(ids) == {unknown} for ids in probes):
        raise RelvecError(
            f"{where}: its tokenizer maps even {', '.join(_PROBE_WORDS)} to the unknown token "
            f"{tokenizer.unk_token!r}; the folder's tokenizer files are broken or missing"
        )
    vocab_size = getattr(model.config, "vocab_size", None)
    if isinstance(vocab_size, int) and len(tokenizer) > vocab_size:
        raise RelvecError(
            f"{where}: its tokenizer has {len(tokenizer)} tokens but the model only {vocab_size} embeddings; "
            "the tokenizer and the weights do not belong together"
        )


def save_folder(
    folder: str | os.PathLike[str],
    tokenizer: PreTrainedTokenizerBase,
    model: PreTrainedModel,
    settings: dict[str, Any],
) -> Path:
    """Write weights and tokenizer in Hugging Face format plus a versioned ``relvec_config.json``."""
    path = check_output_folder("folder", folder)
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    config = {"format_version": 1, **settings}
    (path / RELVEC_CONFIG).write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def save_delta_folder(
    folder: str | os.PathLike[str],
    base: str,
    factors: dict[str, torch.Tensor],
    settings: dict[str, Any],
    *,
    dtype: str = "float32",
) -> Path:
    """Write a delta folder: ``factors`` over the embedded or local encoder ``base`` plus ``relvec_config.json``
    (the delta file's and the base weights' sha256 included, so a changed file is refused on load)."""
    path = check_output_folder("folder", folder)
    source, _ = resolve_encoder(base)
    if not isinstance(source, Path):
        raise invalid("encoder", base, "a local base encoder (an embedded name or a folder) to save a delta over")
    path.mkdir(parents=True, exist_ok=True)
    file = save_delta(path, factors, dtype)
    facts = {"kind": "lora", "parameters": delta_parameters(factors), "dtype": dtype}
    config = {
        "format_version": FORMAT_VERSION,
        **settings,
        "delta": delta_config(base, base_sha256(source), file, **facts),
    }
    write_text_atomic(path / RELVEC_CONFIG, json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    return path


def config_source(source: Path | str) -> Path | str:
    """Where the transformer's ``config.json`` of ``source`` is: the base encoder's folder for a delta folder."""
    if isinstance(source, Path) and (source / RELVEC_CONFIG).is_file():
        meta = read_folder_settings(source).get("delta")
        if isinstance(meta, dict) and isinstance(meta.get("base"), str):
            return resolve_encoder(meta["base"])[0]
    return source


def soup_delta_folders(
    runs: list[str | os.PathLike[str]],
    folder: str | os.PathLike[str],
    *,
    static_weight: float | None = None,
    rank: int | None = None,
    dtype: str = "float32",
) -> Path:
    """Write the uniform soup of several delta folders of one recipe (same base, template and pooling): the
    average of their merged weights, exactly (relvec.embedding.delta.average_deltas), or with ``rank`` its best
    approximation of that rank per weight (truncated SVD), stored as ``dtype``. ``static_weight`` replaces the
    runs' hybrid weight (chosen on validation after the soup), else theirs is kept."""
    if not isinstance(runs, (list, tuple)) or len(runs) < 2:
        raise invalid("runs", runs, "two or more delta folders (relvec train --adapter runs of one recipe)")
    configs, factors = [], []
    for run in runs:
        path = Path(run)
        settings = read_folder_settings(path) if path.is_dir() else {}
        meta = settings.get("delta")
        if not isinstance(meta, dict):
            raise invalid("runs", os.fspath(run), "a delta folder (the output of relvec train --adapter lora)")
        configs.append(settings)
        factors.append(read_delta(path, meta))
    for key in ("template", "pooling"):
        if len({str(c.get(key)) for c in configs}) != 1:
            raise RelvecError(f"the runs differ in {key}; a soup averages runs of one recipe")
    for key in ("base", "base_sha256"):
        if len({str(c["delta"].get(key)) for c in configs}) != 1:
            raise RelvecError(f"the runs' deltas differ in their {key.replace('_', ' ')}; a soup needs one base")
    settings = {key: configs[0][key] for key in ("template", "pooling") if key in configs[0]}
    weight = configs[0].get("static_weight", 0.0) if static_weight is None else static_weight
    if weight:
        settings["static_weight"] = weight
    settings["soup_of"] = [os.fspath(run) for run in runs]
    soup = average_deltas(factors)
    if rank is not None:
        soup = truncate_delta(soup, check_int("rank", rank, minimum=1, maximum=4096))
    check_choice("dtype", dtype, DELTA_DTYPES)
    return save_delta_folder(folder, configs[0]["delta"]["base"], soup, settings, dtype=dtype)
