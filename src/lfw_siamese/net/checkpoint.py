"""Resumable training: after every epoch, everything an interrupted fit needs to go on exactly.

One file, `<folder>/checkpoint.npz`, replaced atomically after each epoch: every variable of
the trained model (weights, batch-norm statistics, dropout seed states) and of its optimizer,
the training input's random state, Python's random state (Keras shuffles the order of the
batches with it every epoch), the history rows so far, and a fingerprint of what the run
depends on (parameters, seed, the package's code it runs, the input arrays). A checkpoint whose
fingerprint differs is never resumed: it is deleted and training starts from the beginning.
(Keras' BackupAndRestore saves weights and the epoch in two files, non-atomically, and knows
nothing of the data stream's random state, which an exact resume needs.)
"""

import hashlib
import json
import os
import random
import sys
from pathlib import Path

import keras
import numpy as np

from ..fsutil import remove

FILE = "checkpoint.npz"


def run_key(p, seed, arrays) -> str:
    """sha256 of the parameters, the weight seed, the source of the package's modules this
    process has loaded (those training runs on) and the input arrays."""
    digest = hashlib.sha256(json.dumps([p.as_dict(), seed], sort_keys=True).encode())
    for source in loaded_sources():
        digest.update(source.read_bytes())
    for group in arrays:
        for key, value in sorted((group or {}).items()):
            digest.update(key.encode())
            digest.update(np.ascontiguousarray(value).tobytes())
    return digest.hexdigest()


def loaded_sources() -> list[Path]:
    """The files of this package's modules loaded in this process, sorted."""
    files = {Path(m.__file__) for name, m in list(sys.modules.items())
             if name.split(".")[0] == __package__.split(".")[0] and getattr(m, "__file__", None)}
    return sorted(files)


def _variables(trainer: keras.Model) -> list:
    return list(trainer.variables) + list(trainer.optimizer.variables)


def restore(folder, key: str, trainer: keras.Model, batches) -> tuple[int, list[dict]]:
    """(epochs done, their history rows) from a matching checkpoint in `folder`, after loading
    its state into `trainer` and `batches`; (0, []) when there is none to resume."""
    path = Path(folder) / FILE
    if not path.is_file():
        return 0, []
    with np.load(path, allow_pickle=False) as saved:
        meta = json.loads(str(saved["meta"]))
        if meta["fingerprint"] != key:
            print(f"{path}: made with other parameters, code or data: not resumed, deleted")
            remove(Path(folder))
            return 0, []
        if not trainer.optimizer.built:
            trainer.optimizer.build(trainer.trainable_variables)
        variables = _variables(trainer)
        if len(variables) != meta["variables"]:
            raise RuntimeError(f"{path}: {meta['variables']} variables saved, the model has "
                               f"{len(variables)}")
        for i, variable in enumerate(variables):
            variable.assign(saved[f"v{i}"])
    batches.restore(meta["data"])
    version, state, gauss = meta["python_random"]
    random.setstate((version, tuple(state), gauss))
    print(f"{path}: resuming after epoch {meta['epoch']} of an interrupted run")
    return meta["epoch"], meta["rows"]


class Checkpoint(keras.callbacks.Callback):
    """Write the checkpoint after every epoch (put it after the callbacks that fill `rows`)."""

    def __init__(self, folder, key: str, trainer: keras.Model, batches, rows: list[dict]):
        super().__init__()
        self.folder, self.key, self.trainer = Path(folder), key, trainer
        self.batches, self.rows = batches, rows

    def on_epoch_end(self, epoch, logs=None):
        variables = _variables(self.trainer)
        meta = {"fingerprint": self.key, "epoch": epoch + 1, "rows": self.rows,
                "data": self.batches.state(), "python_random": random.getstate(),
                "variables": len(variables)}
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".tmp-{FILE}"
        with open(tmp, "wb") as f:
            np.savez(f, meta=np.array(json.dumps(meta)),
                     **{f"v{i}": keras.ops.convert_to_numpy(v.value)
                        for i, v in enumerate(variables)})
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.folder / FILE)

    @staticmethod
    def remove(folder) -> None:
        remove(Path(folder))
