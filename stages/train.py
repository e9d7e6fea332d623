"""Stage `train`: fit the siamese network, validating on the val pairs.

Trains on the fixed pairsDevTrain pairs (`train_pairs: dev`) or on pairs mined afresh every
epoch from the training people's images (`train_pairs: mined`, needs `split: people`).

Writes data/model.keras, metrics/train.json (the headline figures: what `dvc exp show`
lists), metrics/train_detail.json (also validation loss and accuracy, the epoch kept, model
size, backend, hardware), metrics/history.csv (per-epoch plot data) and
metrics/plots/training.png.
"""

import time

from lfw_siamese.errors import LfwError, run_stage
from lfw_siamese.fsutil import write_csv, write_json
from lfw_siamese.params import load_params
from lfw_siamese.paths import METRICS, MODEL, PAIRS, PLOTS


def main() -> None:
    p = load_params()
    import keras  # after the parameter check: importing the backend takes seconds

    from lfw_siamese.dataset import load_arrays
    from lfw_siamese.hardware import describe as hardware
    from lfw_siamese.model import save_model
    from lfw_siamese.plots import training_curves
    from lfw_siamese.training import (
        compiled_model,
        fit,
        seed_everything,
        training_batches,
    )

    train, val = load_arrays(PAIRS / "train.npz"), load_arrays(PAIRS / "val.npz")
    expected = (p["image_size"], p["image_size"], p["channels"])
    if train["left"].shape[1:] != expected:
        raise LfwError(f"{PAIRS}/train.npz holds {train['left'].shape[1:]} images, params ask "
                       f"for {expected}: run `dvc repro` (not train alone) after changing them")
    people = load_arrays(PAIRS / "people.npz") if p["train_pairs"] == "mined" else None
    seed_everything(p["seed"])
    batches = training_batches(p, train, people)
    model = compiled_model(p)
    start = time.perf_counter()
    rows = fit(model, batches, val, p)
    seconds = time.perf_counter() - start
    save_model(model, MODEL)
    write_csv(METRICS / "history.csv", list(rows[0]), [list(r.values()) for r in rows])
    training_curves(rows, PLOTS / "training.png")
    steps = len(batches)
    best = max(rows, key=lambda r: r["val_auc"]) if p["patience"] else rows[-1]
    detail = {
        "loss": best["loss"], "accuracy": best["accuracy"], "val_loss": best["val_loss"],
        "val_accuracy": best["val_accuracy"], "val_auc": best["val_auc"],
        "epoch_kept": best["epoch"], "epochs": len(rows), "pairs_per_epoch": len(batches.label),
        "parameters": model.count_params(),
        "seconds": round(seconds, 1),
        "seconds_per_epoch": round(sum(r["seconds"] for r in rows) / len(rows), 2),
        "ms_per_step": round(1000 * sum(r["train_seconds"] for r in rows) / (len(rows) * steps), 1),
        "backend": keras.backend.backend(), "keras": keras.__version__, "hardware": hardware(),
    }
    write_json(METRICS / "train_detail.json", detail)
    write_json(METRICS / "train.json", {k: detail[k] for k in (
        "loss", "accuracy", "val_auc", "epochs", "seconds", "ms_per_step")})


if __name__ == "__main__":
    run_stage("train", main)
