"""Benchmark training on one GPU with Keras on JAX (no TensorFlow needed).

    python benchmarks/gpu.py --pack data.npz.xz [--data data/pairs]     # on this machine
    KERAS_BACKEND=jax python benchmarks/gpu.py [--config recipe|reference] [--data DATA]
                                               [--epochs 50] [--steps 30] [--out DIR]

Times the configuration's training step as `train()` runs it (jit-compiled by Keras on JAX;
the recipe: pairs mined on the host, augmentation and the in-batch loss in the step) at batch
64 and 512, in float32 and in mixed bfloat16; goal: <= 3 ms per batch-64 step. With --data
(a data/pairs folder made by `dvc repro prepare` at the configuration's settings, or a bundle
of it made by --pack), it then runs the full training (50 epochs by default) and scores
pairsDevTest with the net alone (validation threshold, flip TTA per params; the fusion with
the LBP descriptors, a CPU step of ~2 min, is not part of the benchmark).
--pack writes the arrays a configuration needs (recipe: people, val, test; reference:
train, val, test) as each split's distinct images and indices, lzma-compressed: the recipe's
fit the 64 MiB a run on the GPU machine may carry. Carry the keras, namex and optree wheels
too, and run with PYTHONPATH=src (docs/performance.md).
"""

import argparse
import io
import json
import lzma
import os
import platform
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


SPLITS = {"recipe": ("people", "val", "test"), "reference": ("train", "val", "test")}


def step_ms(p, batch: int, mixed: bool, steps: int) -> float:
    """ms per step of `p`'s own trainer and input, on random images of as many people."""
    import keras

    from lfw_siamese.net.objectives import objective_for
    from lfw_siamese.net.training import compiled_model, seed_everything

    keras.mixed_precision.set_global_policy("mixed_bfloat16" if mixed else "float32")
    seed_everything(0)
    p = p.replace(batch_size=batch, pairs_per_epoch=steps * batch)
    rng = np.random.default_rng(0)
    shape = (2 * steps * batch, p.image_size, p.image_size, p.input_channels)
    images = rng.integers(0, 256, shape, dtype=np.uint8)
    n = steps * batch
    people = {"image": images, "person": np.repeat(np.arange(n), 2).astype(np.int32)}
    pairs = {"left": images[:n], "right": images[n:], "label": (np.arange(n) % 2)
             .astype(np.uint8)}
    objective = objective_for(p, pairs, people)
    trainer = objective.trainer(compiled_model(p))
    trainer.fit(objective.batches, epochs=1, verbose=0)  # compile
    start = time.perf_counter()
    trainer.fit(objective.batches, epochs=1, verbose=0)
    return 1000 * (time.perf_counter() - start) / len(objective.batches)


def pack(data: Path, config: str, out: Path) -> None:
    """The splits `config` trains and scores on, as distinct images + indices, lzma'd."""
    from lfw_siamese.data.dataset import load_arrays
    from lfw_siamese.net.calibration import DistinctPairs

    arrays = {}
    for split in SPLITS[config]:
        d = load_arrays(data / f"{split}.npz")
        if split == "people":
            arrays.update({f"people/{k}": v for k, v in d.items()})
            continue
        distinct = DistinctPairs(d["left"], d["right"], d["label"])
        arrays[f"{split}/images"] = distinct.images
        arrays[f"{split}/index"] = np.stack([distinct.left, distinct.right]).astype(np.int32)
        arrays[f"{split}/label"] = d["label"]
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    out.write_bytes(lzma.compress(buffer.getvalue(), preset=6))
    print(f"-> {out}: {out.stat().st_size / 2**20:.1f} MiB ({', '.join(SPLITS[config])})")


def load(data: Path, config: str) -> dict:
    """{split: arrays} from a data/pairs folder or a --pack bundle."""
    from lfw_siamese.data.dataset import load_arrays

    if data.is_dir():
        return {split: load_arrays(data / f"{split}.npz") for split in SPLITS[config]}
    with np.load(io.BytesIO(lzma.decompress(data.read_bytes()))) as z:
        flat = {k: z[k] for k in z.files}
    splits = {}
    for split in SPLITS[config]:
        if split == "people":
            splits[split] = {k.split("/")[1]: v for k, v in flat.items()
                             if k.startswith("people/")}
            continue
        images, (left, right) = flat[f"{split}/images"], flat[f"{split}/index"]
        splits[split] = {"left": images[left], "right": images[right],
                         "label": flat[f"{split}/label"]}
    return splits


def full_run(p, data: Path, config: str, epochs: int) -> dict:
    import keras

    from lfw_siamese.net.inference import score_pairs
    from lfw_siamese.net.training import train
    from lfw_siamese.verification import metrics as m

    keras.mixed_precision.set_global_policy("float32")
    split = load(data, config)
    if config == "reference" and split["train"]["left"].shape[-1] != p.channels:
        for d in split.values():  # grayscale carried to save space
            d["left"], d["right"] = (np.repeat(d[k], p.channels, axis=-1)
                                     for k in ("left", "right"))
    run = train(p.replace(epochs=epochs), split["val"], pairs=split.get("train"),
                people=split.get("people"))
    model, rows, seconds = run.model, run.history, run.seconds
    val = score_pairs(model, split["val"]["left"], split["val"]["right"], p.tta)
    threshold = m.best_threshold(split["val"]["label"], val)
    test = score_pairs(model, split["test"]["left"], split["test"]["right"], p.tta)
    return {"epochs": len(rows), "train_seconds": round(seconds, 1), "threshold": threshold,
            "val_accuracy": m.accuracy(split["val"]["label"], val, threshold),
            "test": m.summary(split["test"]["label"], test, threshold), "history": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", choices=list(SPLITS), default="recipe",
                        help="recipe (params.yaml) or reference (experiments/reference.yaml)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--data", type=Path,
                        help="a data/pairs folder or a --pack bundle: also run a full training")
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--steps", type=int, default=30, help="timed steps per measurement")
    parser.add_argument("--pack", type=Path, metavar="OUT",
                        help="write the --data folder's arrays to the bundle OUT and stop")
    args = parser.parse_args()
    if args.pack:
        pack(args.data or ROOT / "data" / "pairs", args.config, args.pack)
        return
    import keras

    from lfw_siamese.experiments import load_set
    from lfw_siamese.params import load_params

    p = load_params(ROOT / "params.yaml")
    if args.config == "reference":
        p = p.replace(**load_set("reference", ROOT / "experiments")["reference"])
    devices = "unknown"
    if keras.backend.backend() == "jax":
        import jax

        devices = ", ".join(d.device_kind for d in jax.devices())
    rows = []
    for batch in (64, 512):
        for mixed in (False, True):
            ms = step_ms(p, batch, mixed, args.steps)
            rows.append({"batch": batch, "precision": "mixed_bfloat16" if mixed else "float32",
                         "ms/step": round(ms, 3), "pairs/s": round(batch / ms * 1000)})
            print(rows[-1], flush=True)
    result = {"config": args.config, "backend": keras.backend.backend(),
              "keras": keras.__version__,
              "devices": devices, "host": platform.node(), "steps": rows,
              "goal_ms_per_batch64_step": 3.0}
    if args.data:
        result["full_run"] = full_run(p, args.data, args.config, args.epochs)
        print({k: v for k, v in result["full_run"].items() if k != "history"}, flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"gpu-{args.config}.json"
    out.write_text(json.dumps(result, indent=2, default=float) + "\n")
    print(f"-> {out}")


if __name__ == "__main__":
    os.environ.setdefault("KERAS_BACKEND", "jax")
    main()
