"""Two View 2 runs fold by fold: the paired difference B - A, its standard error, a paired
t-test's p-value, and the folds where B helps.

    python scripts/view2_compare.py --a docs/results/recipe-v3-view2 --b metrics/view2
    python scripts/view2_compare.py --a metrics/view2 --a-net --b metrics/view2  # the fusion
    python scripts/view2_compare.py --a RUN_SEED0 RUN_SEED1 --b ... [--json FILE]

Each side is one or more folders of fold_N.json (metrics/view2 or a copy of it, one per seed);
several are averaged fold by fold. `--a-net`/`--b-net` take the net alone of a fused run.
Only the folds both sides have are compared (a View 2 still running can be compared so far).
Prints a Markdown table, then the means ± standard errors.
"""

import argparse
from pathlib import Path

from lfw_siamese.errors import run_stage
from lfw_siamese.fsutil import write_json
from lfw_siamese.verification.compare import paired, side


def pct(x: float) -> str:
    return f"{100 * x:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--a", type=Path, nargs="+", required=True, help="the baseline run(s)")
    parser.add_argument("--b", type=Path, nargs="+", required=True, help="the run(s) compared")
    parser.add_argument("--a-net", action="store_true", help="A's net alone (a fused run)")
    parser.add_argument("--b-net", action="store_true", help="B's net alone (a fused run)")
    parser.add_argument("--json", type=Path, help="also write the comparison there")
    args = parser.parse_args()
    result = paired(side(args.a, args.a_net), side(args.b, args.b_net))
    print("| fold | A | B | B - A |\n|---|---|---|---|")
    for k, r in result["per_fold"].items():
        print(f"| {k} | {pct(r['a'])}% | {pct(r['b'])}% | {100 * r['difference']:+.2f} |")
    a, b, d = result["a"], result["b"], result["difference"]
    print(f"\nA: {pct(a['mean'])} ± {pct(a['standard_error'])}%   "
          f"B: {pct(b['mean'])} ± {pct(b['standard_error'])}%   over {len(result['folds'])} folds")
    p_value = "n/a" if d["p_value"] is None else f"{d['p_value']:.3g}"
    print(f"B - A, fold by fold: {100 * d['mean']:+.2f} ± {pct(d['standard_error'])} points "
          f"(paired t-test p = {p_value}); better on {len(result['better'])} folds "
          f"{result['better']}, worse on {len(result['worse'])} {result['worse']}")
    if result["missing"]:
        print(f"(folds on one side only, left out: {result['missing']})")
    if args.json:
        write_json(args.json, result)
        print(f"written: {args.json}")


if __name__ == "__main__":
    run_stage("view2_compare", main)
