"""LFW View 2 with several fold nets training at once, through DVC's experiment queue and git.

    python scripts/view2.py [--jobs N]          # make view2 JOBS=N

Each fold whose net `dvc status` finds stale is queued as an experiment of its train stage
(`view2-fold-K`, run in a temporary copy of the last commit) and N of them run at a time
(`dvc exp run --run-all -j N`). Each finished fold is an experiment commit holding its net's
scores and its entry of view2/dvc.lock; one git merge brings them all into the current
branch, and `dvc repro view2/dvc.yaml` then judges the folds (minutes each) and writes the
report. Nets already trained are not queued: a fold is never trained twice. With one job it
is plain `dvc repro view2/dvc.yaml`.

The queue sees only what git tracks: commit params.yaml and code first (this refuses to start
otherwise). On one GPU, several folds share the card: JAX's memory preallocation is switched
off for them (XLA_PYTHON_CLIENT_PREALLOCATE=false). On a 2-core CPU, one job is as fast.
"""

import argparse
import json
import os
import subprocess
import sys

from lfw_siamese.errors import LfwError, run_stage

FOLDS = range(1, 11)
PREFIX = "view2-fold-"


def sh(*cmd: str, capture: bool = False) -> str:
    print("$", " ".join(cmd), flush=True)
    out = subprocess.run(cmd, check=True, text=True, capture_output=capture)
    return out.stdout if capture else ""


def stale_folds() -> list[int]:
    """Folds whose net's recorded training does not match the code, parameters and data now."""
    status = json.loads(sh("dvc", "status", "--json", "view2/dvc.yaml", capture=True) or "{}")
    return [k for k in FOLDS if f"view2/dvc.yaml:train@{k}" in status]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=1, help="folds training at once (1-10)")
    jobs = parser.parse_args().jobs
    if not 1 <= jobs <= 10:
        raise LfwError(f"--jobs {jobs}: expected 1 to 10 (one per fold at most)")
    if jobs == 1:
        sh("dvc", "repro", "view2/dvc.yaml")
        return
    changed = sh("git", "status", "--porcelain", "--untracked-files=no", capture=True)
    if changed:
        raise LfwError("queued folds run on the last commit, and these tracked files differ "
                       f"from it:\n{changed}commit them (or run with --jobs 1)")
    sh("dvc", "repro", "view2_prepare")  # the folds' images, from the cache if up to date
    folds = stale_folds()
    if folds:
        for k in folds:  # a name left by an earlier, unmerged attempt is reused
            subprocess.run(["dvc", "exp", "remove", f"{PREFIX}{k}"], capture_output=True)
            sh("dvc", "exp", "run", "--queue", "-n", f"{PREFIX}{k}", f"view2/dvc.yaml:train@{k}")
        os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")  # folds share a GPU
        sh("dvc", "exp", "run", "--run-all", "--jobs", str(jobs))
        base = sh("git", "rev-parse", "HEAD", capture=True).strip()
        refs = [f"refs/exps/{base[:2]}/{base[2:]}/{PREFIX}{k}" for k in folds]
        missing = [r for r in refs if subprocess.run(["git", "rev-parse", "-q", "--verify", r],
                                                     capture_output=True).returncode]
        if missing:
            raise LfwError(f"folds did not finish: {', '.join(missing)} (see `dvc queue logs "
                           f"{PREFIX}K`); run this again to train those only")
        sh("git", "merge", "--no-edit", "-m", f"View 2: folds {folds} from the queue", *refs)
    sh("dvc", "repro", "view2/dvc.yaml")  # the judges and the report; no net is stale
    print("View 2 done: commit view2/dvc.lock and metrics/ (git status)", file=sys.stderr)


if __name__ == "__main__":
    run_stage("view2", main)
