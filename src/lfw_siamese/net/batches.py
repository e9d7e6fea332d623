"""Training batches: an epoch's index pairs drawn from one seeded generator, images gathered.
(Augmentation happens inside the train step: augment.py.)"""

import keras
import numpy as np


class PairBatches(keras.utils.PyDataset):
    """Batches of ((left, right), label) from one uint8 image array and index pairs.

    `draw(rng)` gives an epoch's `n` (left, right, label) indices: the fixed pairs, or pairs
    mined afresh. They are shuffled (unless `shuffle` is false: batches built for in-batch
    negatives), both from one seeded generator.
    An epoch's pairs are drawn when its first batch is asked for, so the generator's state
    between epochs (`state()`) is all a resumed run needs to continue the same stream.
    """

    def __init__(self, images, draw, n: int, batch_size: int, seed: int,
                 shuffle: bool = True, targets: int = 1):
        super().__init__()
        self.images, self.draw, self.n, self.batch_size = images, draw, n, batch_size
        self.shuffle, self.targets = shuffle, targets
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
        targets = label if self.targets == 1 else (label,) * self.targets
        return (self.images[left], self.images[right]), targets

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


class FixedBatches(keras.utils.PyDataset):
    """Fixed ((left, right), label) pairs in their order, `batch_size` at a time: what Keras
    makes of the same arrays (32 a batch unless told), read without the tf.data pipeline it
    builds for arrays, whose rewrite under op determinism logs a TensorFlow error line
    (E0000 ... use_unbounded_threadpool) at each validation."""

    def __init__(self, left, right, label, batch_size: int = 32):
        super().__init__()
        self.left, self.right, self.label, self.batch_size = left, right, label, batch_size

    def __len__(self):
        return -(-len(self.label) // self.batch_size)

    def __getitem__(self, i):
        rows = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return (self.left[rows], self.right[rows]), self.label[rows]
