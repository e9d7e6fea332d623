"""Compile and fit the siamese model from checked parameters, reproducibly."""

import math
import time

import keras
import numpy as np

from .augment import augment_batch
from .mining import mine_pairs, mine_positive_batches
from .model import InBatchSoftmax, build_siamese, embedding_trainer, make_loss, partner_accuracy

CALIBRATION_PAIRS = 2000  # mined training pairs that fit the score head of batch_softmax


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and the backend; make TensorFlow's kernels deterministic."""
    keras.utils.set_random_seed(seed)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def make_optimizer(name: str, lr: float, weight_decay: float = 0.0) -> keras.optimizers.Optimizer:
    if name == "sgd":
        return keras.optimizers.SGD(lr, momentum=0.7, nesterov=True)
    if name == "adamw":
        return keras.optimizers.AdamW(lr, weight_decay=weight_decay)
    return {"adam": keras.optimizers.Adam, "nadam": keras.optimizers.Nadam,
            "rmsprop": keras.optimizers.RMSprop}[name](lr)


def learning_rate(p: dict, epoch: int) -> float:
    """The learning rate of a (0-based) epoch: exponential decay or a cosine to ~0."""
    if p["schedule"] == "cosine":
        return p["lr"] * 0.5 * (1 + math.cos(math.pi * epoch / p["epochs"]))
    return p["lr"] * (1 - p["lr_decay"]) ** epoch


def compiled_model(p: dict) -> keras.Model:
    """The siamese model for params `p`, compiled with its optimizer, loss, accuracy and AUC."""
    model = build_siamese(p["image_size"], p["channels"], p["filters"], p["dense_units"],
                          p["batch_norm"], p["twin"], p["head"])
    model.compile(
        optimizer=make_optimizer(p["optimizer"], p["lr"], p["weight_decay"]),
        loss=make_loss(p["loss"], p["margin"]),
        metrics=[keras.metrics.BinaryAccuracy(name="accuracy"), keras.metrics.AUC(name="auc")],
    )
    return model


class PairBatches(keras.utils.PyDataset):
    """Batches of ((left, right), label) from one uint8 image array and index pairs.

    `draw(rng)` gives the epoch's (left, right, label) indices: the fixed pairs, or pairs
    mined afresh. They are shuffled every epoch (unless `shuffle` is false: batches built
    for in-batch negatives) and, with `augment`, distorted on the fly.
    """

    def __init__(self, images, draw, batch_size: int, augment: bool, seed: int,
                 shuffle: bool = True, person=None):
        super().__init__()
        self.images, self.draw, self.batch_size, self.augment = images, draw, batch_size, augment
        self.shuffle, self.person = shuffle, person
        self.rng = np.random.default_rng(seed)
        self.on_epoch_end()

    def __len__(self):
        return -(-len(self.label) // self.batch_size)

    def __getitem__(self, i):
        rows = slice(i * self.batch_size, (i + 1) * self.batch_size)
        left, right = self.images[self.left[rows]], self.images[self.right[rows]]
        if self.augment:
            left, right = augment_batch(left, self.rng), augment_batch(right, self.rng)
        return (left, right), self.label[rows]

    def on_epoch_end(self):
        left, right, label = self.draw(self.rng)
        order = self.rng.permutation(len(label)) if self.shuffle else np.arange(len(label))
        self.left, self.right, self.label = left[order], right[order], label[order]


def training_batches(p: dict, pairs: dict | None, people: dict | None) -> PairBatches:
    """The training input: the fixed dev pairs, or pairs mined from the training people
    (balanced pairs, or same-person pairs of distinct people per batch for batch_softmax)."""
    if p["train_pairs"] == "mined":
        person, n, size = people["person"], p["pairs_per_epoch"], p["batch_size"]
        if p["loss"] == "batch_softmax":
            return PairBatches(people["image"],
                               lambda rng: mine_positive_batches(person, n, size, rng),
                               size, p["augment"], p["seed"], shuffle=False, person=person)
        return PairBatches(people["image"], lambda rng: mine_pairs(person, n, rng),
                           size, p["augment"], p["seed"], person=person)
    n = len(pairs["label"])
    images = np.concatenate([pairs["left"], pairs["right"]])
    fixed = (np.arange(n), np.arange(n, 2 * n), pairs["label"])
    return PairBatches(images, lambda _rng: fixed, p["batch_size"], p["augment"], p["seed"])


class EpochLog(keras.callbacks.Callback):
    """Per-epoch metrics (learning rate included) and wall time, as rows for the history plot."""

    def __init__(self):
        super().__init__()
        self.rows = []
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


def calibrate(model: keras.Model, left, right, label) -> None:
    """Fit the cosine head's scale and offset: a ridge 1-D logistic regression (Newton's
    method) on standardised cosines, so it converges even when the cosines are bunched."""
    cosine = keras.Model(model.inputs, model.get_layer("cosine").output)
    x = cosine.predict([left, right], batch_size=256, verbose=0)[:, 0].astype(np.float64)
    mean, std = x.mean(), x.std() + 1e-9
    design = np.stack([(x - mean) / std, np.ones_like(x)], axis=1)
    w = np.zeros(2)
    for _ in range(25):
        prob = 1 / (1 + np.exp(-np.clip(design @ w, -30, 30)))
        grad = design.T @ (prob - label) + 1e-2 * w
        hess = design.T @ (design * (prob * (1 - prob))[:, None]) + 1e-2 * np.eye(2)
        w -= np.linalg.solve(hess, grad)
    scale = w[0] / std
    model.get_layer("score").set_weights([np.array([[scale]], "float32"),
                                          np.array([w[1] - scale * mean], "float32")])


class CalibrateAndValidate(keras.callbacks.Callback):
    """After each epoch of batch_softmax training: calibrate the score head on mined training
    pairs, then add the siamese model's val_loss / val_accuracy / val_auc to the logs."""

    def __init__(self, siamese: keras.Model, calibration: tuple, val: dict):
        super().__init__()
        self.siamese, self.calibration, self.val = siamese, calibration, val

    def on_epoch_end(self, epoch, logs=None):
        calibrate(self.siamese, *self.calibration)
        result = self.siamese.evaluate((self.val["left"], self.val["right"]), self.val["label"],
                                       batch_size=256, verbose=0, return_dict=True)
        logs.update({f"val_{k}": v for k, v in result.items()})


def trainer_for(model: keras.Model, p: dict) -> keras.Model:
    """The compiled model that training steps run on: the siamese model itself, or for
    batch_softmax its two embeddings side by side (same weights)."""
    if p["loss"] != "batch_softmax":
        return model
    trainer = embedding_trainer(model)
    trainer.compile(optimizer=make_optimizer(p["optimizer"], p["lr"], p["weight_decay"]),
                    loss=InBatchSoftmax(),
                    metrics=[keras.metrics.MeanMetricWrapper(partner_accuracy, "accuracy")])
    return trainer


def fit(model: keras.Model, batches: PairBatches, val: dict, p: dict) -> list[dict]:
    """Train for up to p["epochs"] epochs on the learning-rate schedule of `p`.

    With p["patience"] > 0, training stops once validation AUC has not improved for that
    many epochs, and the weights of the best epoch are kept. `batch_softmax` trains the
    twin through `embedding_trainer` and calibrates the score head afterwards.
    """
    log = EpochLog()
    callbacks = [keras.callbacks.LearningRateScheduler(lambda e, _lr: learning_rate(p, e))]
    trainer, validation = trainer_for(model, p), ((val["left"], val["right"]), val["label"])
    if p["loss"] == "batch_softmax":
        validation = None
        pairs = mine_pairs(batches.person, CALIBRATION_PAIRS, np.random.default_rng(p["seed"]))
        calibration = (batches.images[pairs[0]], batches.images[pairs[1]], pairs[2])
        callbacks.append(CalibrateAndValidate(model, calibration, val))
    callbacks.append(log)
    if p["patience"]:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor="val_auc", mode="max", patience=p["patience"], restore_best_weights=True))
    trainer.fit(batches, validation_data=validation, epochs=p["epochs"], callbacks=callbacks,
                verbose=2)
    if p["loss"] == "batch_softmax":
        calibrate(model, *calibration)  # for the weights kept, if early stopping restored some
    return log.rows
