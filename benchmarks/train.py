"""Benchmark training steps against this machine's own dense matmul FLOP/s.

    python benchmarks/train.py [--steps 4] [--only reference|recipe]

For the reference configuration (lfw_siamese.configs.REFERENCE) and the recipe
(params.yaml): pairs/s of a training step at its batch size, the FLOP/s that achieves
(forward FLOPs of the twin's conv and dense layers x 2 images x 3 for forward + backward),
and its ratio to the numpy and backend float32 matmul rates measured in the same run. For
the recipe it also compares steps fed by the real input pipeline (pairs mined from
data/pairs/people.npz and distorted on the fly) with steps on batches already in memory,
to show whether the input pipeline starves the model.
"""

import argparse
import time

import numpy as np
from common import ROOT, best_of, numpy_matmul_flops, report, twin_flops

from lfw_siamese.configs import REFERENCE
from lfw_siamese.params import load_params


def backend_matmul_flops(n: int = 2048) -> float:
    import keras

    a = keras.ops.convert_to_tensor(
        np.random.default_rng(0).standard_normal((n, n), dtype=np.float32))
    keras.ops.convert_to_numpy(keras.ops.matmul(a, a))
    return 2 * n**3 / best_of(lambda: keras.ops.convert_to_numpy(keras.ops.matmul(a, a)), 5)


def in_memory_batches(p: dict, steps: int):
    from lfw_siamese.training import PairBatches

    rng = np.random.default_rng(0)
    n = steps * p["batch_size"]
    shape = (p["image_size"], p["image_size"], p["channels"])
    images = rng.integers(0, 256, (2 * n, *shape), dtype=np.uint8)
    fixed = (np.arange(n), np.arange(n, 2 * n), np.arange(n) % 2)
    return PairBatches(images, lambda _rng: fixed, p["batch_size"], False, 0, shuffle=False)


def real_batches(p: dict, steps: int):
    from lfw_siamese.dataset import load_arrays
    from lfw_siamese.training import training_batches

    people = load_arrays(ROOT / "data/pairs/people.npz")
    return training_batches({**p, "pairs_per_epoch": steps * p["batch_size"]}, None, people)


def time_steps(trainer, batches, steps: int) -> float:
    """Seconds per training step over one epoch of `steps` (after a warm-up epoch)."""
    trainer.fit(batches, epochs=1, verbose=0)
    start = time.perf_counter()
    trainer.fit(batches, epochs=1, verbose=0)
    return (time.perf_counter() - start) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=4, help="timed steps per measurement")
    parser.add_argument("--only", choices=["reference", "recipe"])
    args = parser.parse_args()
    numpy_rate = numpy_matmul_flops()
    import keras

    from lfw_siamese.training import compiled_model, seed_everything, trainer_for

    backend_rate = backend_matmul_flops()
    recipe = load_params(ROOT / "params.yaml")
    configs = {"reference": {**recipe, **REFERENCE}, "recipe": recipe}
    rows = []
    for name, p in configs.items():
        if args.only and name != args.only:
            continue
        seed_everything(0)
        model = compiled_model(p)
        trainer = trainer_for(model, p)
        flops_per_pair = 2 * 3 * twin_flops(model)
        feeds = {"in memory": in_memory_batches(p, args.steps)}
        if name == "recipe" and (ROOT / "data/pairs/people.npz").is_file():
            feeds["real input pipeline"] = real_batches(p, args.steps)
        for feed, batches in feeds.items():
            step = time_steps(trainer, batches, args.steps)
            rate = p["batch_size"] * flops_per_pair / step
            rows.append({"model": name, "fed from": feed, "batch": p["batch_size"],
                         "ms/step": 1000 * step, "pairs/s": p["batch_size"] / step,
                         "GFLOP/pair": flops_per_pair / 1e9, "GFLOP/s": rate / 1e9,
                         "/ numpy matmul": rate / numpy_rate,
                         "/ backend matmul": rate / backend_rate})
    report("train", rows, {"numpy_matmul_gflops": numpy_rate / 1e9,
                           "backend_matmul_gflops": backend_rate / 1e9,
                           "backend": keras.backend.backend(), "keras": keras.__version__})
    print(f"matmul float32: numpy {numpy_rate / 1e9:.0f} GFLOP/s, "
          f"{keras.backend.backend()} {backend_rate / 1e9:.0f} GFLOP/s")


if __name__ == "__main__":
    main()
