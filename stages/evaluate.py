"""Stage `evaluate`: score the validation and test (pairsDevTest) pairs with the trained model.

With `tta`, the net's score of a pair is the mean over the pair and its left-right flipped
copy. With `fusion: lbp`, each pair's score is the fusion of the net's score with the cosines
of the LBP descriptors (data/descriptor.npz; each image's regions decoded gray from data/lfw),
a logistic regression fitted on the validation pairs. The decision threshold is the one with
the best validation accuracy, never chosen on test. The net alone is reported too, at its own
validation threshold.
Writes data/verifier.json (what `lfw-siamese verify` needs besides the model: preprocessing,
TTA, fusion, threshold), metrics/evaluate.json (the headline figures: what `dvc exp show`
lists), metrics/evaluate_detail.json (also the net's loss, precision, recall, confusion
counts),
metrics/roc.csv (test), metrics/confusion.csv,
metrics/predictions.csv (every validation and test pair with its score),
metrics/misclassified.csv and the PNGs metrics/plots/evaluation.png and
metrics/plots/misclassified.png.
"""

from lfw_siamese.errors import run_stage
from lfw_siamese.fsutil import write_csv, write_json
from lfw_siamese.params import load_params
from lfw_siamese.paths import CARD, DESCRIPTOR, IMAGES, METRICS, MODEL, PAIRS, PLOTS

GALLERY = 6  # most confidently wrong test pairs shown per kind of error


def main() -> None:
    p = load_params()
    import keras

    from lfw_siamese import metrics as m
    from lfw_siamese.dataset import load_arrays
    from lfw_siamese.descriptor import load_descriptors, pair_cosines
    from lfw_siamese.fusion import fit_and_fuse
    from lfw_siamese.inference import score_pairs
    from lfw_siamese.losses import make_loss
    from lfw_siamese.plots import evaluation, gallery
    from lfw_siamese.saving import load_model

    descriptors = load_descriptors(DESCRIPTOR) if p.fusion == "lbp" else []
    model = load_model(MODEL)
    loss = make_loss(p)
    data = {split: load_arrays(PAIRS / f"{split}.npz") for split in ("val", "test")}
    net = {split: score_pairs(model, d["left"], d["right"], p.tta) for split, d in data.items()}
    fusion, scores = None, net
    if descriptors:
        from lfw_siamese.images import pair_regions
        from lfw_siamese.imagestore import ImageStore

        store, crops = ImageStore(IMAGES), [d.crop for d in descriptors]
        cosines = {split: pair_cosines(descriptors, *pair_regions(
            store, d["left_file"], d["right_file"], crops, p.image_size))
            for split, d in data.items()}
        fusion, scores = fit_and_fuse(net, cosines, data["val"]["label"], "val")
    threshold = m.best_threshold(data["val"]["label"], scores["val"])
    net_threshold = m.best_threshold(data["val"]["label"], net["val"])
    report = {"threshold": threshold, "fusion": fusion and fusion.as_dict(),
              "net": {"threshold": net_threshold}}
    rocs = {}
    for split in ("val", "test"):
        y, s = data[split]["label"], scores[split]
        report[split] = {"pairs": len(y), **m.summary(y, s, threshold)}
        value = keras.ops.convert_to_numpy(
            loss(y[:, None].astype("float32"), net[split][:, None].astype("float32")))
        report["net"][split] = {"loss": float(value),
                                **m.summary(y, net[split], net_threshold)}
        fpr, tpr = m.roc_curve(y, s)
        rocs[split] = (fpr, tpr, report[split]["auc"])
    test = data["test"]
    write_json(METRICS / "evaluate_detail.json", report)
    write_json(METRICS / "evaluate.json", {  # the threshold is in the detail and the card
        "test": {k: report["test"][k] for k in ("accuracy", "auc", "eer", "accuracy_at_0.5")},
        "val": {k: report["val"][k] for k in ("accuracy", "auc")},
        "net": {f"{split}_{k}": report["net"][split][k]
                for split in ("test", "val") for k in ("accuracy", "auc")}})
    write_json(CARD, {"model": str(MODEL), "release": p.release, "image_size": p.image_size,
                      "channels": p.channels, "crop": p.crop,
                      "context_crop": p.context_crop, "tta": p.tta,
                      "descriptor": str(DESCRIPTOR) if fusion else None,
                      "fusion": fusion and fusion.as_dict(),
                      "threshold": threshold, "val_accuracy": report["val"]["accuracy"]})
    fpr, tpr, _ = rocs["test"]
    write_csv(METRICS / "roc.csv", ["fpr", "tpr"],
              [(f"{a:.5f}", f"{b:.5f}") for a, b in zip(fpr, tpr, strict=True)])
    judged = scores["test"] > threshold
    write_csv(METRICS / "confusion.csv", ["actual", "predicted"],
              [("same" if y else "different", "same" if j else "different")
               for y, j in zip(test["label"], judged, strict=True)])
    write_csv(METRICS / "predictions.csv", ["split", "left_file", "right_file", "label", "score"],
              [(split, a, b, int(y), repr(float(s))) for split, d in data.items()
               for a, b, y, s in zip(d["left_file"], d["right_file"], d["label"],
                                     scores[split], strict=True)])
    errors = m.most_confident_errors(test["label"], scores["test"], threshold, GALLERY)
    write_csv(METRICS / "misclassified.csv", ["kind", "rank", "left_file", "right_file", "score"],
              [(kind, rank + 1, test["left_file"][i], test["right_file"][i],
                f"{scores['test'][i]:.6f}")
               for kind, idx in errors.items() for rank, i in enumerate(idx)])
    titles = {"false_reject": "same person, judged different",
              "false_accept": "different people, judged same"}
    gallery({titles[kind]: [{"left": test["left"][i], "right": test["right"][i],
                             "left_file": test["left_file"][i],
                             "right_file": test["right_file"][i], "score": scores["test"][i]}
                            for i in idx] for kind, idx in errors.items()},
            PLOTS / "misclassified.png")
    same = test["label"] == 1
    evaluation(rocs, {"same": scores["test"][same], "different": scores["test"][~same]},
               report["test"], PLOTS / "evaluation.png")
    t = report["test"]
    print(f"test: accuracy {t['accuracy']:.4f} at threshold {threshold:.3f} (chosen on val), "
          f"{t['accuracy_at_0.5']:.4f} at 0.5, AUC {t['auc']:.4f}, EER {t['eer']:.4f}")
    if fusion:
        print(f"the net alone: {report['net']['test']['accuracy']:.4f}, AUC "
              f"{report['net']['test']['auc']:.4f}; fused with {len(descriptors)} LBP "
              f"descriptor(s) (weights {fusion.net:.3f} on the net's logit, "
              f"{', '.join(f'{w:.3f}' for w in fusion.descriptors)} on the cosines, fitted "
              f"on val)")


if __name__ == "__main__":
    run_stage("evaluate", main)
