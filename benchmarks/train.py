"""Benchmark training steps against this machine's own dense matmul FLOP/s.

    python benchmarks/train.py [--steps 20] [--only reference|recipe]

For the reference configuration (lfw_siamese.configs.REFERENCE) and the recipe
(params.yaml): pairs/s of a training step at its batch size, the FLOP/s that achieves
(forward FLOPs of the twin's conv and dense layers x 2 images x 3 for forward + backward),
and its ratio to the numpy and backend float32 matmul rates measured in the same run. For
the recipe it also compares steps fed by the real input pipeline (pairs mined from
data/pairs/people.npz and distorted on the fly) with steps on batches already in memory,
to show whether the input pipeline starves the model.

Each figure is measured twice, in child processes: with TensorFlow's oneDNN kernels off
("before": TensorFlow's default on CPUs without AVX-512 VNNI/BF16, e.g. AMD EPYC) and on
("after": what the package now sets, lfw_siamese/__init__.py), so the pair comes from one run.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
from common import ROOT, best_of, numpy_matmul_flops, report, twin_flops

from lfw_siamese.configs import REFERENCE
from lfw_siamese.params import load_params
from lfw_siamese.paths import PAIRS

ONEDNN = {"before (oneDNN off)": "0", "after (oneDNN on)": "1"}


def backend_matmul_flops(n: int = 2048) -> float:
    import keras

    a = keras.ops.convert_to_tensor(
        np.random.default_rng(0).standard_normal((n, n), dtype=np.float32))
    keras.ops.convert_to_numpy(keras.ops.matmul(a, a))
    return 2 * n**3 / best_of(lambda: keras.ops.convert_to_numpy(keras.ops.matmul(a, a)), 5)


def in_memory_batches(p, steps: int):
    from lfw_siamese.training import PairBatches

    rng = np.random.default_rng(0)
    n = steps * p.batch_size
    shape = (p.image_size, p.image_size, p.channels)
    images = rng.integers(0, 256, (2 * n, *shape), dtype=np.uint8)
    fixed = (np.arange(n), np.arange(n, 2 * n), (np.arange(n) % 2).astype(np.uint8))
    return PairBatches(images, lambda _rng: fixed, n, p.batch_size, False, 0, shuffle=False)


def real_objective(p, steps: int):
    from lfw_siamese.dataset import load_arrays
    from lfw_siamese.training import objective_for

    people = load_arrays(ROOT / PAIRS / "people.npz")
    return objective_for(p.replace(pairs_per_epoch=steps * p.batch_size), None, people)


def time_steps(trainer, batches, steps: int) -> float:
    """Seconds per training step: the faster of two epochs of `steps`, after a warm-up one."""
    trainer.fit(batches, epochs=1, verbose=0)

    def epoch():
        trainer.fit(batches, epochs=1, verbose=0)

    return best_of(epoch, 2) / steps


def measure(only: str | None, steps: int) -> dict:
    """In this process (oneDNN as the environment sets it): rows and the backend matmul rate."""
    from lfw_siamese.training import compiled_model, in_batch_trainer, seed_everything

    recipe = load_params(ROOT / "params.yaml")
    configs = {"reference": recipe.replace(**REFERENCE), "recipe": recipe}
    rows = []
    for name, p in configs.items():
        if only and name != only:
            continue
        seed_everything(0)
        model = compiled_model(p)
        trainer = in_batch_trainer(model, p) if p.loss == "batch_softmax" else model
        feeds = {"in memory": in_memory_batches(p, steps)}
        if name == "recipe" and (ROOT / PAIRS / "people.npz").is_file():
            feeds["real input pipeline"] = real_objective(p, steps).batches
        for feed, batches in feeds.items():
            rows.append({"model": name, "fed from": feed, "batch": p.batch_size,
                         "step": time_steps(trainer, batches, steps),
                         "flops_per_pair": 2 * 3 * twin_flops(model)})
    return {"rows": rows, "backend_rate": backend_matmul_flops()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20, help="timed steps per measurement")
    parser.add_argument("--only", choices=["reference", "recipe"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.only, args.steps)))
        return
    numpy_rate = numpy_matmul_flops()
    rows, extra = [], {"numpy_matmul_gflops": numpy_rate / 1e9}
    for variant, flag in ONEDNN.items():
        cmd = [sys.executable, __file__, "--child", "--steps", str(args.steps)]
        cmd += ["--only", args.only] if args.only else []
        start = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                             env={**os.environ, "TF_ENABLE_ONEDNN_OPTS": flag}).stdout
        result = json.loads(out.strip().splitlines()[-1])
        extra[f"backend_matmul_gflops, {variant}"] = result["backend_rate"] / 1e9
        for r in result["rows"]:
            rate = r["batch"] * r["flops_per_pair"] / r["step"]
            rows.append({"kernels": variant, "model": r["model"], "fed from": r["fed from"],
                         "ms/step": 1000 * r["step"], "pairs/s": r["batch"] / r["step"],
                         "GFLOP/pair": r["flops_per_pair"] / 1e9, "GFLOP/s": rate / 1e9,
                         "/ numpy matmul": rate / numpy_rate,
                         "/ backend matmul": rate / result["backend_rate"]})
        print(f"{variant}: measured in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    for r in rows[len(rows) // 2:]:  # the after rows, against the matching before row
        before = next(b for b in rows
                      if (b["model"], b["fed from"]) == (r["model"], r["fed from"]))
        r["speed-up"] = before["ms/step"] / r["ms/step"]
    report("train", rows, extra)
    print(f"matmul float32: numpy {numpy_rate / 1e9:.0f} GFLOP/s (parent process)")


if __name__ == "__main__":
    main()
