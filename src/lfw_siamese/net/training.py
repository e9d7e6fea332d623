"""Train the siamese model from checked parameters: the one training path.

`train()` is what the train stage, each View 2 fold and the GPU benchmark call. It seeds,
builds and compiles the model, fits it on the input its loss needs (an `Objective`: labelled
pairs, or batches of same-person pairs for in-batch negatives), resumes from a checkpoint of
an interrupted run if one matches, reports each epoch to the given loggers, and returns the
model, its per-epoch history and the time it took.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import keras

from ..backend import configure_keras, data_parallel
from .augment import Augment
from .checkpoint import Checkpoint, restore, run_key
from .model import siamese_for, twin_of
from .objectives import compile_for_pairs, objective_for
from .optimizers import learning_rate


def train(p, val: dict, *, pairs: dict | None = None, people: dict | None = None,
          seed: int | None = None, loggers=(), checkpoint=None) -> Run:
    """Train for up to p.epochs epochs on the learning-rate schedule of `p`.

    `pairs` (dev pairs) or `people` (images and person ids, for mined pairs) feed training;
    `val` (left, right, label) is scored after each epoch. `seed` seeds the weights (default
    p.seed); the data stream always follows p.seed. With p.patience > 0, training stops once
    validation AUC has not improved for that many epochs and the best epoch's weights are
    kept. With `checkpoint` (a folder; patience 0 only) every epoch is saved there and a run
    killed earlier with the same parameters, code and data continues where it stopped, with
    the same result as if never interrupted; the folder is removed when training ends. With
    LFW_DATA_PARALLEL=1 (JAX backend) each step is spread over every device (backend.py).
    With p.ema > 0 the model ends with the moving average of its weights and batch-norm
    statistics recomputed for them; the per-epoch validation scores the live weights.
    """
    seed_everything(p.seed if seed is None else seed)
    objective = objective_for(p, pairs, people)
    devices = data_parallel({p.batch_size, objective.batches.n % p.batch_size} - {0})
    model = compiled_model(p)
    trainer = objective.trainer(model)
    rows: list[dict] = []
    callbacks = [keras.callbacks.LearningRateScheduler(lambda e, _lr: learning_rate(p, e)),
                 *objective.callbacks(model, val), EpochLog(rows, loggers)]
    if p.patience:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor="val_auc", mode="max", patience=p.patience, restore_best_weights=True))
    start_epoch = 0
    if checkpoint is not None and not p.patience:
        key = run_key(p, seed, [pairs, people, val])
        start_epoch, earlier = restore(checkpoint, key, trainer, objective.batches)
        for row in earlier:
            rows.append(row)
            for log in loggers:
                log(row)
        callbacks.append(Checkpoint(checkpoint, key, trainer, objective.batches, rows))
    start = time.perf_counter()
    if start_epoch < p.epochs:
        trainer.fit(objective.batches, validation_data=objective.validation(val),
                    initial_epoch=start_epoch, epochs=p.epochs, callbacks=callbacks, verbose=2)
    if p.ema:
        trainer.optimizer.finalize_variable_values(trainer.trainable_weights)  # as fit does;
        # again here for a run resumed after its last epoch, which does not fit
        recompute_batch_norm(twin_of(model), objective.batches,
                             Augment(p.seed, p.erase) if p.augment else None)
    objective.finish(model)
    if checkpoint is not None:
        Checkpoint.remove(checkpoint)
    earlier_seconds = sum(r["seconds"] for r in rows[:start_epoch])
    return Run(model, rows, earlier_seconds + time.perf_counter() - start,
               len(objective.batches), objective.batches.n, start_epoch, devices)


@dataclass
class Run:
    """A finished training: the model, one row of metrics per epoch, and its cost."""

    model: keras.Model
    history: list[dict]
    seconds: float  # wall time of all epochs, those of an interrupted earlier run included
    steps_per_epoch: int
    pairs_per_epoch: int
    resumed_at: int  # epochs restored from a checkpoint (0: trained from the start)
    devices: int  # devices each step was spread over (LFW_DATA_PARALLEL)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and the backend, and make the backend's kernels deterministic."""
    keras.utils.set_random_seed(seed)
    configure_keras()


def compiled_model(p) -> keras.Model:
    """The siamese model for `p`, compiled with its optimizer, loss, accuracy and AUC."""
    return compile_for_pairs(siamese_for(p), p)


def recompute_batch_norm(twin: keras.Model, batches, augment=None) -> None:
    """Set `twin`'s batch-norm statistics to their mean over one epoch of training batches
    (both sides, through `augment` if given), computed with its current weights: an average
    of weights was never trained with the statistics it inherits."""
    norms = [layer for layer in _layers(twin)
             if isinstance(layer, keras.layers.BatchNormalization)]
    kept = [layer.momentum for layer in norms]
    for k in range(len(batches) if norms else 0):
        for layer in norms:
            layer.momentum = k / (k + 1)  # the k-th update makes a cumulative mean
        images = keras.ops.cast(keras.ops.concatenate(batches[k][0]), "float32")
        twin(augment(images, training=True) if augment else images, training=True)
    for layer, momentum in zip(norms, kept, strict=True):
        layer.momentum = momentum


def _layers(model):
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _layers(layer)


def clock(seconds: float) -> str:
    """A duration as h:mm:ss (or m:ss under an hour)."""
    minutes, s = divmod(round(seconds), 60)
    hours, m = divmod(minutes, 60)
    return f"{hours}:{m:02d}:{s:02d}" if hours else f"{m}:{s:02d}"


class EpochLog(keras.callbacks.Callback):
    """Per-epoch metrics (learning rate included) and wall time as rows; each row also goes
    to the loggers (callables taking the row), e.g. DVCLive. After each epoch it prints the
    run's progress: epochs done of all, time so far (a resumed run's earlier epochs included)
    and the time left at the mean epoch's pace."""

    def __init__(self, rows: list[dict], loggers=()):
        super().__init__()
        self.rows, self.loggers = rows, loggers
        self._start = self._train_end = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self._train_end = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        row = {"epoch": epoch + 1, **{k: float(v) for k, v in (logs or {}).items()}}
        row.update(train_seconds=self._train_end - self._start,
                   seconds=time.perf_counter() - self._start)
        self.rows.append(row)
        for log in self.loggers:
            log(row)
        done, total = len(self.rows), self.params.get("epochs") or len(self.rows)
        elapsed = sum(r["seconds"] for r in self.rows)
        print(f"epoch {done}/{total}: {clock(elapsed)} elapsed, about "
              f"{clock(elapsed / done * (total - done))} left", flush=True)
