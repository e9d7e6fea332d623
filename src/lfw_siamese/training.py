"""Compile and fit the siamese model from checked parameters, reproducibly."""

import os
import platform
import time

import keras

from .model import build_siamese, make_loss


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and the backend; make TensorFlow's kernels deterministic."""
    keras.utils.set_random_seed(seed)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def make_optimizer(name: str, lr: float) -> keras.optimizers.Optimizer:
    if name == "sgd":
        return keras.optimizers.SGD(lr, momentum=0.7, nesterov=True)
    return {"adam": keras.optimizers.Adam, "nadam": keras.optimizers.Nadam,
            "rmsprop": keras.optimizers.RMSprop}[name](lr)


def compiled_model(p: dict) -> keras.Model:
    """The siamese model for params `p`, compiled with its optimizer, loss and accuracy."""
    model = build_siamese(p["image_size"], p["channels"], p["filters"], p["dense_units"],
                          p["batch_norm"])
    model.compile(
        optimizer=make_optimizer(p["optimizer"], p["lr"]),
        loss=make_loss(p["loss"], p["margin"]),
        metrics=[keras.metrics.BinaryAccuracy(name="accuracy")],
    )
    return model


class EpochLog(keras.callbacks.Callback):
    """Per-epoch metrics (learning rate included) and wall time, as rows for the history plot."""

    def __init__(self):
        super().__init__()
        self.rows = []
        self._start = self._train_end = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_test_begin(self, logs=None):
        self._train_end = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        row = {"epoch": epoch + 1, **{k: float(v) for k, v in (logs or {}).items()}}
        row.update(train_seconds=self._train_end - self._start,
                   seconds=time.perf_counter() - self._start)
        self.rows.append(row)


def fit(model: keras.Model, train: dict, val: dict, p: dict) -> list[dict]:
    """Train for p["epochs"] epochs with a learning rate decayed by p["lr_decay"] per epoch."""
    log = EpochLog()
    decay = keras.callbacks.LearningRateScheduler(
        lambda epoch, _lr: p["lr"] * (1 - p["lr_decay"]) ** epoch
    )
    model.fit(
        [train["left"], train["right"]], train["label"],
        validation_data=([val["left"], val["right"]], val["label"]),
        epochs=p["epochs"], batch_size=p["batch_size"], shuffle=True,
        callbacks=[decay, log], verbose=2,
    )
    return log.rows


def hardware() -> str:
    """A short description of where training ran: CPU model and cores, or the GPU."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores"
