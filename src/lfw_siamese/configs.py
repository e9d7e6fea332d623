"""Named configurations as params.yaml overrides: the reference, its grid, the recipe's ablations.

params.yaml holds the recipe (the default). REFERENCE sets every key back to the reference
report's configuration; GRID varies the reference as the report did; ABLATIONS each take one
ingredient out of the recipe. scripts/grid.py queues them as DVC experiments.
"""

REFERENCE = dict(
    image_size=105, channels=3, crop=250, split="pairs", val_fraction=0.2,
    train_pairs="dev", augment=False, twin="koch", filters=[64, 128, 128, 256],
    dense_units=4096, batch_norm=True, head="l1", optimizer="sgd", lr=0.02,
    schedule="exponential", lr_decay=0.01, weight_decay=0.0, loss="bce", margin=1.0,
    epochs=50, patience=0, batch_size=64, tta=False,
)

# Optimizer x learning rate x batch norm x loss, modelled on the reference report's table.
GRID = {name: {**REFERENCE, **change} for name, change in {
    "sgd-bn-bce": {},
    "sgd-nobn-bce": dict(batch_norm=False),
    "sgd-lr0.002-bn-bce": dict(lr=0.002),
    "sgd-bn-contrastive": dict(loss="contrastive"),
    "adam-bn-bce": dict(optimizer="adam", lr=0.0002),
    "adam-nobn-bce": dict(optimizer="adam", lr=0.0002, batch_norm=False),
    "adam-lr0.002-bn-bce": dict(optimizer="adam", lr=0.002),
    "adam-bn-contrastive": dict(optimizer="adam", lr=0.0002, loss="contrastive"),
    "rmsprop-bn-bce": dict(optimizer="rmsprop", lr=0.0002),
    "rmsprop-nobn-bce": dict(optimizer="rmsprop", lr=0.0002, batch_norm=False),
    "rmsprop-bn-contrastive": dict(optimizer="rmsprop", lr=0.0002, loss="contrastive"),
}.items()}

# The recipe (params.yaml as committed) and, each, the recipe less one ingredient. The
# in-batch loss needs mined pairs, so `dev-pairs-only` falls back to BCE like `pair-bce`.
ABLATIONS = {
    "recipe": {},
    "no-tta": dict(tta=False),
    "no-face-crop": dict(crop=250),
    "no-augment": dict(augment=False),
    "pair-bce": dict(loss="bce"),
    "dev-pairs-only": dict(train_pairs="dev", loss="bce"),
}

SIZES = {
    "full": {},
    "reduced": dict(image_size=65, filters=[16, 32, 32, 64], dense_units=512, epochs=3),
    "tiny": dict(image_size=65, filters=[8, 16, 16, 32], dense_units=64, epochs=1,
                 pairs_per_epoch=256),
}
