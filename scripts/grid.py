"""Named experiments: queue a set of experiments/ as DVC experiments, then tabulate them.

    python scripts/grid.py queue SET [--size full|reduced|tiny] [--only NAME ...] [--seeds 0 1 2]
    dvc exp run --run-all             # or: dvc queue start -j 1, then dvc queue status
    python scripts/grid.py table SET [--all-commits] [--out results.md]
    python scripts/grid.py args SET NAME [--size full|reduced|tiny]
                                      # its `-S key=value` arguments, for `dvc exp run` by hand

SET is a file of experiments/ without `.yaml`: `report` (the reference report's eleven
experiments), `reference`, `recipes`, `ablations`, the lever sets. Sizes (experiments/
sizes.yaml) slim the network for a CPU: `reduced` keeps every other setting but trains on
65-px images for 3 epochs. Several `--seeds` give several experiments per name
(`NAME-seedN`); the table then shows mean +- standard deviation over the seeds.
"""

import argparse
import json
import re
import statistics
import subprocess
import sys

from lfw_siamese.errors import LfwError
from lfw_siamese.experiments import figures, load_set, set_names, sizes

METRIC_FILES = {"evaluate": "metrics/evaluate.json", "train": "metrics/train/metrics.json"}
METRIC_COLUMNS = [  # (header, where in `dvc exp show --json`: a METRIC_FILES key, then keys)
    ("val acc", ("evaluate", "val", "accuracy")), ("val AUC", ("evaluate", "val", "auc")),
    ("test acc @val thr.", ("evaluate", "test", "accuracy")),
    ("test AUC", ("evaluate", "test", "auc")), ("test EER", ("evaluate", "test", "eer")),
    ("train s", ("train", "time", "seconds")), ("ms/step", ("train", "time", "ms_per_step")),
]
# A set with published figures (the report's) is shown with its settings and those figures;
# the others pool their seeds.
FIGURE_COLUMNS = ([("optimizer", ("params", "optimizer")), ("lr", ("params", "lr")),
                   ("batch norm", ("params", "batch_norm")), ("loss", ("params", "loss")),
                   ("epochs", ("params", "epochs")), ("train acc", ("train", "train", "accuracy")),
                   ("test acc @0.5", ("evaluate", "test", "accuracy_at_0.5"))]
                  + METRIC_COLUMNS + [("published: train / val / test %", "figures")])
SEED_COLUMNS = [("seeds", None)] + METRIC_COLUMNS


def dvc_value(value) -> str:
    """A value as `dvc exp run -S` parses it, with no spaces (safe to split on whitespace)."""
    if isinstance(value, list | bool):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def set_args(settings: dict) -> list[str]:
    return [arg for k, v in settings.items() for arg in ("-S", f"{k}={dvc_value(v)}")]


def experiment_name(name: str, size: str, seed: int | None) -> str:
    return name + ("" if size == "full" else f"-{size}") + ("" if seed is None else f"-seed{seed}")


def queue(runs: dict, size: dict, size_name: str, seeds: list[int]) -> None:
    for name, overrides in runs.items():
        for seed in seeds or [None]:
            settings = {**overrides, **size} | ({} if seed is None else {"seed": seed})
            cmd = ["dvc", "exp", "run", "--queue", "-n", experiment_name(name, size_name, seed),
                   *set_args(settings)]
            print(" ".join(cmd))
            subprocess.run(cmd, check=True)


def lookup(exp: dict, path: tuple):
    data = exp.get("data") or {}
    if path[0] == "params":
        return data.get("params", {}).get("params.yaml", {}).get("data", {}).get(path[1])
    value = data.get("metrics", {}).get(METRIC_FILES[path[0]], {}).get("data", {})
    for key in path[1:]:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def fmt(values: list) -> str:
    """One value as is, or the mean +- standard deviation of several numbers."""
    if len(values) > 1 and all(isinstance(v, int | float) for v in values):
        mean, std = statistics.mean(values), statistics.stdev(values)
        return f"{mean:.4f} ± {std:.4f}" if mean < 10 else f"{mean:.1f} ± {std:.1f}"
    value = values[0] if values else None
    if isinstance(value, float):
        return f"{value:.4f}" if value < 10 else f"{value:.1f}"
    return "" if value is None else str(value)


def cell(name: str, revs: list, path, published: dict) -> str:
    """One table cell: a metric or parameter (pooled over seeds), the number of seeds, or the
    published figures for the experiment."""
    if path is None:
        return str(len(revs))
    if path == "figures":
        found = published.get(re.sub(r"-(reduced|tiny)$", "", name))
        return " / ".join(map(str, found)) if found else ""
    return fmt([v for v in (lookup(r, path) for r in revs) if v is not None])


def natural(name: str) -> list:
    """Sort key putting exp2 before exp10."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def table(which: str, all_commits: bool = False) -> str:
    """Markdown table of the set's named experiments, seeds pooled: those based on the current
    commit, or with `all_commits` on any commit (the newest of each name counts)."""
    cmd = ["dvc", "exp", "show", "--json"] + (["--all-commits"] if all_commits else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    runs: dict[str, list] = {}
    for commit in json.loads(out):
        for exp in commit.get("experiments") or []:
            for rev in exp.get("revs", []):
                if rev.get("name") and (rev.get("data") or {}).get("metrics"):
                    base = re.sub(r"-seed\d+$", "", rev["name"])
                    if rev["name"] not in {r["name"] for r in runs.get(base, [])}:
                        runs.setdefault(base, []).append(rev)
    published = figures(which)
    columns = FIGURE_COLUMNS if published else SEED_COLUMNS
    names = {experiment_name(n, s, None) for n in load_set(which) for s in sizes()}
    rows = []
    for base in sorted(set(runs) & names, key=natural):
        rows.append([base] + [cell(base, runs[base], path, published) for _, path in columns])
    header = ["experiment"] + [h for h, _ in columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows]) + "\n"


def pick(parser, which: str, only: list[str]) -> dict:
    """The set's runs, or those of them named in `only`."""
    runs = load_set(which)
    unknown = [name for name in only if name not in runs]
    if unknown:
        parser.error(f"unknown {which} name(s) {', '.join(unknown)}; known: {', '.join(runs)}")
    return {name: runs[name] for name in only} if only else runs


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    choices = set_names()
    q = sub.add_parser("queue", help="queue a set's configurations as DVC experiments")
    q.add_argument("which", metavar="SET", choices=choices, help=", ".join(choices))
    q.add_argument("--size", choices=sizes(), default="full")
    q.add_argument("--only", nargs="+", default=[], metavar="NAME")
    q.add_argument("--seeds", nargs="+", type=int, default=[], metavar="SEED")
    a = sub.add_parser("args", help="print a configuration's -S arguments for dvc exp run")
    a.add_argument("which", metavar="SET", choices=choices, help=", ".join(choices))
    a.add_argument("name")
    a.add_argument("--size", choices=sizes(), default="full")
    t = sub.add_parser("table", help="print (or write) the Markdown comparison table")
    t.add_argument("which", metavar="SET", choices=choices, help=", ".join(choices))
    t.add_argument("--out")
    t.add_argument("--all-commits", action="store_true",
                   help="also experiments based on earlier commits")
    args = parser.parse_args(argv)
    if args.command == "args":
        settings = pick(parser, args.which, [args.name])[args.name]
        print(" ".join(set_args({**settings, **sizes()[args.size]})))
    elif args.command == "queue":
        queue(pick(parser, args.which, args.only), sizes()[args.size], args.size, args.seeds)
    else:
        text = table(args.which, args.all_commits)
        if args.out:
            with open(args.out, "w") as f:
                f.write(text)
        sys.stdout.write(text)


if __name__ == "__main__":
    try:
        main()
    except LfwError as exc:
        sys.exit(f"grid: {exc}")
