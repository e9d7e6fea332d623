"""Benchmark the reference model on one GPU with Keras on JAX (no TensorFlow needed).

    KERAS_BACKEND=jax python benchmarks/gpu.py [--out DIR] [--data data/pairs] [--epochs 50]

Times the reference configuration's training step (jit-compiled by Keras on JAX) at batch 64
and 512, in float32 and in mixed bfloat16, on in-memory data; goal: <= 3 ms per batch-64
step (8x the reference report's GPU at 24 ms). With --data (a data/pairs folder made by
`dvc repro prepare` at the reference's settings), it then runs the full reference training
(50 epochs by default) and scores pairsDevTest. On a machine without internet, carry the
keras wheel and the data folder along, and run with PYTHONPATH=src (docs/performance.md).
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def step_ms(p, batch: int, mixed: bool, steps: int = 30) -> float:
    import keras

    from lfw_siamese.training import compiled_model, seed_everything

    keras.mixed_precision.set_global_policy("mixed_bfloat16" if mixed else "float32")
    seed_everything(0)
    model = compiled_model(p.replace(batch_size=batch))
    rng = np.random.default_rng(0)
    shape = (steps * batch, p.image_size, p.image_size, p.input_channels)
    x = [rng.integers(0, 256, shape, dtype=np.uint8) for _ in range(2)]
    y = rng.integers(0, 2, steps * batch).astype("float32")
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)  # compile
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
    return 1000 * (time.perf_counter() - start) / steps


def full_run(p, data: Path, epochs: int) -> dict:
    import keras

    from lfw_siamese import metrics as m
    from lfw_siamese.dataset import load_arrays
    from lfw_siamese.inference import score_pairs
    from lfw_siamese.training import train

    keras.mixed_precision.set_global_policy("float32")
    split = {s: load_arrays(data / f"{s}.npz") for s in ("train", "val", "test")}
    if split["train"]["left"].shape[-1] != p.channels:  # grayscale carried to save space
        for d in split.values():
            d["left"], d["right"] = (np.repeat(d[k], p.channels, axis=-1)
                                     for k in ("left", "right"))
    run = train(p.replace(epochs=epochs), split["val"], pairs=split["train"])
    model, rows, seconds = run.model, run.history, run.seconds
    val = score_pairs(model, split["val"]["left"], split["val"]["right"])
    threshold = m.best_threshold(split["val"]["label"], val)
    test = score_pairs(model, split["test"]["left"], split["test"]["right"])
    return {"epochs": len(rows), "train_seconds": round(seconds, 1), "threshold": threshold,
            "val_accuracy": m.accuracy(split["val"]["label"], val, threshold),
            "test": m.summary(split["test"]["label"], test, threshold), "history": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--data", type=Path, help="a data/pairs folder: also run a full training")
    parser.add_argument("--epochs", type=int, default=50)
    args = parser.parse_args()
    import keras

    from lfw_siamese.experiments import load_set
    from lfw_siamese.params import load_params

    reference = load_set("reference", ROOT / "experiments")["reference"]
    p = load_params(ROOT / "params.yaml").replace(**reference)
    devices = "unknown"
    if keras.backend.backend() == "jax":
        import jax

        devices = ", ".join(d.device_kind for d in jax.devices())
    rows = []
    for batch in (64, 512):
        for mixed in (False, True):
            ms = step_ms(p, batch, mixed)
            rows.append({"batch": batch, "precision": "mixed_bfloat16" if mixed else "float32",
                         "ms/step": round(ms, 3), "pairs/s": round(batch / ms * 1000)})
            print(rows[-1], flush=True)
    result = {"backend": keras.backend.backend(), "keras": keras.__version__,
              "devices": devices, "host": platform.node(), "steps": rows,
              "goal_ms_per_batch64_step": 3.0}
    if args.data:
        result["full_run"] = full_run(p, args.data, args.epochs)
        print({k: v for k, v in result["full_run"].items() if k != "history"}, flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "gpu.json").write_text(json.dumps(result, indent=2, default=float) + "\n")
    print(f"-> {args.out / 'gpu.json'}")


if __name__ == "__main__":
    os.environ.setdefault("KERAS_BACKEND", "jax")
    main()
