"""Backend settings, in one place: each entry point (`run_stage`, the CLI) calls
`configure_environment()` before Keras is imported, and `train()` calls
`configure_keras()` through `seed_everything`.
"""

import functools
import os


def configure_environment() -> None:
    """Environment variables the backend reads when it is imported.

    TensorFlow turns its oneDNN kernels on by default only on CPUs with AVX-512 VNNI/BF16 or
    AMX; elsewhere (e.g. AMD EPYC) it falls back to slower Eigen kernels that allocate and
    free large buffers every step (measured on both kinds: benchmarks/train.py). An explicit
    setting is respected.
    """
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")


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
