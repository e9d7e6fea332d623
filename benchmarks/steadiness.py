"""Epoch-to-epoch spread of recipe training, beside the machine's own matmul rate.

    python benchmarks/steadiness.py [--epochs 20] [--steps 94]

One `fit` of the recipe (params.yaml) for `--epochs` epochs of `--steps` steps, fed by the
real input pipeline when data/pairs/people.npz exists (else by batches in memory), after a
warm-up epoch. After each epoch, outside its timing, a fixed block of numpy float32 matmuls
(`--block` of them, 2048 x 2048, ~5 s) is timed. It prints each epoch's seconds and the
block's beside it, the spread of both ((max - min) / median) and their correlation: if the
same fixed arithmetic in numpy spreads as much, and the epochs slow down when it does, the
spread comes from the machine (a shared host), not from training.
"""
import argparse
import time

import keras
import numpy as np
from common import ROOT, in_memory_batches, real_objective, report

from lfw_siamese.params import load_params
from lfw_siamese.paths import PAIRS


def numpy_block(matmuls: int, n: int = 2048) -> float:
    """Seconds for a fixed number of n x n float32 matmuls in numpy (all cores)."""
    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    start = time.perf_counter()
    for _ in range(matmuls):
        a @ a
    return time.perf_counter() - start


class EpochsAndBlocks(keras.callbacks.Callback):
    """Seconds of each epoch (begin to end) and of a numpy block timed after it."""

    def __init__(self, matmuls: int):
        super().__init__()
        self.matmuls, self.seconds, self.blocks = matmuls, [], []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)
        self.blocks.append(numpy_block(self.matmuls))


def spread(values) -> float:
    return (max(values) - min(values)) / float(np.median(values))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=20, help="timed epochs")
    parser.add_argument("--steps", type=int, default=94, help="steps per epoch (the recipe's)")
    parser.add_argument("--block", type=int, default=100, help="numpy matmuls timed per epoch")
    args = parser.parse_args()

    from lfw_siamese.net.objectives import in_batch_trainer
    from lfw_siamese.net.training import compiled_model, seed_everything

    p = load_params(ROOT / "params.yaml")
    seed_everything(0)
    model = compiled_model(p)
    trainer = in_batch_trainer(model, p) if p.loss == "batch_softmax" else model
    real = (ROOT / PAIRS / "people.npz").is_file()
    batches = (real_objective(p, args.steps).batches if real
               else in_memory_batches(p, args.steps))
    probe = EpochsAndBlocks(args.block)
    trainer.fit(batches, epochs=args.epochs + 1, verbose=0, callbacks=[probe])
    seconds, blocks = probe.seconds[1:], probe.blocks[1:]
    rows = [{"epoch": i + 1, "seconds": s, "numpy block seconds": b}
            for i, (s, b) in enumerate(zip(seconds, blocks, strict=True))]
    summary = {"fed from": "real input pipeline" if real else "in memory",
               "steps": args.steps, "matmuls per block": args.block,
               "epoch spread": spread(seconds),
               "epoch seconds p10-p90": np.percentile(seconds, [10, 90]).tolist(),
               "numpy block spread": spread(blocks),
               "numpy block seconds p10-p90": np.percentile(blocks, [10, 90]).tolist(),
               "correlation (epoch, block seconds)": float(np.corrcoef(seconds, blocks)[0, 1])}
    report("steadiness", rows, summary)
    for key, value in summary.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
