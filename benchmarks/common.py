"""Shared by the benchmark scripts: timing, the machine's matmul bound, FLOPs, output."""

import json
import time
from pathlib import Path

import numpy as np

from lfw_siamese.hardware import describe
from lfw_siamese.paths import PAIRS

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def best_of(fn, repeats: int = 3) -> float:
    """Fastest wall time of `repeats` calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def numpy_matmul_flops(n: int = 2048) -> float:
    """Dense float32 matmul FLOP/s of this machine (all cores, via numpy's BLAS)."""
    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    return 2 * n**3 / best_of(lambda: a @ a, 5)


def twin_flops(model) -> int:
    """Forward FLOPs of one image through the siamese model's twin (conv and dense layers)."""
    return _layer_flops(model.get_layer("twin"))


def _layer_flops(model) -> int:
    """Conv and dense FLOPs of a model's layers, nested models (one tower per region) included."""
    total = 0
    for layer in model.layers:
        kind = type(layer).__name__
        if hasattr(layer, "layers"):
            total += _layer_flops(layer)
        elif kind == "Conv2D":
            _, h, w, c_out = layer.output.shape
            k1, k2 = layer.kernel_size
            total += 2 * h * w * c_out * k1 * k2 * layer.input.shape[-1]
        elif kind == "Dense":
            total += 2 * layer.input.shape[-1] * layer.units
    return total


def report(name: str, rows: list[dict], extra: dict | None = None) -> None:
    """Print rows as a table and write them, with the machine, to results/<name>.json."""
    keys = list(dict.fromkeys(k for r in rows for k in r))
    widths = {k: max(len(k), *(len(fmt(r.get(k))) for r in rows)) for k in keys}
    print("  ".join(k.ljust(widths[k]) for k in keys))
    for r in rows:
        print("  ".join(fmt(r.get(k)).ljust(widths[k]) for k in keys))
    RESULTS.mkdir(exist_ok=True)
    out = {"machine": describe(), "rows": rows, **(extra or {})}
    (RESULTS / f"{name}.json").write_text(json.dumps(out, indent=2) + "\n")
    print(f"-> {RESULTS.relative_to(ROOT) / (name + '.json')}")


def fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:,.0f}"
    return "" if value is None else str(value)


def in_memory_batches(p, steps: int):
    """`steps` batches of fixed random pairs for `p`, held in memory: the step without input."""
    from lfw_siamese.net.batches import PairBatches

    rng = np.random.default_rng(0)
    n = steps * p.batch_size
    shape = (p.image_size, p.image_size, p.input_channels)
    images = rng.integers(0, 256, (2 * n, *shape), dtype=np.uint8)
    fixed = (np.arange(n), np.arange(n, 2 * n), (np.arange(n) % 2).astype(np.uint8))
    return PairBatches(images, lambda _rng: fixed, n, p.batch_size, 0, shuffle=False)


def real_objective(p, steps: int):
    """`p`'s own training input (data/pairs/people.npz), `steps` batches an epoch."""
    from lfw_siamese.data.dataset import load_arrays
    from lfw_siamese.net.objectives import objective_for

    people = load_arrays(ROOT / PAIRS / "people.npz")
    return objective_for(p.replace(pairs_per_epoch=steps * p.batch_size), None, people)
