"""Stage `blufr/report`: the BLUFR-style trials' figures side by side (metrics/blufr/
trial_N.json, stage blufr/trial@N), as BLUFR reports them: per scorer, the mean, the
standard deviation and the mean minus one standard deviation over the trials (with one trial,
its figures and no spread).
Writes metrics/blufr.json: the fused Verifier's VR at FAR 0.1% and DIR at FAR 1% first.
"""

import json

import numpy as np

from lfw_siamese import paths
from lfw_siamese.errors import LfwError, run_stage
from lfw_siamese.fsutil import write_json

TRIALS = paths.METRICS / "blufr"
FIGURES = {"vr_far_0.1%": ("verification", "0.001", "vr"),
           "vr_far_1%": ("verification", "0.01", "vr"),
           "dir_far_1%": ("open_set", "0.01", "dir"),
           "dir_far_0.1%": ("open_set", "0.001", "dir"),
           "rank1_closed_set": ("open_set", "rank1_closed_set")}


def figure(scorer: dict, path: tuple[str, ...]) -> float:
    for key in path:
        scorer = scorer[key]
    return scorer


def summary(values: list[float]) -> dict:
    """Mean, and with two or more trials the standard deviation and mean minus it."""
    mean = float(np.mean(values))
    if len(values) < 2:
        return {"mean": mean}
    std = float(np.std(values, ddof=1))
    return {"mean": mean, "std": std, "mean_minus_std": mean - std}


def main() -> None:
    files = sorted(TRIALS.glob("trial_*.json"), key=lambda f: int(f.stem.split("_")[1]))
    if not files:
        raise LfwError(f"{TRIALS}: no trial_N.json: run `dvc repro blufr/dvc.yaml`")
    trials = [json.loads(f.read_text()) for f in files]
    scorers = trials[0]["scorers"]
    report = {"trials": [t["trial"] for t in trials]}
    for name in scorers:
        report[name] = {key: summary([figure(t["scorers"][name], path) for t in trials])
                        for key, path in FIGURES.items()}
    write_json(paths.METRICS / "blufr.json", report)
    fused = report["fused"]
    print(f"{len(trials)} trial(s): VR {fused['vr_far_0.1%']['mean']:.4f} at FAR 0.1%, "
          f"DIR {fused['dir_far_1%']['mean']:.4f} at FAR 1% (rank 1)")


if __name__ == "__main__":
    run_stage("blufr/report", main)
