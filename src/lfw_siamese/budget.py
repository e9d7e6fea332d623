"""Memory a configuration needs, estimated from its parameters alone, against the machine's.

A slip such as `dense_units: 100000000` or `batch_size: 1000000` would otherwise pass the
check and fail minutes later, or exhaust the machine's memory. The estimates are rough
(float32, the activations a training step keeps, a weight's optimizer state) but the
values they refuse are off by orders of magnitude.
"""

import os

from .net.arch import CONV_STACK

FLOAT = 4
# Per weight while training: the weight, its gradient and two optimizer moments.
TRAINING_COPIES = 4
# Per activation a training step keeps: conv, batch norm and ReLU outputs, and gradients.
ACTIVATION_COPIES = 6
# Per pair of an epoch: the left, right and label indices (int64), and their shuffled copy.
PAIR_BYTES = 2 * 3 * 8
# The LBP descriptor: LFW's images (an upper bound on the training people's), each also
# mirrored, and the features per cell (59 uniform codes at 3 radii); PCA works in float64.
LFW_IMAGES = 13_233
LBP_FEATURES_PER_CELL = 59 * 3


def machine_memory() -> int:
    """Bytes of physical memory of this machine."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def gib(size: int) -> str:
    return f"~{size / 2**30:,.1f} GiB" if size < 2**100 else "more than 10^21 GiB"


def _lean(side: int, channels: int, filters, dense_units: int):
    """([(key, weights) per layer], activations per image) of a lean tower."""
    layers = [("filters", 25 * channels * filters[0])]
    layers += [("filters", 9 * a * b) for a, b in zip(filters, filters[1:], strict=False)]
    layers.append(("dense_units", filters[-1] * dense_units))
    side = -(-side // 2)
    activations = side * side * filters[0]
    for width in filters[1:]:
        activations += side * side * width
        side //= 2
    return layers, activations


def _koch(side: int, channels: int, filters, dense_units: int):
    """([(key, weights) per layer], activations per image) of the reference twin."""
    layers, activations, width_in = [], 0, channels
    for (kernel, pooled), width in zip(CONV_STACK, filters, strict=True):
        layers.append(("filters", kernel * kernel * width_in * width))
        side = max(side - kernel + 1, 1)
        activations += side * side * width
        side = side // 2 if pooled else side
        width_in = width
    layers.append(("dense_units", side * side * filters[-1] * dense_units))
    return layers, activations


def estimates(p) -> list[tuple[str, int, str]]:
    """(key, bytes, what for) of each part of a training run that grows with a parameter."""
    if p.twin == "koch":
        towers = [_koch(p.image_size, p.channels, p.filters, p.dense_units)]
    else:
        regions = [(p.filters, 1)] + ([(p.context_filters, p.context_pool)]
                                      if p.context_crop else [])
        towers = [_lean(p.image_size // pool, p.channels, widths, p.dense_units)
                  for widths, pool in regions]
    key, largest = max((layer for layers, _ in towers for layer in layers), key=lambda x: x[1])
    activations = sum(a for _, a in towers)
    image = p.image_size * p.image_size * p.input_channels
    found = [
        (key, largest * FLOAT * TRAINING_COPIES,
         "for one layer's weights and their training state"),
        ("batch_size", 2 * p.batch_size * activations * FLOAT * ACTIVATION_COPIES,
         f"for a step's activations ({2 * p.batch_size:,} images of {p.image_size} px "
         f"through filters {list(p.filters)})"),
        ("pairs_per_epoch", p.pairs_per_epoch * PAIR_BYTES, "for an epoch's pair indices"),
        ("val_pairs", 2 * p.val_pairs * image, "for the validation pairs' images"),
    ]
    if p.loss == "batch_softmax":
        found.append(("batch_size", p.batch_size**2 * FLOAT * ACTIVATION_COPIES,
                      "for the in-batch loss's similarity matrix"))
    if p.fusion == "lbp":
        features = max(p.lbp_cells)**2 * LBP_FEATURES_PER_CELL  # one grid at a time
        found += [("lbp_cells", 2 * LFW_IMAGES * features * FLOAT * 3,
                   f"for the LBP histograms of the training images and their mirrors "
                   f"({features:,} features each)"),
                  ("lbp_pca", p.lbp_pca * features * 8 * 3,
                   f"for the PCA's components ({features:,} features each)"),
                  ("lbp_crops", len(set(p.lbp_crops)) * 2 * LFW_IMAGES * 3 * p.image_size**2,
                   "for the LBP codes of the training images and their mirrors, per crop")]
    return found


def memory_problems(p, memory: int | None = None) -> list[str]:
    """Each part of a run that alone needs more memory than the machine has, by key."""
    memory = machine_memory() if memory is None else memory
    problems = []
    for key, size, what in estimates(p):
        if size > memory:
            value = getattr(p, key)
            value = list(value) if isinstance(value, tuple) else value
            problems.append(f"{key}: {value} needs {gib(size)} {what}; this machine has "
                            f"{gib(memory)}")
    return problems
