"""The optimizer and learning-rate schedule named in params.yaml."""

import math

import keras


def make_optimizer(p) -> keras.optimizers.Optimizer:
    """The optimizer of `p` at its initial learning rate (the schedule sets it each epoch);
    with p.ema > 0 it also keeps a moving average of the weights, which `fit` swaps in at
    the end (Keras' `use_ema`)."""
    average = {"use_ema": p.ema > 0, "ema_momentum": p.ema or 0.99}
    if p.optimizer == "sgd":
        return keras.optimizers.SGD(p.lr, momentum=0.7, nesterov=True, **average)
    if p.optimizer == "adamw":
        return keras.optimizers.AdamW(p.lr, weight_decay=p.weight_decay, **average)
    return {"adam": keras.optimizers.Adam, "nadam": keras.optimizers.Nadam,
            "rmsprop": keras.optimizers.RMSprop}[p.optimizer](p.lr, **average)


def learning_rate(p, epoch: int) -> float:
    """The learning rate of a (0-based) epoch: exponential decay or a cosine to ~0."""
    if p.schedule == "cosine":
        return p.lr * 0.5 * (1 + math.cos(math.pi * epoch / p.epochs))
    return p.lr * (1 - p.lr_decay) ** epoch
