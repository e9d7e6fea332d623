"""Epoch-to-epoch spread of recipe training, beside the machine's own matmul rate.

    python benchmarks/steadiness.py [--epochs 20] [--steps 94]

One `fit` of the recipe (params.yaml) for `--epochs` epochs of `--steps` steps, fed by the
real input pipeline when data/pairs/people.npz exists (else by batches in memory), after a
warm-up epoch. At each epoch's end, outside the epoch's timing, numpy's float32 matmul rate
is measured. It prints each epoch's seconds and the rate beside it, the spread of both
((max - min) / median) and their correlation: if the epochs slow down when the machine's own
matmul slows down, the spread comes from the machine (a shared host), not from training.
"""
import argparse
import time

import keras
import numpy as np
from common import ROOT, numpy_matmul_flops, report
from train import in_memory_batches, real_objective

from lfw_siamese.params import load_params
from lfw_siamese.paths import PAIRS


class EpochsAndRates(keras.callbacks.Callback):
    """Seconds of each epoch (begin to end) and numpy's matmul rate measured after it."""

    def __init__(self):
        super().__init__()
        self.seconds, self.rates = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)
        self.rates.append(numpy_matmul_flops())


def spread(values) -> float:
    return (max(values) - min(values)) / float(np.median(values))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=20, help="timed epochs")
    parser.add_argument("--steps", type=int, default=94, help="steps per epoch (the recipe's)")
    args = parser.parse_args()

    from lfw_siamese.training import compiled_model, in_batch_trainer, seed_everything

    p = load_params(ROOT / "params.yaml")
    seed_everything(0)
    model = compiled_model(p)
    trainer = in_batch_trainer(model, p) if p.loss == "batch_softmax" else model
    real = (ROOT / PAIRS / "people.npz").is_file()
    batches = (real_objective(p, args.steps).batches if real
               else in_memory_batches(p, args.steps))
    probe = EpochsAndRates()
    trainer.fit(batches, epochs=args.epochs + 1, verbose=0, callbacks=[probe])
    seconds, rates = probe.seconds[1:], np.array(probe.rates[1:]) / 1e9
    rows = [{"epoch": i + 1, "seconds": s, "numpy matmul GFLOP/s": r}
            for i, (s, r) in enumerate(zip(seconds, rates, strict=True))]
    summary = {"fed from": "real input pipeline" if real else "in memory",
               "steps": args.steps, "epoch spread": spread(seconds),
               "epoch seconds p10-p90": np.percentile(seconds, [10, 90]).tolist(),
               "numpy matmul spread": spread(rates),
               "correlation (epoch seconds, 1 / rate)": float(
                   np.corrcoef(seconds, 1 / rates)[0, 1])}
    report("steadiness", rows, summary)
    for key, value in summary.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
