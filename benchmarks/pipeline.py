"""Benchmark DVC's own overhead: a no-op `dvc repro` and `dvc status`, and a training-only
experiment.

    python benchmarks/pipeline.py [--skip-experiment]

Run in the project root after a complete `dvc repro` (everything up to date), with the work
committed. The no-op repro and the status should each take < 2 s. The experiment
(`dvc exp run --temp` with only training parameters changed, set tiny so training is short)
must re-run only
check_params (it watches the whole params.yaml), train and evaluate; the table shows which
stages ran and how much of the wall time was DVC rather than the stages' own work.
"""

import argparse
import re
import subprocess
import time

from common import ROOT, report

TINY_TRAINING = ["-S", "epochs=1", "-S", "pairs_per_epoch=128", "-S", "patience=0"]


def timed(cmd: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")
    return seconds, result.stdout + result.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-experiment", action="store_true")
    args = parser.parse_args()
    rows = []
    for _ in range(3):
        seconds, out = timed(["dvc", "repro"])
        ran = re.findall(r"Running stage '([^']+)'", out)
        if ran:
            raise SystemExit(f"the pipeline was not up to date (ran {', '.join(ran)}): run "
                             "`dvc repro` first")
        rows.append({"command": "dvc repro (no-op)", "seconds": seconds, "stages run": "none"})
    for _ in range(3):
        seconds, _out = timed(["dvc", "status"])
        rows.append({"command": "dvc status", "seconds": seconds, "stages run": "none"})
    if not args.skip_experiment:
        cmd = ["dvc", "exp", "run", "--temp", *TINY_TRAINING]
        seconds, out = timed(cmd)
        ran = re.findall(r"Running stage '([^']+)'", out)
        rows.append({"command": " ".join(cmd), "seconds": seconds, "stages run": ", ".join(ran)})
        name = re.search(r"Ran experiment\(s\): (\S+)", out)
        if name:
            subprocess.run(["dvc", "exp", "remove", name.group(1)], cwd=ROOT, check=False,
                           capture_output=True)
    report("pipeline", rows)


if __name__ == "__main__":
    main()
