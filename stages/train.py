"""Stage `train`: fit the siamese network, validating on the val pairs.

Trains on the fixed pairsDevTrain pairs (`train_pairs: dev`) or on pairs mined afresh every
epoch from the training people's images (`train_pairs: mined`, needs `split: people`).
Every epoch is logged through DVCLive to metrics/train/ (metrics.json: the latest values,
which `dvc exp show` lists while the run goes on; plots/metrics/train/*.tsv: one row per
epoch) and checkpointed to data/checkpoints/train/, so a killed run resumes there. A queued
experiment runs in a temporary copy that DVC deletes when it is killed; its checkpoint goes to
the workspace it was queued from instead (DVC_ROOT, which DVC sets to it), in
data/checkpoints/exp-<name>/, so that queueing it again under its name resumes it.

Writes data/model.keras, metrics/train/, metrics/train_detail.json (the epoch kept, model
size, timing, backend, hardware), metrics/plots/training.png and
metrics/plots/train_batch.png (one augmented training batch: what the network is fed).
"""

import os
from pathlib import Path

from lfw_siamese.config import stage_params
from lfw_siamese.data.dataset import load_arrays
from lfw_siamese.errors import LfwError, run_stage
from lfw_siamese.fsutil import write_json
from lfw_siamese.net.mining import check_mining
from lfw_siamese.paths import CHECKPOINTS, METRICS, MODEL, PAIRS, PLOTS, TRAIN_LOG


def checkpoint_folder() -> Path:
    """data/checkpoints/train, or for a queued experiment (DVC_ROOT is not the working folder)
    data/checkpoints/exp-<name> in the workspace it was queued from."""
    root, name = os.environ.get("DVC_ROOT"), os.environ.get("DVC_EXP_NAME")
    if root and name and Path(root).resolve() != Path.cwd().resolve():
        return Path(root) / CHECKPOINTS / f"exp-{name}"
    return CHECKPOINTS / "train"


def main() -> None:
    p = stage_params("train")
    pairs, val = load_arrays(PAIRS / "train.npz"), load_arrays(PAIRS / "val.npz")
    expected = (p.image_size, p.image_size, p.input_channels)
    if pairs["left"].shape[1:] != expected:
        raise LfwError(f"{PAIRS}/train.npz holds {pairs['left'].shape[1:]} images, params ask "
                       f"for {expected}: run `dvc repro` (not train alone) after changing them")
    people = load_arrays(PAIRS / "people.npz") if p.train_pairs == "mined" else None
    if people is not None:
        check_mining(p, people["person"])
    import keras  # after the checks: importing the backend takes seconds
    from dvclive import Live

    from lfw_siamese.hardware import describe
    from lfw_siamese.net.augment import preview
    from lfw_siamese.net.objectives import objective_for
    from lfw_siamese.net.saving import save_model
    from lfw_siamese.net.training import train
    from lfw_siamese.plots import batch_grid, training_curves

    batch = objective_for(p, pairs, people).batches[0]
    batch_grid(preview(batch, p.seed, p.erase) if p.augment else batch, PLOTS / "train_batch.png")
    with Live(str(TRAIN_LOG), dvcyaml=False, report=None, save_dvc_exp=False) as live:
        def log(row):
            for key, value in row.items():
                if key != "epoch":
                    live.log_metric(f"train/{key}", value)
            live.next_step()

        run = train(p, val, pairs=pairs, people=people, loggers=[log],
                    checkpoint=checkpoint_folder())
        rows = run.history
        step_seconds = sum(r["train_seconds"] for r in rows) / (len(rows) * run.steps_per_epoch)
        live.summary["time"] = {"seconds": round(run.seconds, 1),
                                "ms_per_step": round(1000 * step_seconds, 1)}
    save_model(run.model, MODEL)
    training_curves(rows, PLOTS / "training.png")
    best = max(rows, key=lambda r: r["val_auc"]) if p.patience else rows[-1]
    write_json(METRICS / "train_detail.json", {
        "loss": best["loss"], "accuracy": best["accuracy"], "val_loss": best["val_loss"],
        "val_accuracy": best["val_accuracy"], "val_auc": best["val_auc"],
        "epoch_kept": best["epoch"], "epochs": len(rows), "resumed_after_epoch": run.resumed_at,
        "pairs_per_epoch": run.pairs_per_epoch, "parameters": run.model.count_params(),
        "seconds": round(run.seconds, 1),
        "seconds_per_epoch": round(sum(r["seconds"] for r in rows) / len(rows), 2),
        "ms_per_step": round(1000 * step_seconds, 1),
        "backend": keras.backend.backend(), "keras": keras.__version__, "hardware": describe(),
        "devices": run.devices,
    })


if __name__ == "__main__":
    run_stage("train", main)
