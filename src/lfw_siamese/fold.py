"""A View 2 fold's trained net, judged: its scores of each group of pairs, fused with the
LBP descriptors (`fusion: lbp`), the threshold from the calibration fold, the net alone
beside. What stage `view2/fold` does once the net is trained."""

from . import paths
from .dataset import load_arrays, pair_arrays
from .fusion import fit_and_fuse
from .imagestore import ImageStore
from .pairs import read_pairs
from .view2 import fold_groups, fold_result, judge_fold, training_people


def load_fold(fold: int) -> tuple[dict, dict, dict]:
    """Fold `fold`'s groups of pairs (training, calibration, test) from pairs.txt, their
    image arrays (data/view2/images.npz), and the training people's images (the mining pool)."""
    pairs = read_pairs(paths.PAIR_LISTS / "pairs.txt", ImageStore(paths.IMAGES).counts())
    groups = fold_groups(pairs, fold)
    data = load_arrays(paths.VIEW2 / "images.npz")
    index = {f: i for i, f in enumerate(data["files"])}
    arrays = {name: pair_arrays(x, data["image"], index) for name, x in groups.items()}
    return groups, arrays, training_people(data, groups["training"])


def judge_net(p, model, groups: dict, arrays: dict, people: dict) -> tuple[dict, dict]:
    """(the fold's result, each group's scores) for `model` on the `groups` of pairs (their
    `arrays`), the descriptors fitted on the training `people` (image files, person ids)."""
    from .inference import score_pairs

    net = {name: score_pairs(model, a["left"], a["right"], p.tta) for name, a in arrays.items()}
    if p.fusion != "lbp":
        return judge_fold(net, arrays), net
    fusion, scores = fit_and_fuse(net, descriptor_cosines(p, groups, people),
                                  arrays["calibration"]["label"], "calibration")
    alone = fold_result(*((arrays[k]["label"], net[k]) for k in ("calibration", "test")))
    result = judge_fold(scores, arrays) | {
        "fusion": fusion.as_dict(), "net": {k: alone[k] for k in ("threshold", "accuracy", "auc")}}
    return result, scores


def descriptor_cosines(p, groups: dict, people: dict) -> dict:
    """Each group's pairs' cosines under the descriptors of `p`, fitted on `people` and their
    mirrors; every image decoded gray from data/lfw."""
    from .descriptor import fit_descriptors, pair_cosines
    from .images import gray_regions, pair_regions

    store = ImageStore(paths.IMAGES)
    faces = gray_regions(store, list(people["files"]), p.lbp_crops, p.image_size)
    descriptors = fit_descriptors(faces, people["person"], p.descriptors, p.lbp_pca)
    return {name: pair_cosines(descriptors, *pair_regions(
        store, [q.left for q in x], [q.right for q in x], p.lbp_crops, p.image_size))
        for name, x in groups.items()}
