"""Matplotlib renderings of the pipeline's plot data, so every plot is viewable offline."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .fsutil import atomic_output  # noqa: E402


def save(fig, path) -> None:
    """Write a figure as PNG atomically and close it."""
    fig.tight_layout()
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    plt.close(fig)


def training_curves(rows: list[dict], path) -> None:
    """Loss, accuracy and learning rate per epoch, train and validation."""
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    epochs = [r["epoch"] for r in rows]
    for ax, key in zip(axes[:2], ("loss", "accuracy"), strict=True):
        ax.plot(epochs, [r[key] for r in rows], label="train")
        ax.plot(epochs, [r[f"val_{key}"] for r in rows], label="validation")
        ax.set(xlabel="epoch", title=key)
        ax.legend()
    axes[2].plot(epochs, [r["learning_rate"] for r in rows])
    axes[2].set(xlabel="epoch", title="learning rate")
    save(fig, path)


def evaluation(rocs: dict, scores: dict, matrix: dict, path) -> None:
    """ROC curves, test score distributions and the test confusion matrix in one figure."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    for name, (fpr, tpr, area) in rocs.items():
        axes[0].plot(fpr, tpr, label=f"{name} (AUC {area:.3f})")
    axes[0].plot([0, 1], [0, 1], "k:", lw=0.8)
    axes[0].set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
    axes[0].legend()
    for name, values in scores.items():
        axes[1].hist(values, bins=25, range=(0, 1), alpha=0.6, label=name)
    axes[1].set(xlabel="score", title="test score distribution")
    axes[1].legend()
    cells = [[matrix["tn"], matrix["fp"]], [matrix["fn"], matrix["tp"]]]
    axes[2].imshow(cells, cmap="Blues")
    for i in range(2):
        for j in range(2):
            axes[2].text(j, i, cells[i][j], ha="center", va="center", fontsize=14)
    axes[2].set(xticks=[0, 1], yticks=[0, 1], xticklabels=["different", "same"],
                yticklabels=["different", "same"], xlabel="predicted", ylabel="actual",
                title="test confusion")
    save(fig, path)


def bars(title: str, panels: dict[str, list[tuple[str, int]]], path, xlabel: str) -> None:
    """Side-by-side horizontal bar charts of (name, count) lists, first item on top."""
    rows = max(len(v) for v in panels.values())
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels) + 2, 0.28 * rows + 1.4),
                             squeeze=False)
    for ax, (name, people) in zip(axes[0], panels.items(), strict=True):
        ax.barh([p for p, _ in people][::-1], [n for _, n in people][::-1])
        ax.set(title=name, xlabel=xlabel)
        ax.tick_params(axis="y", labelsize=8)
    fig.suptitle(title)
    save(fig, path)


def histogram(values, path) -> None:
    """Distribution of images per person (for the people it is given)."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.hist(values, bins=range(min(values), max(values) + 2), log=True)
    ax.set(title="images per person (people with more than 5 images)",
           xlabel="images", ylabel="people (log scale)")
    save(fig, path)


def gallery(groups: dict[str, list[dict]], path) -> None:
    """Pairs side by side, one column group per kind of error, with names and score.

    Each item has `left`, `right` (H, W, C uint8 images), `left_file`, `right_file`, `score`.
    """
    rows = max(1, max(len(items) for items in groups.values()))
    fig, axes = plt.subplots(rows, 2 * len(groups), figsize=(4.2 * len(groups), 2.3 * rows),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for g, (title, items) in enumerate(groups.items()):
        axes[0, 2 * g].set_title(title, loc="left", fontsize=11, pad=18)
        for r, item in enumerate(items):
            for side in range(2):
                image = item[("left", "right")[side]]
                name = item[("left_file", "right_file")[side]].split("/")[-1][:-4]
                ax = axes[r, 2 * g + side]
                ax.imshow(shown(image), cmap="gray", vmin=0, vmax=255)
                ax.text(0.5, -0.08, name, transform=ax.transAxes, ha="center", va="top",
                        fontsize=7)
            axes[r, 2 * g].text(1.05, 1.04, f"score {item['score']:.3f}",
                                transform=axes[r, 2 * g].transAxes, ha="center", fontsize=8)
    save(fig, path)


def shown(image: np.ndarray) -> np.ndarray:
    """One network input as imshow takes it: grey or RGB, two stacked regions (2 or 6
    channels: `Params.crops`) side by side."""
    if image.shape[-1] in (2, 6):
        image = np.concatenate(np.split(image, 2, axis=-1), axis=1)
    return image[..., 0] if image.shape[-1] == 1 else image


def batch_grid(batch, path, pairs: int = 16) -> None:
    """The first `pairs` pairs of a training batch ((left, right), label) as the network
    sees them (after crop and distortion): a wrong crop or distortion shows at a glance.
    A label given once per model output (identity supervision) is shown once."""
    (left, right), label = batch
    if isinstance(label, tuple):
        label = label[0]
    n = min(pairs, len(label))
    cols = 8
    rows = -(-n // (cols // 2))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.3, rows * 1.45), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for k in range(n):
        for side, images in enumerate((left, right)):
            ax = axes.flat[2 * k + side]
            image = images[k]
            ax.imshow(shown(image), cmap="gray", vmin=0, vmax=255)
        title = (("same" if label[k] else "different") if label.dtype == "uint8"
                 else f"person {label[k]}")  # in-batch negatives: one person per pair
        axes.flat[2 * k].set_title(title, fontsize=7, loc="left")
    fig.suptitle(f"a training batch, first {n} of {len(label)} pairs "
                 f"({left.shape[1]}x{left.shape[2]}x{left.shape[3]})", fontsize=9)
    save(fig, path)


def view2(summary: dict, fpr, tpr, path) -> None:
    """View 2: accuracy per fold with the mean, and the mean ROC."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    acc = summary["accuracy_per_fold"]
    axes[0].bar(range(1, len(acc) + 1), acc)
    axes[0].axhline(summary["mean_accuracy"], color="k", ls="--",
                    label=f"mean {100 * summary['mean_accuracy']:.2f} ± "
                          f"{100 * summary['standard_error']:.2f} %")
    axes[0].set(xlabel="held-out fold", ylabel="accuracy", ylim=(0.5, 1), title="View 2 folds")
    axes[0].legend(loc="lower right")
    axes[1].plot(fpr, tpr, label=f"mean AUC {summary['mean_auc']:.3f}")
    axes[1].plot([0, 1], [0, 1], "k:", lw=0.8)
    axes[1].set(xlabel="false positive rate", ylabel="true positive rate", title="mean ROC")
    axes[1].legend(loc="lower right")
    save(fig, path)
