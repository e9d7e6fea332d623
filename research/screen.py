"""Screen named configurations on validation: many trainings side by side, one process each.

    KERAS_BACKEND=jax python research/screen.py --data data/pairs [--set levers-recipe-v2]
        [--only NAME ...] [--seeds 0 1 2] [--jobs 15] [--out DIR] [--quick]

Every (configuration, seed) of a set of experiments/ (params.yaml with the set's
changes) trains in its own process through the one training path (`train`), on people.npz and
val.npz of --data (a data/pairs folder; pairsDevTest is never read), and is scored the way
the evaluate stage scores validation (TTA as params say, threshold chosen on validation).
Each result is merged into OUT/screen.json as it ends, and runs already there are not run
again; stopped by SIGTERM (e.g. `timeout`), the screen writes the epochs its unfinished runs
reached to OUT/screen-unfinished.json. OUT/screen.md holds the table (mean ± std over seeds).
`--quick`: one short epoch each, to check a set runs. Meant for an accelerator with many cores
beside it; the figures are a screen (another backend, other kernels than the CPU pipeline):
what wins is then run as DVC experiments here
(`python scripts/grid.py queue levers-recipe-v2 --only NAME --seeds 0 1 2`).
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from lfw_siamese.experiments import load_set, set_names
from lfw_siamese.fsutil import write_json

ROOT = Path(__file__).resolve().parents[1]
QUICK = dict(epochs=1, pairs_per_epoch=512)
HISTORY = ("epoch", "loss", "accuracy", "val_auc", "seconds")  # kept per epoch


def run_one(data: Path, settings: dict, out: Path) -> None:
    """Train one configuration and write its validation figures to `out` (JSON)."""
    from lfw_siamese.data.dataset import load_arrays
    from lfw_siamese.params import load_params

    p = load_params(ROOT / "params.yaml").replace(**settings)
    people, val = load_arrays(data / "people.npz"), load_arrays(data / "val.npz")
    if people["image"].shape[1:] != (p.image_size, p.image_size, p.input_channels):
        sys.exit(f"{data}/people.npz holds {people['image'].shape[1:]} images; this "
                 f"configuration needs {p.image_size} px, {p.input_channels} channel(s)")
    pairs = load_arrays(data / "train.npz") if p.train_pairs == "dev" else None

    import keras

    from lfw_siamese.net.inference import score_pairs
    from lfw_siamese.net.training import train
    from lfw_siamese.verification import metrics as m

    history = []

    def progress(row):  # what a screen cut short reports for this run
        history.append({k: row[k] for k in HISTORY})
        write_json(out.with_suffix(".partial.json"), {"settings": settings, "history": history})

    run = train(p, val, pairs=pairs, people=people, loggers=[progress])
    scores = score_pairs(run.model, val["left"], val["right"], p.tta)
    threshold = m.best_threshold(val["label"], scores)
    write_json(out, {
        "settings": settings, "val": m.summary(val["label"], scores, threshold),
        "threshold": threshold, "epochs": len(run.history), "train_seconds": round(run.seconds, 1),
        "parameters": run.model.count_params(), "backend": keras.backend.backend(),
        "history": history,
    })


def table(results: dict) -> str:
    """Markdown: one row per configuration (in the sets' order), mean ± std over its seeds."""
    def fmt(values):
        if len(values) == 1:
            return f"{values[0]:.4f}"
        return f"{statistics.mean(values):.4f} ± {statistics.stdev(values):.4f}"

    order = [name for which in set_names() for name in load_set(which)]
    names: dict[str, list] = {}
    for result in sorted(results.values(), key=lambda r: order.index(r["name"])):
        names.setdefault(result["name"], []).append(result)
    lines = ["| configuration | seeds | val acc | val AUC | val EER | train s |",
             "|---|---|---|---|---|---|"]
    for name, runs in names.items():
        runs.sort(key=lambda r: r["seed"])
        cells = [fmt([r["val"][k] for r in runs]) for k in ("accuracy", "auc", "eer")]
        seconds = statistics.mean(r["train_seconds"] for r in runs)
        seeds = ", ".join(str(r["seed"]) for r in runs)
        lines.append(f"| {name} | {seeds} | {' | '.join(cells)} | {seconds:.0f} |")
    return "\n".join(lines) + "\n"


def screen(args) -> None:
    """Run every (name, seed) with at most args.jobs at once; merge results as they end."""
    runs = load_set(args.which)
    chosen = args.only or list(runs)
    unknown = sorted(set(chosen) - set(runs))
    if unknown:
        sys.exit(f"not in set {args.which}: {', '.join(unknown)} "
                 f"(it has: {', '.join(runs)})")
    pending = [(name, seed) for name in chosen for seed in args.seeds]
    args.work.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    results_file = args.out / "screen.json"
    results = json.loads(results_file.read_text()) if results_file.exists() else {}
    pending = [(n, s) for n, s in pending if f"{n}-seed{s}" not in results]
    active: dict = {}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(f"stopped; unfinished: {', '.join(active)}"))
    try:
        run_all(args, pending, active, results)
    finally:
        unfinished = {key: json.loads(path.read_text()) for key in active
                      if (path := args.work / f"{key}.partial.json").exists()}
        if unfinished:
            write_json(args.out / "screen-unfinished.json", unfinished)
        for proc, _, _ in active.values():
            proc.terminate()
    if results:
        print(table(results))


def run_all(args, pending: list, active: dict, results: dict) -> None:
    """Start runs while fewer than args.jobs are active; merge each result as it ends."""
    started = time.perf_counter()
    while pending or active:
        while pending and len(active) < args.jobs:
            name, seed = pending.pop(0)
            key = f"{name}-seed{seed}"
            settings = {**load_set(args.which)[name], "seed": seed, **(QUICK if args.quick else {})}
            log = (args.work / f"{key}.log").open("w")
            cmd = [sys.executable, __file__, "--one", json.dumps(settings),
                   "--data", str(args.data), "--work", str(args.work), "--key", key]
            active[key] = (subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT), name, seed)
        time.sleep(1)
        for key, (proc, name, seed) in list(active.items()):
            if proc.poll() is None:
                continue
            del active[key]
            minutes = (time.perf_counter() - started) / 60
            if proc.returncode:
                tail = (args.work / f"{key}.log").read_text().splitlines()[-15:]
                print(f"[{minutes:5.1f} min] {key} FAILED ({proc.returncode}):", *tail,
                      sep="\n  ", flush=True)
                continue
            result = json.loads((args.work / f"{key}.json").read_text())
            results[key] = {"name": name, "seed": seed, **result}
            write_json(args.out / "screen.json", results)
            (args.out / "screen.md").write_text(table(results))
            v = result["val"]
            print(f"[{minutes:5.1f} min] {key}: val acc {v['accuracy']:.4f}, AUC {v['auc']:.4f}"
                  f" ({result['train_seconds']:.0f} s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "pairs")
    parser.add_argument("--set", choices=set_names(), default="levers-recipe-v2", dest="which")
    parser.add_argument("--only", nargs="+", default=[], metavar="NAME")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--work", type=Path, default=Path("/tmp/lfw-screen"),
                        help="logs and per-run results")
    parser.add_argument("--quick", action="store_true", help="one short epoch per run")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a child: its settings as JSON
    parser.add_argument("--key", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(args.data, json.loads(args.one), args.work / f"{args.key}.json")
    else:
        screen(args)


if __name__ == "__main__":
    main()
