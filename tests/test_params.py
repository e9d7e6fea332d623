import dataclasses
import re
from pathlib import Path

import pytest
import yaml

from lfw_siamese.budget import memory_problems
from lfw_siamese.errors import LfwError
from lfw_siamese.experiments import figures, load_set, set_names, sizes
from lfw_siamese.params import check_params, load_params
from lfw_siamese.verification.features import kinds

ROOT = Path(__file__).resolve().parents[1]
DEFAULTS = yaml.safe_load((ROOT / "params.yaml").read_text())
EXPERIMENTS = ROOT / "experiments"
REFERENCE = load_set("reference", EXPERIMENTS)["reference"]
GRID = load_set("report", EXPERIMENTS)


def test_reference_configuration_is_valid_and_the_reports():
    p = check_params({**DEFAULTS, **REFERENCE})
    assert (p.optimizer, p.lr, p.batch_norm, p.loss) == ("sgd", 0.02, True, "bce")
    assert (p.epochs, p.batch_size, p.image_size, p.channels) == (50, 64, 105, 3)
    assert (p.twin, p.split, p.train_pairs, p.augment) == ("koch", "pairs", "dev", False)
    assert p.filters == (64, 128, 128, 256)
    assert p.fusion == "none" and p.erase == p.ema == 0  # the report's network alone
    one = check_params({**DEFAULTS, "lbp_cells": 8})  # `-S lbp_cells=8`: one grid, every crop
    assert one.lbp_cells == (8,) and one.lbp_descriptors == ((120, 8), (90, 8), (150, 8))
    both = check_params({**DEFAULTS, "lbp_cells": [8, 6], "lbp_crops": 120})
    assert both.lbp_descriptors == ((120, 8), (120, 6))  # recipe v4's two grids on one crop
    assert check_params(DEFAULTS).lbp_descriptors == ((120, 8), (90, 8), (150, 6))


def test_every_named_configuration_is_valid_at_every_size():
    for which in set_names(EXPERIMENTS):
        for name, change in load_set(which, EXPERIMENTS).items():
            assert check_params({**DEFAULTS, **change}), f"{which}: {name}"
            for size in sizes(EXPERIMENTS).values():
                check_params({**DEFAULTS, **change, **size})


def test_the_sets_say_what_they_hold():
    assert set(set_names(EXPERIMENTS)) >= {"reference", "report", "recipes", "ablations"}
    recipes = load_set("recipes", EXPERIMENTS)
    assert list(recipes) == ["recipe-v5", "recipe-v4", "recipe-v3", "recipe-v2", "recipe-v1"]
    assert check_params({**DEFAULTS, **recipes["recipe-v5"]}) == check_params(DEFAULTS)
    v4 = check_params({**DEFAULTS, **recipes["recipe-v4"]})
    assert v4.lbp_descriptors == ((120, 8), (120, 6)) and v4.replace(
        lbp_cells=DEFAULTS["lbp_cells"], lbp_crops=DEFAULTS["lbp_crops"]) == check_params(DEFAULTS)
    assert check_params({**DEFAULTS, **recipes["recipe-v3"]}).fusion == "none"
    v2 = check_params({**DEFAULTS, **recipes["recipe-v2"]})
    assert (v2.filters, v2.context_crop) == ((32, 32, 64, 128), 0)
    v1 = check_params({**DEFAULTS, **recipes["recipe-v1"]})
    assert (v1.filters, v1.split, v1.val_pairs, v1.epochs) == ((32, 32, 64, 128), "people",
                                                               1000, 10)
    assert GRID["exp2"] == REFERENCE  # the report's second experiment is the reference
    ablations = load_set("ablations", EXPERIMENTS)
    assert ablations["recipe"] == {} and all(ablations[n] for n in ablations if n != "recipe")


def test_a_base_and_common_settings_apply_before_a_runs_own(tmp_path):
    (tmp_path / "a.yaml").write_text("runs:\n  one: {lr: 0.1, epochs: 3}\n")
    (tmp_path / "b.yaml").write_text("base: [a:one]\ncommon: {epochs: 5, seed: 1}\n"
                                     "runs:\n  x: {}\n  y: {seed: 2}\n")
    assert load_set("b", tmp_path) == {"x": {"lr": 0.1, "epochs": 5, "seed": 1},
                                       "y": {"lr": 0.1, "epochs": 5, "seed": 2}}
    (tmp_path / "c.yaml").write_text("base: [a:two]\nruns:\n  x: {}\n")
    with pytest.raises(LfwError, match="base a:two: no run 'two' in a; known: one"):
        load_set("c", tmp_path)
    with pytest.raises(LfwError, match="no such experiment set; known: a, b, c"):
        load_set("d", tmp_path)


def problems(**changes):
    with pytest.raises(LfwError) as err:
        check_params({**DEFAULTS, **changes})
    return str(err.value)


def test_unknown_key_is_named_with_a_suggestion():
    message = problems(optimzer="adam")
    assert "unknown parameter 'optimzer' (did you mean 'optimizer'?)" in message
    assert "Known parameters: release, image_size" in message


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("optimizer", "adamx", "optimizer: got 'adamx', expected one of sgd, adam, adamw, nadam, rmsprop"),
        ("loss", "mse", "expected one of bce, contrastive, batch_softmax"),
        ("lr", 0, "lr: got 0, expected a number > 0"),
        ("lr", -1e-3, "expected a number > 0"),
        ("lr", "fast", "lr: got 'fast', expected a number > 0"),
        ("batch_size", 0, "batch_size: got 0, expected an integer >= 1"),
        ("batch_size", 64.5, "expected an integer >= 1"),
        ("epochs", True, "epochs: got True, expected an integer >= 1"),
        ("val_fraction", 1.0, "val_fraction: got 1.0, expected a number > 0 and < 1"),
        ("val_fraction", 0, "expected a number > 0 and < 1"),
        ("image_size", 8, "image_size: got 8, expected an integer >= 16 and <= 250"),
        ("split", "random", "split: got 'random', expected one of pairs, people"),
        ("head", "l2", "expected one of l1, cosine"),
        ("patience", -1, "patience: got -1, expected an integer >= 0"),
        ("channels", 2, "channels: got 2, expected one of 1, 3"),
        ("batch_norm", "yes", "batch_norm: got 'yes', expected true or false"),
        ("filters", [64, 128], "expected a list of 4 integers >= 1"),
        ("release", "lfw-a", "expected one of lfwa, lfw, lfw-funneled, lfw-deepfunneled"),
        ("fusion", "hog", f"fusion: got 'hog', expected one of {', '.join(kinds())}, none"),
        ("lbp_cells", 0, "lbp_cells: got 0, expected an integer from 1 to 32, or a list of up "
                         "to 4 (e.g. [8, 6])"),
        ("lbp_cells", [8, 8, 6, 6, 4], "lbp_cells: got [8, 8, 6, 6, 4], expected an integer"),
        ("lbp_cells", [], "lbp_cells: got [], expected an integer from 1 to 32"),
        ("lbp_crops", [120, 251], "lbp_crops: got [120, 251], expected an integer from 1 to "
                                  "250, or a list of up to 4 (e.g. [120, 90])"),
        ("lbp_pca", 0, "lbp_pca: got 0, expected an integer >= 1"),
        ("erase", 1.5, "erase: got 1.5, expected a number >= 0 and <= 1"),
        ("ema", 1.0, "ema: got 1.0, expected a number >= 0 and < 1"),
    ],
)
def test_bad_values_say_what_is_allowed(key, value, expected):
    assert expected in problems(**{key: value})


def test_every_problem_is_listed_at_once():
    message = problems(lr=0, optimizer="adamx", extra=1)
    assert message.count("\n  - ") == 3


def test_missing_key():
    raw = dict(DEFAULTS)
    del raw["seed"]
    with pytest.raises(LfwError, match="missing parameter 'seed'"):
        check_params(raw)


def test_numeric_strings_accepted_for_floats():
    assert check_params({**DEFAULTS, "lr": "2e-4"}).lr == pytest.approx(2e-4)


def test_params_are_typed_frozen_and_replace_rechecks():
    p = load_params(ROOT / "params.yaml")
    assert isinstance(p.filters, tuple) and isinstance(p.lr, float) and isinstance(p.tta, bool)
    with pytest.raises(AttributeError):
        p.optimzer  # noqa: B018 - a typo is an error, not a default
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.lr = 1.0
    assert p.replace(epochs=3).epochs == 3 and p.epochs == DEFAULTS["epochs"]
    with pytest.raises(LfwError, match="parameter overrides: invalid parameters:\n  - "
                                       "optimizer: got 'adamx'"):
        p.replace(optimizer="adamx")


def test_unreadable_files(tmp_path):
    with pytest.raises(LfwError, match="not found"):
        load_params(tmp_path / "params.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("lr: [1\n")
    with pytest.raises(LfwError, match="not valid YAML"):
        load_params(bad)
    bad.write_text("- 1\n")
    with pytest.raises(LfwError, match="expected a mapping"):
        load_params(bad)


@pytest.mark.parametrize(("changes", "expected"), [
    (dict(twin="koch", image_size=64), "image_size: got 64, the koch twin needs >= 65"),
    (dict(train_pairs="mined", split="pairs"), "train_pairs: mined needs split: people"),
    (dict(loss="batch_softmax", head="l1"), "loss: batch_softmax needs head: cosine and "
                                            "train_pairs: mined"),
    (dict(context_crop=200), "context_crop: > 0 needs twin: lean"),
    (dict(context_crop=250), "context_crop: got 250, the same region as crop"),
    (dict(context_pool=2), "context_pool: got 2, but context_crop is 0"),
    (dict(twin="lean", image_size=32, context_crop=200, context_pool=4),
     "context_pool: got 4, which leaves the context tower 8 px of image_size 32"),
    (dict(fusion="lbp", image_size=65, lbp_cells=[8, 20], lbp_crops=120),
     "lbp_cells: got [8, 20], cells of 3 px on image_size 65; each needs >= 4 px (grids <= 16)"),
    (dict(lbp_cells=[8, 6], lbp_crops=[120, 90, 150]),
     "lbp_crops: got [120, 90, 150] for lbp_cells [8, 6]: one crop per grid, or a single crop"),
    (dict(lbp_cells=[8, 6, 8], lbp_crops=[120, 90, 120]),
     "lbp_cells, lbp_crops: the descriptor of crop 120 on 8x8 cells is given twice"),
    (dict(lbp_cells=[8, 8], lbp_crops=120),
     "lbp_cells, lbp_crops: the descriptor of crop 120 on 8x8 cells is given twice"),
    (dict(augment=False, erase=0.5), "erase: got 0.5, but augment is false"),
    (dict(ema=0.999, patience=5), "ema: got 0.999 with patience 5: early stopping keeps"),
])
def test_combinations_that_cannot_work_are_refused(changes, expected):
    assert expected in problems(**{**DEFAULTS, **REFERENCE, **changes})


REPORT_README = ROOT.parent / "shared" / "reference" / "README.md"


@pytest.mark.skipif(not REPORT_README.is_file(),
                    reason=f"the reference report's figures not found at {REPORT_README}")
def test_grid_is_the_reference_reports_table():
    published = figures("report", EXPERIMENTS)
    rows = [line.split("|")[1:-1] for line in REPORT_README.read_text().splitlines()
            if re.match(r"\| \d+ \|", line)]
    assert len(rows) == 11 == len(GRID)
    names = {"SGD": "sgd", "Adam": "adam", "RMSprop": "rmsprop"}
    losses = {"binary cross-entropy": "bce", "contrastive": "contrastive"}
    for number, bn, lr, optimizer, loss, _step, train, val, test in (
            [c.strip() for c in row] for row in rows):
        p = check_params({**DEFAULTS, **GRID[f"exp{number}"]})
        assert (p.batch_norm, p.lr, p.optimizer, p.loss) == (
            bn == "yes", float(lr), names[optimizer], losses[loss]), number
        assert published[f"exp{number}"] == [float(train), float(val), float(test)], number


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("lr", float("nan"), "lr: got nan, expected a number > 0"),
    ("weight_decay", float("inf"), "weight_decay: got inf, expected a number >= 0"),
    ("margin", float("-inf"), "margin: got -inf"),
    ("dense_units", 100_000_000, "dense_units: 100000000 needs ~381.5 GiB for one layer's "
                                 "weights and their training state; this machine has"),
    ("filters", [100_000] * 4, "filters: [100000, 100000, 100000, 100000] needs ~1,341.1 GiB"),
    ("batch_size", 1_000_000, "batch_size: 1000000 needs ~6,591.8 GiB for a step's activations"),
    ("pairs_per_epoch", 10_000_000_000, "pairs_per_epoch: 10000000000 needs ~447.0 GiB for an "
                                        "epoch's pair indices"),
    ("val_pairs", 99_999_999, "val_pairs: 99999999 needs ~762.9 GiB for the validation pairs' "
                              "images"),
    ("lbp_pca", 10**9, "lbp_pca: 1000000000 needs ~253,200.5 GiB for the PCA's components "
                        "(11,328 features each)"),
    ("epochs", 10**400, "epochs: got 100000000000000000000000000000000000000… (401 characters), "
                        "expected an integer >= 1 and <= 100000"),  # no overflow, no wall
    ("identity_margin", 10**400, "identity_margin: got 100000000000000000000000000000000000000… "
                                 "(401 characters), expected a number >= 0 and < 1"),
])
def test_values_that_cannot_work_are_refused_by_the_check(key, value, expected):
    assert expected in problems(**{key: value})


def test_the_shipped_configurations_fit_a_small_machine():
    """The memory estimates refuse slips, not the recipe or the reference on an 8 GiB laptop."""
    eight_gib = 8 * 2**30
    assert memory_problems(check_params(DEFAULTS), eight_gib) == []
    assert memory_problems(check_params({**DEFAULTS, **REFERENCE}), eight_gib) == []
    assert memory_problems(check_params({**DEFAULTS, **REFERENCE}), 2**30) == [
        "batch_size: 64 needs ~2.5 GiB for a step's activations (128 images of 105 px through "
        "filters [64, 128, 128, 256]); this machine has ~1.0 GiB"]
