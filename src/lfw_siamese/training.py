"""Train the siamese model from checked parameters: the one training path.

`train()` is what the train stage, each View 2 fold and the GPU benchmark call. It seeds,
builds and compiles the model, fits it on the input its loss needs (labelled pairs, or
batches of same-person pairs for in-batch negatives: `objective_for`), resumes from a
checkpoint of an interrupted run if one matches, reports each epoch to the given loggers,
and returns the model, its per-epoch history and the time it took.
"""

import functools
import math
import time
from dataclasses import dataclass

import keras
import numpy as np

from .augment import augment_batch
from .calibration import DistinctPairs, calibrate
from .checkpoint import Checkpoint, fingerprint, restore
from .mining import mine_pairs, mine_positive_batches
from .model import (
    CosFace,
    InBatchSoftmax,
    build_siamese,
    embedding_trainer,
    make_loss,
    partner_accuracy,
)
from .params import Params

CALIBRATION_PAIRS = 2000  # mined training pairs that fit the score head of batch_softmax


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and the backend; make TensorFlow's kernels deterministic and its
    input pipeline free of stalls (`steady_tf_data`)."""
    keras.utils.set_random_seed(seed)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
        steady_tf_data()


def steady_tf_data() -> None:
    """Turn tf.data's autotuning off in the datasets Keras (TensorFlow backend) builds from a
    `PyDataset`.

    Keras makes a new tf.data iterator for every epoch; with autotuning on, freeing the old
    one waits for the autotuner's thread, 2-5 s at many epoch boundaries on a 2-core CPU (a
    quarter of a 94-step epoch of the recipe; benchmarks/train.py). The batches are built
    by one Python generator in order, so the data, the random stream and the results are
    the same either way. Keras has no option for it, hence the wrapper.
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


def make_optimizer(p: Params) -> keras.optimizers.Optimizer:
    if p.optimizer == "sgd":
        return keras.optimizers.SGD(p.lr, momentum=0.7, nesterov=True)
    if p.optimizer == "adamw":
        return keras.optimizers.AdamW(p.lr, weight_decay=p.weight_decay)
    return {"adam": keras.optimizers.Adam, "nadam": keras.optimizers.Nadam,
            "rmsprop": keras.optimizers.RMSprop}[p.optimizer](p.lr)


def learning_rate(p: Params, epoch: int) -> float:
    """The learning rate of a (0-based) epoch: exponential decay or a cosine to ~0."""
    if p.schedule == "cosine":
        return p.lr * 0.5 * (1 + math.cos(math.pi * epoch / p.epochs))
    return p.lr * (1 - p.lr_decay) ** epoch


def compiled_model(p: Params) -> keras.Model:
    """The siamese model for `p`, compiled with its optimizer, loss, accuracy and AUC."""
    model = build_siamese(image_size=p.image_size, channels=p.channels, filters=p.filters,
                          dense_units=p.dense_units, batch_norm=p.batch_norm, twin=p.twin,
                          head=p.head, regions=len(p.crops),
                          context_filters=p.context_filters, context_pool=p.context_pool)
    model.compile(optimizer=make_optimizer(p), loss=make_loss(p.loss, p.margin),
                  metrics=[keras.metrics.BinaryAccuracy(name="accuracy"),
                           keras.metrics.AUC(name="auc")])
    return model


class PairBatches(keras.utils.PyDataset):
    """Batches of ((left, right), label) from one uint8 image array and index pairs.

    `draw(rng)` gives an epoch's `n` (left, right, label) indices: the fixed pairs, or pairs
    mined afresh. They are shuffled (unless `shuffle` is false: batches built for in-batch
    negatives) and, with `augment`, distorted on the fly, all from one seeded generator.
    An epoch's pairs are drawn when its first batch is asked for, so the generator's state
    between epochs (`state()`) is all a resumed run needs to continue the same stream.
    """

    def __init__(self, images, draw, n: int, batch_size: int, augment: bool, seed: int,
                 shuffle: bool = True, targets: int = 1):
        super().__init__()
        self.images, self.draw, self.n, self.batch_size = images, draw, n, batch_size
        self.augment, self.shuffle, self.targets = augment, shuffle, targets
        self.rng = np.random.default_rng(seed)
        self.pairs = None  # (left, right, label) of the current epoch, once drawn
        self._in_epoch = self._resumed = False

    def __len__(self):
        return -(-self.n // self.batch_size)

    def __getitem__(self, i):
        rng = self.rng
        if self._resumed and not self._in_epoch:
            # Keras (TensorFlow) reads the first batches once before training, to learn their
            # shapes. In a fresh run that read has always been part of the random stream; a
            # resumed run must not repeat it, so there it uses a throwaway copy.
            rng = np.random.Generator(type(self.rng.bit_generator)())
            rng.bit_generator.state = self.rng.bit_generator.state
        if self.pairs is None:
            left, right, label = self.draw(rng)
            order = rng.permutation(len(label)) if self.shuffle else np.arange(len(label))
            self.pairs = left[order], right[order], label[order]
        left, right, label = (a[i * self.batch_size:(i + 1) * self.batch_size] for a in self.pairs)
        left, right = self.images[left], self.images[right]
        if self.augment:
            left, right = augment_batch(left, rng), augment_batch(right, rng)
        return (left, right), label if self.targets == 1 else (label,) * self.targets

    def on_epoch_begin(self):
        self._in_epoch = True

    def on_epoch_end(self):
        self.pairs, self._in_epoch = None, False

    def state(self) -> dict:
        """The random state between two epochs (the next epoch's pairs not yet drawn)."""
        return self.rng.bit_generator.state

    def restore(self, state: dict) -> None:
        self.rng.bit_generator.state = state
        self.pairs, self._resumed = None, True


class CalibrateAndValidate(keras.callbacks.Callback):
    """After each epoch of in-batch training: calibrate the score head on mined training
    pairs, then add the siamese model's val_loss / val_accuracy / val_auc to the logs (binary
    cross-entropy, accuracy at 0.5 and Keras' AUC of its scores, each image embedded once)."""

    def __init__(self, siamese: keras.Model, calibration: DistinctPairs, val: dict):
        super().__init__()
        self.siamese, self.calibration = siamese, calibration
        self.val = DistinctPairs(val["left"], val["right"], val["label"])

    def on_epoch_end(self, epoch, logs=None):
        calibrate(self.siamese, self.calibration)
        label, scores = self.val.label, self.val.scores(self.siamese)
        logs.update(val_loss=float(keras.losses.BinaryCrossentropy()(label, scores)),
                    val_accuracy=float(np.mean((scores > 0.5) == (label == 1))),
                    val_auc=float(keras.metrics.AUC()(label, scores)))


class PairObjective:
    """bce / contrastive: the siamese model itself trains on labelled pairs (the fixed dev
    pairs, or balanced pairs mined afresh each epoch) and Keras validates it."""

    def __init__(self, p: Params, pairs: dict | None, people: dict | None):
        if p.train_pairs == "mined":
            person = people["person"]
            self.batches = PairBatches(people["image"],
                                       lambda rng: mine_pairs(person, p.pairs_per_epoch, rng),
                                       p.pairs_per_epoch, p.batch_size, p.augment, p.seed)
        else:
            n = len(pairs["label"])
            fixed = (np.arange(n), np.arange(n, 2 * n), pairs["label"])
            self.batches = PairBatches(np.concatenate([pairs["left"], pairs["right"]]),
                                       lambda _rng: fixed, n, p.batch_size, p.augment, p.seed)

    def trainer(self, model: keras.Model) -> keras.Model:
        return model

    def validation(self, val: dict):
        return (val["left"], val["right"]), val["label"]

    def callbacks(self, model: keras.Model, val: dict) -> list:
        return []

    def finish(self, model: keras.Model) -> None:
        pass


class IdentityLogs(keras.callbacks.Callback):
    """With identity supervision the trainer has two outputs and Keras prefixes the in-batch
    accuracy with its output's name; give it back its plain name, as without."""

    def on_epoch_end(self, epoch, logs=None):
        logs["accuracy"] = logs.pop("embeddings_accuracy")


class InBatchObjective:
    """batch_softmax: the twin trains through `embedding_trainer` on batches of same-person
    pairs of distinct people (every other pair of a batch is a negative), with
    `identity_weight` > 0 also to classify each image among the training people (CosFace);
    after each epoch the siamese model's score head is calibrated on mined pairs and
    validated."""

    def __init__(self, p: Params, people: dict):
        person, images = people["person"], people["image"]
        self.p = p
        self.classes = int(person.max()) + 1 if p.identity_weight else 0
        self.batches = PairBatches(
            images, lambda rng: mine_positive_batches(person, p.pairs_per_epoch, p.batch_size,
                                                      rng),
            p.pairs_per_epoch, p.batch_size, p.augment, p.seed, shuffle=False,
            targets=2 if self.classes else 1)
        left, right, label = mine_pairs(person, CALIBRATION_PAIRS, np.random.default_rng(p.seed))
        self.calibration = DistinctPairs(images[left], images[right], label)

    def trainer(self, model: keras.Model) -> keras.Model:
        return in_batch_trainer(model, self.p, self.classes)

    def validation(self, val: dict):
        return None  # CalibrateAndValidate scores the siamese model instead

    def callbacks(self, model: keras.Model, val: dict) -> list:
        return [CalibrateAndValidate(model, self.calibration, val),
                *([IdentityLogs()] if self.classes else [])]

    def finish(self, model: keras.Model) -> None:
        calibrate(model, self.calibration)  # for the weights kept, if early stopping restored


def in_batch_trainer(model: keras.Model, p: Params, classes: int = 0) -> keras.Model:
    """The siamese model's two embeddings side by side, compiled with the in-batch loss (and,
    with `classes`, the identity loss weighted by p.identity_weight)."""
    trainer = embedding_trainer(model, classes)
    accuracy = keras.metrics.MeanMetricWrapper(partner_accuracy, "accuracy")
    if not classes:
        trainer.compile(optimizer=make_optimizer(p), loss=InBatchSoftmax(), metrics=[accuracy])
        return trainer
    trainer.compile(optimizer=make_optimizer(p),
                    loss=[InBatchSoftmax(), CosFace(p.identity_margin)],
                    loss_weights=[1.0, p.identity_weight], metrics=[[accuracy], []])
    return trainer


def objective_for(p: Params, pairs: dict | None, people: dict | None):
    if p.loss == "batch_softmax":
        return InBatchObjective(p, people)
    return PairObjective(p, pairs, people)


class EpochLog(keras.callbacks.Callback):
    """Per-epoch metrics (learning rate included) and wall time as rows; each row also goes
    to the loggers (callables taking the row), e.g. DVCLive."""

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


@dataclass
class Run:
    """A finished training: the model, one row of metrics per epoch, and its cost."""

    model: keras.Model
    history: list[dict]
    seconds: float  # wall time of all epochs, those of an interrupted earlier run included
    steps_per_epoch: int
    pairs_per_epoch: int
    resumed_at: int  # epochs restored from a checkpoint (0: trained from the start)


def train(p: Params, val: dict, *, pairs: dict | None = None, people: dict | None = None,
          seed: int | None = None, loggers=(), checkpoint=None) -> Run:
    """Train for up to p.epochs epochs on the learning-rate schedule of `p`.

    `pairs` (dev pairs) or `people` (images and person ids, for mined pairs) feed training;
    `val` (left, right, label) is scored after each epoch. `seed` seeds the weights (default
    p.seed); the data stream always follows p.seed. With p.patience > 0, training stops once
    validation AUC has not improved for that many epochs and the best epoch's weights are
    kept. With `checkpoint` (a folder; patience 0 only) every epoch is saved there and a run
    killed earlier with the same parameters, code and data continues where it stopped, with
    the same result as if never interrupted; the folder is removed when training ends.
    """
    seed_everything(p.seed if seed is None else seed)
    objective = objective_for(p, pairs, people)
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
        key = fingerprint(p, seed, [pairs, people, val])
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
    objective.finish(model)
    if checkpoint is not None:
        Checkpoint.remove(checkpoint)
    earlier_seconds = sum(r["seconds"] for r in rows[:start_epoch])
    return Run(model, rows, earlier_seconds + time.perf_counter() - start,
               len(objective.batches), objective.batches.n, start_epoch)
