"""Benchmark training epochs against this machine's own dense matmul FLOP/s.

    python benchmarks/train.py [--steps 47] [--reference-steps 4] [--epochs 4]
                               [--only reference recipe recipe-v2 wide ...]
                               [--variant now] [--before REV] [--name train]

For the reference configuration (experiments/reference.yaml), the recipe (params.yaml)
and the previous recipe or candidates of experiments/levers-recipe-v2.yaml named in --only
(e.g. `recipe-v2`, `regions-200`): one `fit` of `--epochs` epochs of `--steps` steps (the reference:
`--reference-steps`, 13 s each on 2 cores) after a warm-up epoch, timed epoch by epoch as
training runs them, giving pairs/s at the median epoch, the step time against the first
configuration's, the spread of epoch times ((slowest - fastest) / median), the FLOP/s
achieved (forward FLOPs of the twin's conv and dense layers x 2 images x 3 for forward +
backward) and its ratio to the numpy and backend float32 matmul rates measured in the same
run. numpy's rate is measured before the run and before and after each variant's timings,
and the ratio taken against the highest of them: on a shared machine the rate moves (198 to
321 GFLOP/s on the Intel machine), and the highest is the conservative bound. For the
recipe (and recipe v2, which reads the same arrays) it also compares epochs fed
by the real input pipeline (pairs mined from data/pairs/people.npz every epoch) with epochs of
batches already in memory. A configuration that augments distorts its images inside the
train step, so both feeds include it (before the augmentation layer, the real input
pipeline distorted them with PIL and "in memory" not at all).

Each figure is measured in child processes, one per variant, so before and after come from
one run: TensorFlow's oneDNN kernels off (its default on CPUs without AVX-512 VNNI/BF16,
e.g. AMD EPYC), oneDNN on with Keras' tf.data autotuning (before `steady_tf_data`), and
what the package now sets (oneDNN on, autotuning off: lfw_siamese/__init__.py, training.py);
`--variant now bf16` adds the same under Keras' mixed bfloat16 policy (timing only).
`--before REV` first times the package as it was at git revision REV (a temporary git
worktree, oneDNN on, no autotune), and the speed-up column is then against it.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import keras
import numpy as np
from common import (
    ROOT,
    best_of,
    in_memory_batches,
    numpy_matmul_flops,
    real_objective,
    report,
    twin_flops,
)

from lfw_siamese.experiments import load_set
from lfw_siamese.params import load_params
from lfw_siamese.paths import PAIRS

# variant -> (TF_ENABLE_ONEDNN_OPTS, tf.data autotuning as Keras sets it, Keras dtype policy)
VARIANTS = {"oneDNN off": ("0", False, "float32"), "oneDNN on, autotune": ("1", True, "float32"),
            "now (oneDNN on, no autotune)": ("1", False, "float32"),
            "now, mixed bfloat16": ("1", False, "mixed_bfloat16")}
SHORT = dict(zip(["off", "autotune", "now", "bf16"], VARIANTS, strict=True))
# the previous recipe and the levers screened on it (the set's "recipe" is recipe v2)
LEVERS = load_set("levers-recipe-v2", ROOT / "experiments")
CANDIDATES = {"recipe-v2": LEVERS["recipe"], **{n: c for n, c in LEVERS.items() if n != "recipe"}}
REFERENCE = load_set("reference", ROOT / "experiments")["reference"]


def backend_matmul_flops(n: int = 2048) -> float:
    import keras

    a = keras.ops.convert_to_tensor(
        np.random.default_rng(0).standard_normal((n, n), dtype=np.float32))
    keras.ops.convert_to_numpy(keras.ops.matmul(a, a))
    return 2 * n**3 / best_of(lambda: keras.ops.convert_to_numpy(keras.ops.matmul(a, a)), 5)


class EpochTimes(keras.callbacks.Callback):
    """Wall seconds of each epoch, from its start to the next one's (or the end of fit)."""

    def __init__(self):
        super().__init__()
        self.starts = []

    def on_epoch_begin(self, epoch, logs=None):
        self.starts.append(time.perf_counter())

    def on_train_end(self, logs=None):
        self.seconds = np.diff([*self.starts, time.perf_counter()])


def epoch_seconds(trainer, batches, epochs: int) -> list[float]:
    """Seconds of each epoch of one fit, after a warm-up epoch (tracing) left out."""
    timer = EpochTimes()
    trainer.fit(batches, epochs=epochs + 1, verbose=0, callbacks=[timer])
    return timer.seconds[1:].tolist()


def measure(only: list[str], steps: dict, epochs: int, keras_autotune: bool) -> dict:
    """In this process (oneDNN as the environment sets it): rows and the backend matmul rate."""
    from keras.src.trainers.data_adapters.py_dataset_adapter import PyDatasetAdapter

    from lfw_siamese.net.objectives import in_batch_trainer
    from lfw_siamese.net.training import compiled_model, seed_everything

    recipe = load_params(ROOT / "params.yaml")
    configs = {"reference": recipe.replace(**REFERENCE), "recipe": recipe,
               **{name: recipe.replace(**c) for name, c in CANDIDATES.items()}}
    rows, numpy_rates = [], [numpy_matmul_flops()]
    for name in only:
        p = configs[name]
        seed_everything(0)
        if keras_autotune:  # undo steady_tf_data
            PyDatasetAdapter.get_tf_dataset = PyDatasetAdapter.get_tf_dataset.__wrapped__
        model = compiled_model(p)
        trainer = in_batch_trainer(model, p) if p.loss == "batch_softmax" else model
        n = steps.get(name, steps["recipe"])
        feeds = {"in memory": in_memory_batches(p, n)}
        if name in ("recipe", "recipe-v2") and (ROOT / PAIRS / "people.npz").is_file():
            feeds["real input pipeline"] = real_objective(p, n).batches
        for feed, batches in feeds.items():
            rows.append({"model": name, "fed from": feed, "batch": p.batch_size,
                         "steps": len(batches), "epochs": epoch_seconds(trainer, batches, epochs),
                         "flops_per_pair": 2 * 3 * twin_flops(model)})
    numpy_rates.append(numpy_matmul_flops())
    return {"rows": rows, "backend_rate": backend_matmul_flops(), "numpy_rates": numpy_rates}


def checkout(rev: str) -> Path:
    """A temporary git worktree of `rev`, its data/ this checkout's (the same arrays)."""
    tree = Path(tempfile.mkdtemp(prefix="before-")) / "tree"
    subprocess.run(["git", "worktree", "add", "-q", "--detach", str(tree), rev], cwd=ROOT,
                   check=True)
    (tree / "data").symlink_to(ROOT / "data")
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=47, help="steps per timed epoch")
    parser.add_argument("--reference-steps", type=int, default=4,
                        help="steps per timed epoch of the reference model")
    parser.add_argument("--epochs", type=int, default=4, help="timed epochs per measurement")
    parser.add_argument("--only", nargs="+", choices=["reference", "recipe", *CANDIDATES],
                        default=["reference", "recipe"], help="configurations to time")
    parser.add_argument("--variant", nargs="+", choices=list(SHORT), default=list(SHORT)[:3],
                        help="kernel settings to time: oneDNN off, on with Keras' tf.data "
                             "autotuning, as the package sets them now, or now with Keras' "
                             "mixed bfloat16 policy")
    parser.add_argument("--before", metavar="REV",
                        help="also time the package as it was at git revision REV (first)")
    parser.add_argument("--name", default="train",
                        help="results file: benchmarks/results/NAME.json")
    parser.add_argument("--child", choices=["keras-autotune", "steady"], help=argparse.SUPPRESS)
    parser.add_argument("--policy", default="float32", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        keras.mixed_precision.set_global_policy(args.policy)
        steps = {"recipe": args.steps, "reference": args.reference_steps}
        result = measure(args.only, steps, args.epochs, args.child == "keras-autotune")
        print(json.dumps(result))
        return
    numpy_rates = [numpy_matmul_flops()]
    rows, extra = [], {}
    child = ["--steps", str(args.steps), "--reference-steps", str(args.reference_steps),
             "--epochs", str(args.epochs), "--only", *args.only]
    runs = []  # (variant, command, environment)
    if args.before:
        tree = checkout(args.before)
        runs.append((f"before ({args.before}, oneDNN on, no autotune)",
                     [sys.executable, str(tree / "benchmarks/train.py"), *child,
                      "--child", "steady"],
                     {"TF_ENABLE_ONEDNN_OPTS": "1", "PYTHONPATH": str(tree / "src")}))
    for variant in [SHORT[v] for v in args.variant]:
        onednn, keras_autotune, policy = VARIANTS[variant]
        runs.append((variant, [sys.executable, __file__, *child, "--policy", policy, "--child",
                               "keras-autotune" if keras_autotune else "steady"],
                     {"TF_ENABLE_ONEDNN_OPTS": onednn}))
    for variant, cmd, env in runs:
        start = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                             env={**os.environ, **env}).stdout
        result = json.loads(out.strip().splitlines()[-1])
        extra[f"backend_matmul_gflops, {variant}"] = result["backend_rate"] / 1e9
        numpy_rates += result["numpy_rates"]
        for r in result["rows"]:
            epoch = float(np.median(r["epochs"]))
            step = epoch / r["steps"]
            rate = r["batch"] * r["flops_per_pair"] / step
            rows.append({"variant": variant, "model": r["model"], "fed from": r["fed from"],
                         "ms/step": 1000 * step, "pairs/s": r["batch"] / step,
                         "epoch spread": (max(r["epochs"]) - min(r["epochs"])) / epoch,
                         "epoch s": [round(e, 2) for e in r["epochs"]],
                         "GFLOP/s": rate / 1e9, "/ backend matmul": rate / result["backend_rate"]})
        print(f"{variant}: measured in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    if args.before:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=True)
    numpy_rate = max(numpy_rates)
    extra["numpy_matmul_gflops, each measurement"] = [round(r / 1e9, 1) for r in numpy_rates]
    extra["numpy_matmul_gflops"] = numpy_rate / 1e9
    for r in rows:
        r["/ numpy matmul"] = r["GFLOP/s"] * 1e9 / numpy_rate
    first = runs[0][0]
    for r in rows:  # against the same model and feed in the first variant timed
        before = next(b for b in rows if b["variant"] == first
                      and (b["model"], b["fed from"]) == (r["model"], r["fed from"]))
        r["speed-up"] = before["ms/step"] / r["ms/step"]
    for r in rows:  # against the first configuration's step in memory, same variant
        base = next(b for b in rows if b["variant"] == r["variant"]
                    and (b["model"], b["fed from"]) == (args.only[0], "in memory"))
        r[f"/ {args.only[0]} step"] = r["ms/step"] / base["ms/step"]
    report(args.name, rows, extra)
    seen = ", ".join(f"{r / 1e9:.0f}" for r in numpy_rates)
    print(f"matmul float32, numpy: {numpy_rate / 1e9:.0f} GFLOP/s, the highest of {seen}")


if __name__ == "__main__":
    main()
