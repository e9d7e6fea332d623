"""What training optimises: the two objectives behind the `loss` parameter.

- `PairObjective` (bce, contrastive): the siamese model itself trains on labelled pairs.
- `InBatchObjective` (batch_softmax): the twin trains on batches of same-person pairs, every
  other pair of a batch a negative; the score head is fitted afterwards (calibration).
`train()` (training.py) drives either through the `Objective` interface.
"""

from typing import Protocol

import keras
import numpy as np
from keras import layers, ops

from .augment import Augment
from .batches import FixedBatches, PairBatches
from .calibration import DistinctPairs, calibrate
from .losses import CosFace, InBatchSoftmax, make_loss, partner_accuracy
from .mining import mine_pairs, mine_positive_batches
from .model import PACKAGE, twin_of, unit
from .optimizers import make_optimizer

CALIBRATION_PAIRS = 2000  # mined training pairs that fit the score head of batch_softmax


class Objective(Protocol):
    """How `train()` fits a siamese model for one loss."""

    batches: PairBatches  # the training input, whose random state a checkpoint keeps

    def trainer(self, model: keras.Model) -> keras.Model:
        """The compiled model that `fit` trains (it shares the siamese model's weights)."""

    def validation(self, val: dict):
        """`validation_data` for `fit`, or None when a callback validates instead."""

    def callbacks(self, model: keras.Model, val: dict) -> list[keras.callbacks.Callback]:
        """Callbacks the objective needs during `fit`."""

    def finish(self, model: keras.Model) -> None:
        """Make the siamese model usable once training ends (e.g. fit its score head)."""


def objective_for(p, pairs: dict | None, people: dict | None) -> Objective:
    if p.loss == "batch_softmax":
        return InBatchObjective(p, people)
    return PairObjective(p, pairs, people)


class PairObjective:
    """bce / contrastive: the siamese model itself trains on labelled pairs (the fixed dev
    pairs, or balanced pairs mined afresh each epoch) and Keras validates it."""

    def __init__(self, p, pairs: dict | None, people: dict | None):
        self.p = p
        if p.train_pairs == "mined":
            person = people["person"]
            self.batches = PairBatches(people["image"],
                                       lambda rng: mine_pairs(person, p.pairs_per_epoch, rng),
                                       p.pairs_per_epoch, p.batch_size, p.seed)
        else:
            n = len(pairs["label"])
            fixed = (np.arange(n), np.arange(n, 2 * n), pairs["label"])
            self.batches = PairBatches(np.concatenate([pairs["left"], pairs["right"]]),
                                       lambda _rng: fixed, n, p.batch_size, p.seed)

    def trainer(self, model: keras.Model) -> keras.Model:
        if not self.p.augment:
            return model
        return augmented_trainer(model, self.p)

    def validation(self, val: dict):
        return FixedBatches(val["left"], val["right"], val["label"])

    def callbacks(self, model: keras.Model, val: dict) -> list:
        return []

    def finish(self, model: keras.Model) -> None:
        pass


class InBatchObjective:
    """batch_softmax: the twin trains through `embedding_trainer` on batches of same-person
    pairs of distinct people (every other pair of a batch is a negative), with
    `identity_weight` > 0 also to classify each image among the training people (CosFace);
    after each epoch the siamese model's score head is calibrated on mined pairs and
    validated."""

    def __init__(self, p, people: dict):
        person, images = people["person"], people["image"]
        self.p = p
        self.classes = int(person.max()) + 1 if p.identity_weight else 0
        self.batches = PairBatches(
            images, lambda rng: mine_positive_batches(person, p.pairs_per_epoch, p.batch_size,
                                                      rng),
            p.pairs_per_epoch, p.batch_size, p.seed, shuffle=False,
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


def views(siamese: keras.Model, p) -> tuple[list, list]:
    """New left and right inputs shaped as the siamese model's, and what the twin sees of
    them: with p.augment, each image randomly distorted (and erased) in the train step."""
    shape = siamese.inputs[0].shape[1:]
    inputs = [keras.Input(shape, name=name) for name in ("left", "right")]
    if not p.augment:
        return inputs, inputs
    augment = Augment(p.seed, p.erase, name="augment")
    return inputs, [augment(x) for x in inputs]


def augmented_trainer(siamese: keras.Model, p) -> keras.Model:
    """The siamese model behind the augmentation layer, compiled for labelled pairs."""
    inputs, seen = views(siamese, p)
    return compile_for_pairs(keras.Model(inputs, siamese(seen), name="augmented_siamese"), p)


def compile_for_pairs(model: keras.Model, p) -> keras.Model:
    """`model` (pairs -> P(same)) compiled with p's optimizer and loss, accuracy and AUC."""
    model.compile(optimizer=make_optimizer(p), loss=make_loss(p),
                  metrics=[keras.metrics.BinaryAccuracy(name="accuracy"),
                           keras.metrics.AUC(name="auc")])
    return model


def in_batch_trainer(model: keras.Model, p, classes: int = 0) -> keras.Model:
    """The siamese model's two embeddings side by side, compiled with the in-batch loss (and,
    with `classes`, the identity loss weighted by p.identity_weight)."""
    trainer = embedding_trainer(model, p, classes)
    accuracy = keras.metrics.MeanMetricWrapper(partner_accuracy, "accuracy")
    if not classes:
        trainer.compile(optimizer=make_optimizer(p), loss=InBatchSoftmax(), metrics=[accuracy])
        return trainer
    trainer.compile(optimizer=make_optimizer(p),
                    loss=[InBatchSoftmax(), CosFace(p.identity_margin)],
                    loss_weights=[1.0, p.identity_weight], metrics=[[accuracy], []])
    return trainer


@keras.saving.register_keras_serializable(package=PACKAGE)
class CosineClassifier(layers.Layer):
    """Cosine similarity of each embedding to one learned centre per identity: (batch, classes)."""

    def __init__(self, classes: int, **kwargs):
        super().__init__(**kwargs)
        self.classes = classes

    def build(self, input_shape):
        self.centres = self.add_weight(shape=(input_shape[-1], self.classes), name="centres",
                                       initializer="glorot_uniform")

    def call(self, x):
        return ops.matmul(unit(x), unit(self.centres, axis=0))

    def get_config(self):
        return {**super().get_config(), "classes": self.classes}


def embedding_trainer(siamese: keras.Model, p, classes: int = 0) -> keras.Model:
    """Both embeddings side by side, (B, 2d), sharing the siamese model's twin weights; with
    `classes`, a second output: both images' cosines to that many identity centres, (B, 2C)."""
    twin = twin_of(siamese)
    inputs, seen = views(siamese, p)
    pair = [twin(x) for x in seen]
    both = layers.Concatenate(name="embeddings")(pair)
    if not classes:
        return keras.Model(inputs, both, name="embedding_trainer")
    centres = CosineClassifier(classes, name="identity")
    identities = layers.Concatenate(name="identities")([centres(x) for x in pair])
    return keras.Model(inputs, [both, identities], name="embedding_trainer")


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


class IdentityLogs(keras.callbacks.Callback):
    """With identity supervision the trainer has two outputs and Keras prefixes the in-batch
    accuracy with its output's name; give it back its plain name, as without."""

    def on_epoch_end(self, epoch, logs=None):
        logs["accuracy"] = logs.pop("embeddings_accuracy")
