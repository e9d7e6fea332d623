"""The identification stage's figure (beside lfw_siamese.plots, which the training stages
depend on)."""

import numpy as np

from .plots import plt, save


def identification(one_shot: dict, cmc: dict, everyone: int, path) -> None:
    """One-shot identification: N-way accuracy against N (with 95% intervals, the whole
    gallery last) and the closed-set CMC curve of the whole gallery, per scorer."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for scorer, results in one_shot.items():
        ways = [int(n) for n in results]
        acc = np.array([r["accuracy"] for r in results.values()])
        spread = np.array([[a - r["low"], r["high"] - a]
                           for a, r in zip(acc, results.values(), strict=True)]).T
        axes[0].errorbar(ways, acc, yerr=spread, marker="o", capsize=3, label=scorer)
        axes[1].plot(range(1, len(cmc[scorer]) + 1), cmc[scorer], marker=".", label=scorer)
    axes[0].set(xscale="log", xlabel=f"N people in the gallery ({everyone}: all test people)",
                ylabel="accuracy", ylim=(0, 1), title="N-way one-shot identification")
    axes[1].set(xlabel="rank", ylabel="share of probes within rank", ylim=(0, 1),
                title=f"CMC, gallery of all {everyone} test people")
    for ax in axes:
        ax.legend(loc="lower left")
    save(fig, path)
