"""The experiment grid: queue the configurations as DVC experiments, then tabulate them.

    python scripts/grid.py queue [--size full|reduced|tiny] [--only NAME ...]
    dvc exp run --run-all             # or: dvc queue start -j 1, then dvc queue status
    python scripts/grid.py table [--out results.md]

`full` is the reference training (50 epochs, full width; a GPU job). `reduced` keeps every
grid setting but trains a slim network on 65-px images for 3 epochs, which runs on a CPU.
"""

import argparse
import json
import subprocess
import sys

# Optimizer x learning rate x batch norm x loss, modelled on the reference report's table.
GRID = {
    "sgd-bn-bce": dict(optimizer="sgd", lr=0.02, batch_norm=True, loss="bce"),
    "sgd-nobn-bce": dict(optimizer="sgd", lr=0.02, batch_norm=False, loss="bce"),
    "sgd-lr0.002-bn-bce": dict(optimizer="sgd", lr=0.002, batch_norm=True, loss="bce"),
    "sgd-bn-contrastive": dict(optimizer="sgd", lr=0.02, batch_norm=True, loss="contrastive"),
    "adam-bn-bce": dict(optimizer="adam", lr=0.0002, batch_norm=True, loss="bce"),
    "adam-nobn-bce": dict(optimizer="adam", lr=0.0002, batch_norm=False, loss="bce"),
    "adam-lr0.002-bn-bce": dict(optimizer="adam", lr=0.002, batch_norm=True, loss="bce"),
    "adam-bn-contrastive": dict(optimizer="adam", lr=0.0002, batch_norm=True, loss="contrastive"),
    "rmsprop-bn-bce": dict(optimizer="rmsprop", lr=0.0002, batch_norm=True, loss="bce"),
    "rmsprop-nobn-bce": dict(optimizer="rmsprop", lr=0.0002, batch_norm=False, loss="bce"),
    "rmsprop-bn-contrastive": dict(optimizer="rmsprop", lr=0.0002, batch_norm=True,
                                   loss="contrastive"),
}
SIZES = {
    "full": {},
    "reduced": dict(image_size=65, filters=[16, 32, 32, 64], dense_units=512, epochs=3),
    "tiny": dict(image_size=65, filters=[8, 16, 16, 32], dense_units=64, epochs=1),
}
COLUMNS = [  # (header, where in `dvc exp show --json`)
    ("optimizer", ("params", "optimizer")), ("lr", ("params", "lr")),
    ("batch norm", ("params", "batch_norm")), ("loss", ("params", "loss")),
    ("epochs", ("params", "epochs")),
    ("train acc", ("train", "accuracy")), ("val acc", ("evaluate", "val", "accuracy")),
    ("test acc @0.5", ("evaluate", "test", "accuracy_at_0.5")),
    ("test acc @val thr.", ("evaluate", "test", "accuracy")),
    ("test AUC", ("evaluate", "test", "auc")), ("test EER", ("evaluate", "test", "eer")),
    ("test loss", ("evaluate", "test", "loss")), ("ms/step", ("train", "ms_per_step")),
]


def dvc_value(value) -> str:
    return json.dumps(value) if isinstance(value, list | bool) else str(value)


def queue(size: str, only: list[str]) -> None:
    for name in only or GRID:
        settings = {**GRID[name], **SIZES[size]}
        sets = [arg for k, v in settings.items() for arg in ("-S", f"{k}={dvc_value(v)}")]
        cmd = ["dvc", "exp", "run", "--queue", "-n", f"{name}-{size}", *sets]
        print(" ".join(cmd))
        subprocess.run(cmd, check=True)


def lookup(exp: dict, path: tuple):
    data = exp.get("data") or {}
    if path[0] == "params":
        return data.get("params", {}).get("params.yaml", {}).get("data", {}).get(path[1])
    value = data.get("metrics", {}).get(f"metrics/{path[0]}.json", {}).get("data", {})
    for key in path[1:]:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4f}" if value < 10 else f"{value:.1f}"
    return "" if value is None else str(value)


def table() -> str:
    """Markdown table of every named experiment of the current commit."""
    out = subprocess.run(["dvc", "exp", "show", "--json"], check=True, capture_output=True,
                         text=True).stdout
    rows = []
    for commit in json.loads(out):
        for exp in commit.get("experiments") or []:
            for rev in exp.get("revs", []):
                if rev.get("name") and (rev.get("data") or {}).get("metrics"):
                    rows.append([rev["name"]] + [fmt(lookup(rev, p)) for _, p in COLUMNS])
    header = ["experiment"] + [h for h, _ in COLUMNS]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in sorted(rows)]) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    q = sub.add_parser("queue", help="queue the grid as DVC experiments")
    q.add_argument("--size", choices=SIZES, default="full")
    q.add_argument("--only", nargs="+", choices=GRID, default=[], metavar="NAME")
    t = sub.add_parser("table", help="print (or write) the Markdown comparison table")
    t.add_argument("--out")
    args = parser.parse_args(argv)
    if args.command == "queue":
        queue(args.size, args.only)
    else:
        text = table()
        if args.out:
            with open(args.out, "w") as f:
                f.write(text)
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
