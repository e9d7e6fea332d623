"""Stage `evaluate`: score the validation and test (pairsDevTest) pairs with the trained model.

With `tta`, the net's score of a pair is the mean over the pair and its left-right flipped
copy. With `fusion: lbp`, each pair's score is the fusion of the net's score with the cosines
of the LBP descriptors (data/descriptor.npz; each image's gray regions from data/regions.npz),
a logistic regression fitted on the validation pairs. The decision threshold is the one with
the best validation accuracy, never chosen on test. The net alone is reported too, at its own
validation threshold.
All of it is the Verifier's (lfw_siamese.verification.verifier): fitted on val, it judges val
and test, and is saved as data/verifier.json, the card `lfw-siamese verify` loads (the
preprocessing, TTA, the files it needs with their sha256, the fusion, the threshold).
Writes metrics/evaluate.json (the headline figures: what `dvc exp show` lists),
metrics/evaluate_net.json (the net alone), metrics/evaluate_detail.json (also the net's
loss, precision, recall, confusion counts), metrics/roc.csv (test), metrics/confusion.csv,
metrics/predictions.csv (every validation and test pair with its score),
metrics/misclassified.csv and the PNGs metrics/plots/evaluation.png and
metrics/plots/misclassified.png.
"""

from lfw_siamese.config import stage_params
from lfw_siamese.errors import run_stage
from lfw_siamese.fsutil import write_csv, write_json
from lfw_siamese.paths import CARD, DESCRIPTOR, METRICS, MODEL, PAIRS, PLOTS

GALLERY = 6  # most confidently wrong test pairs shown per kind of error


def main() -> None:
    p = stage_params("evaluate")
    import keras

    from lfw_siamese.data import regions
    from lfw_siamese.data.dataset import load_arrays
    from lfw_siamese.net.losses import make_loss
    from lfw_siamese.net.saving import load_model
    from lfw_siamese.plots import evaluation, gallery
    from lfw_siamese.verification import metrics as m
    from lfw_siamese.verification.descriptor import load_descriptors
    from lfw_siamese.verification.faces import read_faces
    from lfw_siamese.verification.verifier import Verifier

    verifier = Verifier.of(p, MODEL, load_descriptors(DESCRIPTOR, none_ok=True), DESCRIPTOR)
    model = load_model(MODEL)
    data = {split: load_arrays(PAIRS / f"{split}.npz") for split in ("val", "test")}
    names = {split: (d["left_file"], d["right_file"]) for split, d in data.items()}
    faces = read_faces(regions.FILE, verifier.gray_crops, p.image_size,
                       [f for n in names.values() for side in n for f in side])
    pairs = {split: verifier.image_pairs(d["left"], d["right"], d["label"], faces,
                                         names[split], model)
             for split, d in data.items()}
    fitted = verifier.fit(pairs["val"])
    report = {"threshold": fitted.threshold,
              "fusion": fitted.fusion.as_dict() if fitted.fusion else None,
              **fitted.judge(pairs)}
    net = fitted.net_alone().fit(pairs["val"])
    loss = make_loss(p)
    report["net"] = {"threshold": net.threshold, **net.judge(pairs)}
    for split, d in data.items():
        scores = net.score(pairs[split])["fused"]
        value = keras.ops.convert_to_numpy(loss(d["label"][:, None].astype("float32"),
                                                scores[:, None].astype("float32")))
        report["net"][split]["loss"] = float(value)
    scores = {split: fitted.score(x)["fused"] for split, x in pairs.items()}
    rocs = {split: (*m.roc_curve(d["label"], scores[split]), report[split]["auc"])
            for split, d in data.items()}
    threshold = fitted.threshold
    test = data["test"]
    write_json(METRICS / "evaluate_detail.json", report)
    write_json(METRICS / "evaluate.json", {  # the threshold is in the detail and the card
        "test": {k: report["test"][k] for k in ("accuracy", "auc", "eer", "accuracy_at_0.5")},
        "val": {k: report["val"][k] for k in ("accuracy", "auc")}})
    write_json(METRICS / "evaluate_net.json", {"net": {  # the net alone, without descriptors
        split: {k: report["net"][split][k] for k in ("accuracy", "auc")}
        for split in ("test", "val")}})
    fitted.save(CARD, release=p.release, val_accuracy=report["val"]["accuracy"])
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
    if fitted.fusion:
        print(f"the net alone: {report['net']['test']['accuracy']:.4f}, AUC "
              f"{report['net']['test']['auc']:.4f}; {fitted.fusion_summary()}, fitted on val")


if __name__ == "__main__":
    run_stage("evaluate", main)
