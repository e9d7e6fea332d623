"""Stage `identify`: one-shot identification of people the trained model never saw.

Two groups of unseen people, every LFW image of each: the test people (those of
pairsDevTest) are judged; the validation people (those `prepare` held out for validation)
set the open-set thresholds. Every image of a group is scored against every other by:
- `fused`: the Verifier evaluate fitted (data/verifier.json), as `lfw-siamese identify` scores;
- `net`: the net alone (its score, with `tta` as the card says);
- `descriptors`: the descriptors alone (e.g. the LBP ones), fused by a logistic regression
  fitted on the validation pairs (data/pairs/val.npz), with no net;
- `pixels`: nearest neighbour on the net's input pixels (minus the squared L2 distance), the
  baseline of Koch et al.
From those scores (lfw_siamese.verification.identification): N-way one-shot accuracy for
each N of `identify_ways` and the whole gallery (`identify_trials` seeded trials each, the
same trials for every scorer, with 95% intervals); the closed-set CMC curve over the whole
gallery; the open-set detection and identification rate at false alarm rates 1% and 0.1%,
thresholds chosen on the validation people.
Writes metrics/identify.json (the headline: 20-way one-shot accuracy of each scorer; the
Verifier's whole-gallery rank-1 accuracy and its DIR at FAR 1e-2 and 1e-3),
metrics/identify_detail.json (everything), metrics/identify_cmc.csv and
metrics/plots/identify.png.
"""

import time

import numpy as np

from lfw_siamese.config import stage_params
from lfw_siamese.errors import run_stage
from lfw_siamese.fsutil import write_csv, write_json
from lfw_siamese.paths import CARD, METRICS, PAIR_LISTS, PAIRS, PLOTS

HEADLINE_WAYS = 20
FARS = (0.01, 0.001)
OPEN_SET_ROUNDS = 10
CMC_RANKS = 20
SCORERS = ("fused", "net", "descriptors", "pixels")  # the columns of the CMC table


def main() -> None:
    p = stage_params("identify")
    from lfw_siamese import paths
    from lfw_siamese.config import regions as crops_of
    from lfw_siamese.data import regions
    from lfw_siamese.data.dataset import load_arrays
    from lfw_siamese.data.images import load_from_store
    from lfw_siamese.data.imagestore import ImageStore
    from lfw_siamese.data.pairs import read_pairs
    from lfw_siamese.net.saving import load_model
    from lfw_siamese.verification import identification as ident
    from lfw_siamese.verification.faces import read_faces
    from lfw_siamese.verification.grid import group_scores
    from lfw_siamese.verification.verifier import Pairs, Verifier

    start = time.perf_counter()
    verifier = Verifier.load(CARD)
    pre = verifier.preprocessing
    store = ImageStore(paths.IMAGES)
    counts = store.counts()
    dev_train, dev_test = (read_pairs(PAIR_LISTS / f"pairsDev{s}.txt", counts)
                           for s in ("Train", "Test"))
    groups = ident.unseen_people(counts, dev_train, dev_test, p)
    val = load_arrays(PAIRS / "val.npz")
    names = [*(f for g in groups.values() for f in g.files), *val["left_file"],
             *val["right_file"]]
    faces = read_faces(regions.FILE, verifier.gray_crops, pre["image_size"], names)
    alone = None
    if verifier.descriptors:
        alone = verifier.descriptors_alone().fit(
            Pairs.of(val["label"], None, faces, val["left_file"], val["right_file"]))
    model = load_model(verifier.model) if verifier.model is not None else None
    scores = {}
    for name, group in groups.items():
        print(f"{name} people: {len(group):,} ({len(group.repeated):,} with two or more of "
              f"their {len(group.files):,} images)")
        images = load_from_store(store, group.files, pre["image_size"], pre["channels"],
                                 crops_of(pre["crop"], pre["context_crop"]))
        scores[name] = group_scores(verifier, alone, model, images, faces, group.files)
    report = {"people": {name: {"people": len(g), "images": len(g.files),
                                "repeated": len(g.repeated)} for name, g in groups.items()}}
    test, ways = groups["test"], [w for w in p.identify_ways if w <= len(groups["test"])]
    if len(ways) < len(p.identify_ways):
        print(f"identify_ways: {len(test)} test people; skipping N > {len(test)}")
    report["one_shot"], report["cmc"], report["open_set"] = {}, {}, {}
    for scorer, grid in scores["test"].items():
        trials = {}
        for n in [*ways, len(test)]:
            rng = np.random.default_rng([p.identify_seed, n])
            trials[n] = ident.ranks(grid, test, n, p.identify_trials, rng)
        report["one_shot"][scorer] = {str(n): ident.accuracy(r) for n, r in trials.items()}
        report["cmc"][scorer] = ident.cmc(trials[len(test)], min(CMC_RANKS, len(test)))
        chosen = ident.open_set(scores["val"][scorer], groups["val"], OPEN_SET_ROUNDS,
                                np.random.default_rng([p.identify_seed, 0]))
        judged = ident.open_set(grid, test, OPEN_SET_ROUNDS,
                                np.random.default_rng([p.identify_seed, 1]))
        report["open_set"][scorer] = {
            str(far): {"threshold": chosen.threshold(far), **judged.at(chosen.threshold(far))}
            for far in FARS}
    write_outputs(report, len(test), ways)
    print(f"identified in {time.perf_counter() - start:.0f} s")


def write_outputs(report: dict, everyone: int, ways: list[int]) -> None:
    """The headline, the detail, the CMC table and the plot; a summary printed."""
    from lfw_siamese.plots_identify import identification

    one_shot, cmc, open_set = report["one_shot"], report["cmc"], report["open_set"]
    first = next(iter(one_shot))  # the Verifier's own scores
    headline = {}
    if str(HEADLINE_WAYS) in one_shot[first]:
        headline[f"one_shot_{HEADLINE_WAYS}"] = {s: r[str(HEADLINE_WAYS)]["accuracy"]
                                                 for s, r in one_shot.items()}
    headline["rank1_all"] = one_shot[first][str(everyone)]["accuracy"]
    headline |= {f"dir_far_{far:.0e}".replace("e-0", "e-"): open_set[first][str(far)]["dir"]
                 for far in FARS}
    write_json(METRICS / "identify_detail.json", report)
    write_json(METRICS / "identify.json", headline)
    write_csv(METRICS / "identify_cmc.csv", ["rank", *SCORERS],  # "": not scored
              [(k + 1, *(f"{cmc[s][k]:.5f}" if s in cmc else "" for s in SCORERS))
               for k in range(len(next(iter(cmc.values()))))])
    identification(one_shot, cmc, everyone, PLOTS / "identify.png")
    for scorer, results in one_shot.items():
        shown = [f"{n if int(n) != everyone else 'all'}-way {r['accuracy']:.3f}"
                 for n, r in results.items() if int(n) in (*ways, everyone)]
        rates = ", ".join(f"DIR {v['dir']:.3f} at FAR {v['far']:.4f}"
                          for v in open_set[scorer].values())
        print(f"{scorer}: {', '.join(shown)}; open set: {rates}")


if __name__ == "__main__":
    run_stage("identify", main)
