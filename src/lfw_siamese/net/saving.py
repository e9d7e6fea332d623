"""Save and load the siamese model: deterministic bytes, written atomically."""

import json
import warnings
import zipfile

import keras

from ..fsutil import atomic_output
from . import losses as _registers_losses  # noqa: F401 - load_model needs them
from . import model as _registers_custom_layers  # noqa: F401 - load_model needs them


def save_model(model: keras.Model, path) -> None:
    """Save a .keras file whose bytes depend only on the model, atomically.

    Keras stamps the save time into metadata.json and a zip entry, and numbers shared
    objects in config.json by their memory address; the first two become constants, the
    addresses 0, 1, 2... in order of appearance, so identical trainings give identical
    files (and DVC hashes)."""
    with atomic_output(path) as tmp:
        raw = tmp.with_name(f".raw-{tmp.name}")
        try:
            model.save(raw)
            with zipfile.ZipFile(raw) as src, zipfile.ZipFile(tmp, "w") as dst:
                for info in src.infolist():
                    data = src.read(info)
                    if info.filename == "metadata.json":
                        data = json.dumps({**json.loads(data), "date_saved": "-"}).encode()
                    elif info.filename == "config.json":
                        data = json.dumps(_renumber_shared(json.loads(data), {})).encode()
                    entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
                    entry.compress_type = info.compress_type
                    dst.writestr(entry, data)
        finally:
            raw.unlink(missing_ok=True)


def load_model(path) -> keras.Model:
    """A saved siamese model, loaded in safe mode, for scoring: the custom layers and losses
    are registered on import, and the optimizer's saved state, which scoring never uses and
    Keras cannot match to a fresh optimizer, is skipped without a warning."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipping variable loading for optimizer")
        return keras.saving.load_model(path, safe_mode=True)


def _renumber_shared(node, ids: dict):
    """A copy of a Keras config with every `shared_object_id` replaced by its rank."""
    if isinstance(node, dict):
        return {k: ids.setdefault(v, len(ids)) if k == "shared_object_id"
                else _renumber_shared(v, ids) for k, v in node.items()}
    if isinstance(node, list):
        return [_renumber_shared(v, ids) for v in node]
    return node
