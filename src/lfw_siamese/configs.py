"""Named configurations as params.yaml overrides: the reference, its grid, the recipe's ablations.

params.yaml holds the recipe (the default, v3; RECIPE_V2 and RECIPE_V1 are the previous
ones). REFERENCE sets every key back to the reference report's configuration; GRID holds the
report's eleven experiments; ABLATIONS each take one ingredient out of the recipe; ACCURACY
each add one lever to recipe v1, judged on a stronger validation split; LEVERS try the next
ones on recipe v2 (their winner, the wide twin, made recipe v3).
scripts/grid.py queues them as DVC experiments; scripts/screen.py screens them side by side.
"""

REFERENCE = dict(
    image_size=105, channels=3, crop=250, context_crop=0, context_pool=1, split="pairs",
    val_fraction=0.2, train_pairs="dev", augment=False, twin="koch", filters=[64, 128, 128, 256],
    dense_units=4096, batch_norm=True, head="l1", optimizer="sgd", lr=0.02,
    schedule="exponential", lr_decay=0.01, weight_decay=0.0, loss="bce", margin=1.0,
    epochs=50, patience=0, batch_size=64, tta=False, identity_weight=0.0,
)

# The reference report's eleven experiments, exactly as its table gives them (batch norm,
# learning rate, optimizer, loss; everything else the reference). exp2 is the reference
# configuration itself; exp9 (no batch norm, SGD 0.02, BCE) is the report's best, 67%.
GRID = {f"exp{n}": {**REFERENCE, **change} for n, change in enumerate([
    dict(lr=0.005),
    dict(),
    dict(loss="contrastive"),
    dict(optimizer="adam"),
    dict(optimizer="adam", lr=0.0002),
    dict(optimizer="rmsprop", lr=0.001),
    dict(optimizer="rmsprop", lr=0.01),
    dict(optimizer="rmsprop", lr=0.0001, loss="contrastive"),
    dict(batch_norm=False),
    dict(batch_norm=False, optimizer="adam", lr=0.0002),
    dict(batch_norm=False, optimizer="rmsprop", lr=0.0002),
], start=1)}
# The report's figures for each (%, pairsDevTest for test), shown beside our runs.
REPORT = {  # name: (train acc, val acc, test acc)
    "exp1": (100, 65, 61.8), "exp2": (100, 64.5, 63.9), "exp3": (100, 56.73, 55),
    "exp4": (53, 55, 59), "exp5": (100, 82.7, 62.9), "exp6": (98, 60, 65), "exp7": (48, 50, 50),
    "exp8": (100, 73, 65), "exp9": (100, 69, 67), "exp10": (100, 67, 66.9),
    "exp11": (65, 52.9, 52),
}

# The previous default recipes, as overrides of the current one; their full params.yaml
# files are docs/results/recipe-v{1,2}/params.yaml. v2: the lean twin at its v1 widths;
# v1: that, 10 epochs, validation people from outside both dev lists.
RECIPE_V2 = dict(filters=[32, 32, 64, 128], context_crop=0)
RECIPE_V1 = {**RECIPE_V2, "split": "people", "val_pairs": 1000, "epochs": 10}

# The recipe (params.yaml as committed), the previous recipes and, each, the recipe less one
# ingredient. The in-batch loss needs mined pairs, so `dev-pairs-only` falls back to BCE like
# `pair-bce`.
ABLATIONS = {
    "recipe": {},
    "recipe-v2": RECIPE_V2,
    "recipe-v1": RECIPE_V1,
    "no-tta": dict(tta=False),
    "no-face-crop": dict(crop=250),
    "no-augment": dict(augment=False),
    "pair-bce": dict(loss="bce"),
    "dev-pairs-only": dict(train_pairs="dev", loss="bce"),
}

# Recipe v1 judged by a stronger validation (stratified split: ~250 validation people with
# a positive pair instead of ~120, and 4,000 pairs), then one change each (issue 15's levers;
# the winners made recipe v2).
STRONG_VALIDATION = dict(split="stratified", val_pairs=4000)
ACCURACY = {name: {**RECIPE_V1, **STRONG_VALIDATION, **change} for name, change in {
    "base": {},
    "epochs-30": dict(epochs=30),
    "size-96": dict(image_size=96),
    "wide": dict(filters=[32, 64, 128, 256]),
    "no-augment": dict(augment=False),
    "deepfunneled": dict(release="lfw-deepfunneled", channels=3),
    "identity": dict(identity_weight=1.0),
    "identity-light": dict(identity_weight=0.3),
    # the short runs' winners, checked at 30 epochs (the epochs-30 run is their baseline)
    "epochs-30-no-augment": dict(epochs=30, augment=False),
    "epochs-30-deepfunneled": dict(epochs=30, release="lfw-deepfunneled", channels=3),
}.items()}

# Recipe v2, the wide twin that led on validation (recipe v3 since), and levers on top of it
# that cost no more training time here (in-batch negatives: more per batch at the same pairs
# per epoch; identity supervision at a lower weight than ACCURACY's, which lost).
WIDE = dict(filters=[32, 64, 128, 256])
LEVERS = {name: {**RECIPE_V2, **change} for name, change in {
    "recipe": {},  # recipe v2 itself: the screen's baseline
    "wide": WIDE,
    "wide-batch-128": {**WIDE, "batch_size": 128},
    "wide-batch-256": {**WIDE, "batch_size": 256},
    "wide-identity-light": {**WIDE, "identity_weight": 0.3},
    # optimisation settings of recipe v1 (chosen at 10 epochs), re-checked on the wide twin
    "wide-lr-0.004": {**WIDE, "lr": 0.004},
    "wide-lr-0.001": {**WIDE, "lr": 0.001},
    "wide-wd-0.016": {**WIDE, "weight_decay": 0.016},
    "wide-wd-0.001": {**WIDE, "weight_decay": 0.001},
    "wide-dense-256": {**WIDE, "dense_units": 256},
    # two regions, one lean tower each: the face crop and a wider one (hair, head outline)
    "regions-200": dict(context_crop=200),
    # both: two wide towers (a step costs ~3x the lean twin's; 30 epochs fit the time budget)
    "wide-regions-200": {**WIDE, "context_crop": 200, "context_filters": WIDE["filters"]},
    "wide-regions-200-e30": {**WIDE, "context_crop": 200, "context_filters": WIDE["filters"],
                             "epochs": 30},
    # the wide face tower and a lean context tower on the wider region pooled to 32 px
    # (~1.1x the wide twin's step): the context's gain within the time budget
    "wide-context-200-pool2": {**WIDE, "context_crop": 200, "context_pool": 2},
}.items()}

SIZES = {
    "full": {},
    "reduced": dict(image_size=65, filters=[16, 32, 32, 64], dense_units=512, epochs=3),
    "tiny": dict(image_size=65, filters=[8, 16, 16, 32], dense_units=64, epochs=1,
                 pairs_per_epoch=256),
}
