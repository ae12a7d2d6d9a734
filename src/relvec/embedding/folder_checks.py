"""What relvec checks in a model folder before transformers reads any of it, and in what transformers loaded.

A model folder may come from someone else. relvec never runs a folder's code: every transformers load passes
``trust_remote_code=False``, and a folder whose config.json or tokenizer files map classes to Python files
beside them (``auto_map``) is refused here, before transformers could ask "run this code? [y/N]". Weights are
read as tensors only (safetensors, or ``torch.load(weights_only=True)`` for a ``.bin``); a pickle holding
anything else is refused in one line. A config that cannot describe a model (``num_hidden_layers: -1``) is
refused naming the field, and after loading, weights that do not fit the config (``model_type: gpt2`` over BERT
weights: all missing, so randomly initialised) are refused naming the file. See docs/reliability.md.
"""

from __future__ import annotations

import json
import math
import pickle
from pathlib import Path
from typing import Any

from relvec.errors import RelvecError

#: Files in which transformers looks for ``auto_map`` (classes defined by Python files in the folder).
CODE_MAP_FILES = (
    "config.json",
    "tokenizer_config.json",
    "processor_config.json",
    "preprocessor_config.json",
    "feature_extractor_config.json",
)
#: config.json sizes that must be positive integers wherever they are given.
POSITIVE_SIZES = (
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "vocab_size",
    "max_position_embeddings",
)
#: Weights the checkpoint may lack: the pooler (relvec pools hidden states itself; a masked-LM checkpoint
#: has none, and transformers initialises it at random without harm to relvec's vectors).
UNUSED_MODULES = ("pooler",)
#: Weights files transformers reads from a folder, in the order it prefers them.
WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
#: The largest hybrid weight whose square root, scaling a unit vector, stays a finite float32.
MAX_STATIC_WEIGHT = 3.4e38


def read_json_object(path: Path, where: str) -> dict[str, Any]:
    """A JSON file that must hold an object; any other content is one error naming the file."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise RelvecError(
            f"{where}: {path.name} is not valid UTF-8 text ({error.reason} at byte {error.start})"
        ) from None
    except OSError as error:
        raise RelvecError(f"{where}: {path.name} cannot be read ({error.strerror or error})") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise RelvecError(f"{where}: {path.name} is not valid JSON ({error.msg} at line {error.lineno})") from None
    if not isinstance(value, dict):
        raise RelvecError(f"{where}: {path.name} must hold a JSON object; got {type(value).__name__}")
    return value


def check_model_folder(folder: Path) -> None:
    """Refuse a Hugging Face model folder that would run code or cannot be a model, before transformers reads it.

    Checks: config.json is a UTF-8 JSON object with a ``model_type`` and positive sizes; no ``auto_map`` in
    config.json or the tokenizer's or processor's files; relvec_config.json, if present, is a JSON object whose
    ``static_weight`` gives finite vectors.
    """
    where = f"model folder {folder}"
    config_file = folder / "config.json"
    if not config_file.is_file():
        raise RelvecError(f"{where} has no config.json: it is not a Hugging Face or relvec model folder")
    for name in CODE_MAP_FILES:
        if (folder / name).is_file() and "auto_map" in read_json_object(folder / name, where):
            raise RelvecError(
                f"{where}: {name} has an auto_map entry (custom code: Python files in the folder define its classes); "
                "relvec never runs a model folder's code, so it refuses the folder"
            )
    config = read_json_object(config_file, where)
    if not isinstance(config.get("model_type"), str) or not config["model_type"]:
        raise RelvecError(f"{where}: config.json has no model_type (such as 'bert'); transformers needs one")
    for name in POSITIVE_SIZES:
        value = config.get(name)
        if name in config and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise RelvecError(f"{where}: config.json: {name} must be a positive integer; got {value!r}")
    heads, hidden = config.get("num_attention_heads"), config.get("hidden_size")
    if isinstance(heads, int) and isinstance(hidden, int) and hidden % heads:
        raise RelvecError(
            f"{where}: config.json: hidden_size {hidden} is not a multiple of num_attention_heads {heads}"
        )
    if (folder / "relvec_config.json").is_file():
        check_static_weight_setting(read_json_object(folder / "relvec_config.json", where), where)


def check_static_weight_setting(settings: dict[str, Any], where: str) -> None:
    """Refuse a stored hybrid weight that is not a number from 0 to :data:`MAX_STATIC_WEIGHT` (beyond it the
    static part of every vector is inf)."""
    if "static_weight" not in settings:
        return
    weight = settings["static_weight"]
    number = isinstance(weight, (int, float)) and not isinstance(weight, bool)
    if not number or not math.isfinite(weight) or not 0 <= weight <= MAX_STATIC_WEIGHT:
        raise RelvecError(
            f"{where}: relvec_config.json: static_weight must be a number from 0 to {MAX_STATIC_WEIGHT:g} (larger "
            f"weights make every static part inf); got {weight!r}"
        )


def loading_error(error: BaseException, where: str) -> RelvecError:
    """One line for whatever transformers raised while loading: a refused pickle says so, anything else is the
    last line of its message."""
    chain, seen = error, set()
    while chain is not None and id(chain) not in seen:
        seen.add(id(chain))
        if isinstance(chain, pickle.UnpicklingError):
            return RelvecError(
                f"{where}: pytorch_model.bin holds non-tensor pickle data (which could run code) and was refused "
                "unread; use a copy of the model saved as model.safetensors"
            )
        chain = chain.__cause__ or chain.__context__
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    reason = lines[0] if lines else ""
    if len(reason) > 300:
        reason = reason[:297] + "..."
    return RelvecError(f"could not load an encoder from {where}: {type(error).__name__}: {reason}")


def check_loaded_weights(model: Any, info: dict[str, Any], where: str, weights: str) -> None:
    """Refuse a model whose weights file ``weights`` does not fit its config: a weight it lacks is initialised at
    random, and a weight of the model's own modules left unused means the config describes another model."""
    missing = sorted(key for key in info.get("missing_keys", ()) if key.split(".")[0] not in UNUSED_MODULES)
    own = {name for name, _ in model.named_children()}
    unused = sorted(key for key in info.get("unexpected_keys", ()) if key.split(".")[0] in own)
    mismatched = sorted(
        str(item[0]) if isinstance(item, tuple) else str(item) for item in info.get("mismatched_keys", ())
    )
    if not (missing or unused or mismatched):
        return
    parts = []
    if missing:
        parts.append(f"{len(missing)} weight(s) missing, so random (e.g. {missing[0]})")
    if unused:
        parts.append(f"{len(unused)} weight(s) of the model's own layers unused (e.g. {unused[0]})")
    if mismatched:
        parts.append(f"{len(mismatched)} of another shape (e.g. {mismatched[0]})")
    model_type = getattr(model.config, "model_type", "?")
    raise RelvecError(
        f"{where}: {weights} does not fit config.json (model_type {model_type!r}, num_hidden_layers "
        f"{getattr(model.config, 'num_hidden_layers', '?')}): {'; '.join(parts)}; refusing a partly random model"
    )


__all__ = [
    "CODE_MAP_FILES",
    "WEIGHT_FILES",
    "check_loaded_weights",
    "check_model_folder",
    "check_static_weight_setting",
    "loading_error",
    "read_json_object",
]
