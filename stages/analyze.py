"""Stage `analyze`: statistics of the release, the pair lists and the train/val split
(for `split: people`, also the mining pool, which must share no one with val or test).

Writes metrics/analysis/dataset.json (every statistic), metrics/dataset.json (the headline:
images, people and who is shared between the split's sides, what `dvc exp show` lists),
tables metrics/analysis/top_<list>.csv and metrics/analysis/images_per_person.csv, and PNG
charts under metrics/plots/analysis/.
"""

from collections import Counter
from pathlib import Path

from PIL import Image

from lfw_siamese import paths
from lfw_siamese.config import stage_params
from lfw_siamese.data import analysis as a
from lfw_siamese.data.dataset import split_pairs
from lfw_siamese.data.imagestore import ImageStore
from lfw_siamese.data.pairs import people_of, person_of, read_pairs
from lfw_siamese.errors import run_stage
from lfw_siamese.fsutil import atomic_output, write_csv, write_json
from lfw_siamese.net.mining import by_person_split
from lfw_siamese.plots import bars, histogram

TABLES = paths.METRICS / "analysis"
CHARTS = paths.PLOTS / "analysis"
TOP = 15


def image_properties(store: ImageStore) -> dict:
    """Size and mode of every image (headers only), summarised."""
    kinds = Counter()
    for name in store.files:
        with Image.open(store.open(name)) as im:
            kinds[(im.size, im.mode)] += 1
    (size, mode), _ = kinds.most_common(1)[0]
    return {"width": size[0], "height": size[1], "mode": mode,
            "grayscale": mode == "L", "uniform": len(kinds) == 1}


def write_top(path: Path, top: dict) -> None:
    sides = ("positive", "negative", "both")
    rows = []
    for rank in range(max(len(top[s]) for s in sides)):
        rows.append([rank + 1])
        for s in sides:
            rows[-1] += list(top[s][rank]) if rank < len(top[s]) else ["", ""]
    write_csv(path, ["rank"] + [c for s in sides for c in (f"{s}_person", f"{s}_pairs")], rows)


def main() -> None:
    p = stage_params("analyze")
    store = ImageStore(paths.IMAGES)
    counts = store.counts()
    lists = {name: read_pairs(paths.PAIR_LISTS / f"{name}.txt", counts)
             for name in ("pairsDevTrain", "pairsDevTest", "pairs")}
    pool = []
    if p.split != "pairs":
        pool, train, val = by_person_split(counts, lists["pairsDevTrain"], lists["pairsDevTest"], p)
    else:
        train, val = split_pairs(lists["pairsDevTrain"], p.val_fraction, p.split_seed)
    folds = sorted({pair.fold for pair in lists["pairs"]})
    report = {
        "release": {"name": p.release, **a.release_stats(counts),
                    **image_properties(store)},
        "pairsDevTrain": a.pair_stats(lists["pairsDevTrain"]),
        "pairsDevTest": a.pair_stats(lists["pairsDevTest"]),
        "pairs": {"total": a.pair_stats(lists["pairs"]),
                  **{f"fold_{k + 1}": a.pair_stats([q for q in lists["pairs"] if q.fold == k])
                     for k in folds}},
        "split": {"kind": p.split, "train": a.pair_stats(train), "val": a.pair_stats(val),
                  "train_val_shared": a.overlap(train, val),
                  "train_test_shared": a.overlap(train, lists["pairsDevTest"]),
                  "val_test_shared": a.overlap(val, lists["pairsDevTest"])},
    }
    if pool:
        people = {person_of(f) for f in pool}
        report["split"]["mining_pool"] = {
            "people": len(people), "images": len(pool),
            "people_shared_with_val": len(people & people_of(val)),
            "people_shared_with_test": len(people & people_of(lists["pairsDevTest"]))}
    with atomic_output(TABLES) as tables, atomic_output(CHARTS) as charts:
        tables.mkdir()
        charts.mkdir()
        write_csv(tables / "images_per_person.csv", ["images", "people"],
                  sorted(Counter(counts.values()).items()))
        histogram([n for n in counts.values() if n > 5], charts / "images_per_person.png")
        over_50 = sorted(((k, n) for k, n in counts.items() if n > 50), key=lambda kn: -kn[1])
        bars("people with more than 50 images", {"": over_50}, charts / "people_over_50.png",
             "images")
        for name, pairs in {**lists, "train": train, "val": val}.items():
            top = a.top_appearances(pairs, TOP)
            write_top(tables / f"top_{name}.csv", top)
            if name in ("pairsDevTrain", "pairsDevTest"):
                bars(f"{name}: who appears most", {
                    "in positive pairs": top["positive"], "in negative pairs": top["negative"],
                    "in both (total pairs)": top["both"]}, charts / f"top_{name}.png", "pairs")
        write_json(tables / "dataset.json", report)
    write_json(paths.METRICS / "dataset.json", {
        "images": report["release"]["images"], "people": report["release"]["people"],
        "shared_people": {sides: report["split"][f"{sides}_shared"]["people"]
                          for sides in ("train_val", "train_test", "val_test")}})
    r, s = report["release"], report["split"]
    print(f"{r['name']}: {r['images']} images of {r['people']} people; people shared by "
          f"train/val {s['train_val_shared']['people']}, train/test "
          f"{s['train_test_shared']['people']}")


if __name__ == "__main__":
    run_stage("analyze", main)
