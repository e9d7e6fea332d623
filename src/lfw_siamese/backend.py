"""Backend settings, in one place: each entry point (`run_stage`, the CLI) calls
`configure_environment()` before Keras is imported, and `train()` calls
`configure_keras()` through `seed_everything`.
"""

import contextlib
import functools
import importlib.machinery
import os
import re
import sys
import tempfile
from pathlib import Path


def configure_environment() -> None:
    """Environment variables the backend reads when it is imported (an explicit setting is
    respected).

    TensorFlow turns its oneDNN kernels on by default only on CPUs with AVX-512 VNNI/BF16 or
    AMX; elsewhere (e.g. AMD EPYC) it falls back to slower Eigen kernels that allocate and
    free large buffers every step (measured on both kinds: benchmarks/train.py).
    """
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    # TensorFlow's C++ start-up lines (oneDNN, CPU features, tf.data's memory patch) are
    # informational; its warnings and errors still show.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    if not any(isinstance(f, _QuietTensorFlow) for f in sys.meta_path):
        sys.meta_path.insert(0, _QuietTensorFlow())
    # JAX: keep compiled train steps on disk, so the next process (a View 2 fold, a grid
    # run) skips compiling them (the tiny training of tests/test_data_parallel.py on this
    # CPU: first epoch 17 s -> 5 s).
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(cache / "lfw-siamese" / "jax"))


# What TensorFlow's C++ libraries log as they load, before their logging is set up (absl
# INFO lines, which TF_CPP_MIN_LOG_LEVEL does not reach, and absl's notice about them).
_START_UP = re.compile(r"I\d{4} [\d:.]+ +\d+ [\w./-]+:\d+\] |"
                       r"WARNING: All log messages before absl::InitializeLog\(\) is called")


def start_up_chatter(line: str) -> bool:
    """Whether a line of the process's stderr is TensorFlow's start-up information."""
    return _START_UP.match(line) is not None


class _QuietTensorFlow:
    """A meta path finder: `tensorflow`, wherever it is first imported (Keras imports it
    lazily), loads with its start-up information dropped from stderr; every other line
    written meanwhile, warnings and errors included, is passed on when the import ends."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


class _QuietLoader:
    """The package's own loader, run with stderr filtered."""

    def __init__(self, loader):
        self.loader = loader

    def __getattr__(self, name):
        return getattr(self.loader, name)

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        with _filtered_stderr():
            self.loader.exec_module(module)


@contextlib.contextmanager
def _filtered_stderr():
    """File descriptor 2 (what C++ code writes to) into a file for the duration; then its
    lines, less TensorFlow's start-up information, on to the real stderr."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            kept = [line for line in held.read().decode(errors="replace").splitlines(True)
                    if not start_up_chatter(line)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


def configure_keras() -> None:
    """Deterministic kernels; on TensorFlow, also a tf.data input free of stalls."""
    import keras

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
        _steady_tf_data()


def _steady_tf_data() -> None:
    """Turn tf.data's autotuning off in the datasets Keras (TensorFlow backend) builds from a
    `PyDataset`.

    Keras makes a new tf.data iterator for every epoch; with autotuning on, freeing the old
    one waits for the autotuner's thread, 2-5 s at many epoch boundaries on a 2-core CPU (a
    quarter of a 94-step epoch of the recipe; benchmarks/train.py). The batches are built
    by one Python generator in order, so the data, the random stream and the results are
    the same either way. Keras has no public option for it, so this wraps the private
    adapter's dataset builder (checked by tests/test_training.py on each Keras in range).
    """
    import tensorflow as tf
    from keras.src.trainers.data_adapters.py_dataset_adapter import PyDatasetAdapter

    build = PyDatasetAdapter.get_tf_dataset
    if getattr(build, "steady", False):
        return

    @functools.wraps(build)
    def get_tf_dataset(adapter):
        options = tf.data.Options()
        options.autotune.enabled = False
        return build(adapter).with_options(options)

    get_tf_dataset.steady = True
    PyDatasetAdapter.get_tf_dataset = get_tf_dataset


DATA_PARALLEL = "LFW_DATA_PARALLEL"  # set to 1: train on every device of the machine


def data_parallel(batch_sizes) -> int:
    """With LFW_DATA_PARALLEL=1 (JAX backend), spread each training step over every device
    of the machine with Keras' `DataParallel`: weights replicated, each batch split evenly
    across the devices, the step compiled once for the whole batch, so a loss over the batch
    (in-batch negatives) still sees all of it. The number of devices trained on (1: off).

    A switch of the machine, not a parameter: the same model up to floating-point round-off,
    so it leaves params.yaml and dvc.lock alone. `batch_sizes`: the sizes of the epoch's
    batches, each of which must split evenly.
    """
    from .errors import LfwError  # errors.py imports this module

    setting = os.environ.get(DATA_PARALLEL, "0")
    if setting not in ("0", "1"):
        raise LfwError(f"{DATA_PARALLEL}={setting!r}: expected 1 (every device) or 0 (one)")
    if setting == "0":
        return 1
    import keras

    if keras.backend.backend() != "jax":
        raise LfwError(f"{DATA_PARALLEL}=1 needs the JAX backend (KERAS_BACKEND=jax), not "
                       f"{keras.backend.backend()}")
    devices = keras.distribution.list_devices()
    uneven = sorted({b for b in batch_sizes if b % len(devices)})
    if uneven:
        raise LfwError(f"{DATA_PARALLEL}=1: batches of {uneven} pairs do not split over "
                       f"{len(devices)} devices: make batch_size (and pairs_per_epoch's last "
                       f"batch) a multiple of {len(devices)}")
    keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
    return len(devices)


def predict(model, inputs, batch_size: int):
    """The model's outputs, `batch_size` rows at a time, as `model.predict` gives them.

    Batch by batch through `predict_on_batch`: `model.predict` builds a tf.data pipeline
    whose rewrite under op determinism logs a TensorFlow error line (E0000 ... NodeDef
    mentions attribute use_unbounded_threadpool) at each call. Under `data_parallel` the
    inputs are padded (repeating the first rows) to a multiple of the device count, which
    each batch must split into.
    """
    import keras
    import numpy as np

    single = not isinstance(inputs, list | tuple)
    arrays = [inputs] if single else list(inputs)
    n = len(arrays[0])
    distribution = keras.distribution.distribution()
    if distribution is not None:
        devices = distribution.device_mesh.devices.size
        arrays = [np.concatenate([a, a[:1].repeat(-n % devices, axis=0)]) for a in arrays]
        batch_size = max(devices, batch_size - batch_size % devices)
    out = [model.predict_on_batch(arrays[0][i:i + batch_size] if single else
                                  [a[i:i + batch_size] for a in arrays])
           for i in range(0, len(arrays[0]), batch_size)]
    return np.concatenate(out)[:n]
