"""Read and check params.yaml: every key known, every value of the right type and range.

`dvc exp run -S key=value` silently adds keys that do not exist, so a typo would otherwise
run a whole experiment with the default. Every stage calls `load_params()` first and fails
before any heavy work, naming each bad key and what is allowed. What it returns is a frozen,
typed `Params`: `p.lr`, `p.filters`, never a typo'd key.

`Params` is the one place a parameter is declared: its type, its rule, and the stages whose
results it changes (`STAGES`). The stage check_params writes each stage's values to
data/params/<stage>.json, the file that stage depends on in dvc.yaml, so no key list is
written twice.
"""

import dataclasses
import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .budget import memory_problems
from .config import Derived, described
from .data.releases import RELEASES
from .errors import LfwError
from .net.arch import min_image_size
from .verification.features import kinds

PARAMS_FILE = Path("params.yaml")
# The stages that read parameters, each with its own data/params/<stage>.json.
STAGES = ("download", "prepare", "view2_prepare", "analyze", "regions", "describe", "train",
          "evaluate", "identify", "view2_train", "view2_judge", "view2_report", "blufr_trial")


@dataclass(frozen=True)
class Choice:
    values: tuple

    def check(self, value):
        if value in self.values and type(value) is type(self.values[0]):
            return value
        raise ValueError(f"one of {', '.join(map(str, self.values))}")


@dataclass(frozen=True)
class Number:
    kind: type
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    def describe(self) -> str:
        name = "an integer" if self.kind is int else "a number"
        parts = []
        if self.low is not None:
            parts.append(f"{'>' if self.low_open else '>='} {self.low}")
        if self.high is not None:
            parts.append(f"{'<' if self.high_open else '<='} {self.high}")
        return f"{name} {' and '.join(parts)}".strip()

    def check(self, value):
        if self.kind is float and isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise ValueError(self.describe()) from None
        ok_types = (int,) if self.kind is int else (int, float)
        if isinstance(value, bool) or not isinstance(value, ok_types):
            raise ValueError(self.describe())
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(self.describe())
        try:
            value = self.kind(value)
        except OverflowError:  # an integer beyond any float, e.g. lr: 10**400
            raise ValueError(self.describe()) from None
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            raise ValueError(self.describe())
        if self.high is not None and (value > self.high or (self.high_open and value == self.high)):
            raise ValueError(self.describe())
        return value


@dataclass(frozen=True)
class Flag:
    def check(self, value):
        if isinstance(value, bool):
            return value
        raise ValueError("true or false")


@dataclass(frozen=True)
class IntList:
    length: int

    def check(self, value):
        if (
            isinstance(value, list | tuple)
            and len(value) == self.length
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value)
        ):
            return tuple(value)
        raise ValueError(f"a list of {self.length} integers >= 1, e.g. [64, 128, 128, 256]")


@dataclass(frozen=True)
class Sizes:
    """One size, or a list of up to `most` of them, each in [1, high] (e.g. [8, 6])."""

    high: int
    example: str
    most: int = 4
    low: int = 1

    def check(self, value):
        values = [value] if isinstance(value, int) else value
        if (isinstance(values, list | tuple) and 1 <= len(values) <= self.most
                and all(isinstance(v, int) and not isinstance(v, bool)
                        and self.low <= v <= self.high for v in values)):
            return tuple(values)
        raise ValueError(f"an integer from {self.low} to {self.high}, or a list of up to "
                         f"{self.most} (e.g. {self.example})")


def param(rule, *stages: str):
    """A field of `Params`: its check, and the stages whose results it changes."""
    assert set(stages) <= set(STAGES), stages
    return field(metadata={"rule": rule, "stages": stages})


# Stage groups: those that see the network's input, those that train it, those that split.
# A BLUFR-style trial (blufr/dvc.yaml) trains, describes, fuses and splits people.
INPUT_STAGES = ("prepare", "view2_prepare", "train", "evaluate", "view2_train", "blufr_trial")
TRAINING_STAGES = ("train", "view2_train", "blufr_trial")
# What a fold's judge fits: the descriptors (on gray regions at the net's input size) and the
# fusion; it reads the net's scores both plain and flipped, so `tta` is its choice. Stage
# regions decodes the regions the descriptors may see (whether they are fused or not).
DESCRIBING_STAGES = ("describe", "view2_judge", "blufr_trial")
REGION_STAGES = ("regions", *DESCRIBING_STAGES)
SPLIT_STAGES = ("prepare", "analyze", "identify", "blufr_trial")
# Sizes are bounded by the machine's memory (budget.py); counts of passes by a generous cap.
MAX_EPOCHS = 100_000
MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class Params(Derived):
    """The checked parameters of params.yaml, one typed field per key (comments: params.yaml)."""

    # data
    release: str = param(Choice(tuple(RELEASES)), "download", "analyze", "evaluate", "view2_report")
    image_size: int = param(Number(int, 16, 250), *INPUT_STAGES, *REGION_STAGES)
    channels: int = param(Choice((1, 3)), *INPUT_STAGES)
    crop: int = param(Number(int, 1, 250), *INPUT_STAGES)
    context_crop: int = param(Number(int, 0, 250), *INPUT_STAGES)
    split: str = param(Choice(("pairs", "people", "stratified")), *SPLIT_STAGES)
    val_fraction: float = param(Number(float, 0, 1, low_open=True, high_open=True), *SPLIT_STAGES)
    val_pairs: int = param(Number(int, 2), *SPLIT_STAGES)
    split_seed: int = param(Number(int, 0, MAX_SEED), *SPLIT_STAGES)
    # training data
    train_pairs: str = param(Choice(("dev", "mined")), *TRAINING_STAGES)
    pairs_per_epoch: int = param(Number(int, 2), *TRAINING_STAGES)
    augment: bool = param(Flag(), *TRAINING_STAGES)
    erase: float = param(Number(float, 0, 1), *TRAINING_STAGES)
    # model
    twin: str = param(Choice(("koch", "lean")), *TRAINING_STAGES)
    filters: tuple[int, ...] = param(IntList(4), *TRAINING_STAGES)
    context_filters: tuple[int, ...] = param(IntList(4), *TRAINING_STAGES)
    context_pool: int = param(Choice((1, 2, 4)), *TRAINING_STAGES)
    dense_units: int = param(Number(int, 1), *TRAINING_STAGES)
    batch_norm: bool = param(Flag(), *TRAINING_STAGES)
    head: str = param(Choice(("l1", "cosine")), *TRAINING_STAGES)
    # training
    optimizer: str = param(Choice(("sgd", "adam", "adamw", "nadam", "rmsprop")), *TRAINING_STAGES)
    lr: float = param(Number(float, 0, 10, low_open=True), *TRAINING_STAGES)
    schedule: str = param(Choice(("exponential", "cosine")), *TRAINING_STAGES)
    lr_decay: float = param(Number(float, 0, 1, high_open=True), *TRAINING_STAGES)
    weight_decay: float = param(Number(float, 0, 1), *TRAINING_STAGES)
    loss: str = param(Choice(("bce", "contrastive", "batch_softmax")), *TRAINING_STAGES, "evaluate")
    margin: float = param(Number(float, 0, 100, low_open=True), *TRAINING_STAGES, "evaluate")
    identity_weight: float = param(Number(float, 0, 100), *TRAINING_STAGES)
    identity_margin: float = param(Number(float, 0, 1, high_open=True), *TRAINING_STAGES)
    epochs: int = param(Number(int, 1, MAX_EPOCHS), *TRAINING_STAGES)
    patience: int = param(Number(int, 0, MAX_EPOCHS), "train")
    batch_size: int = param(Number(int, 1), *TRAINING_STAGES)
    seed: int = param(Number(int, 0, MAX_SEED), *TRAINING_STAGES)
    ema: float = param(Number(float, 0, 1, high_open=True), *TRAINING_STAGES)
    # evaluation
    tta: bool = param(Flag(), "evaluate", "view2_judge", "blufr_trial")
    # descriptor fused with the net
    fusion: str = param(Choice((*kinds(), "none")), *DESCRIBING_STAGES)
    lbp_cells: tuple[int, ...] = param(Sizes(32, "[8, 6]"), *DESCRIBING_STAGES)
    lbp_crops: tuple[int, ...] = param(Sizes(250, "[120, 90]"), *REGION_STAGES)
    lbp_pca: int = param(Number(int, 1), *DESCRIBING_STAGES)
    # one-shot identification
    identify_ways: tuple[int, ...] = param(Sizes(100_000, "[5, 20]", most=8, low=2), "identify")
    identify_trials: int = param(Number(int, 10, 1_000_000), "identify")
    identify_seed: int = param(Number(int, 0, MAX_SEED), "identify")

    def replace(self, **changes) -> "Params":
        """A checked copy with some values changed (e.g. `p.replace(epochs=1)`)."""
        return check_params({**dataclasses.asdict(self), **changes}, "parameter overrides")

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    def for_stage(self, stage: str) -> dict:
        """The values of the parameters that change `stage`'s results, by name."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if stage in f.metadata["stages"]}


SCHEMA = {f.name: f.metadata["rule"] for f in dataclasses.fields(Params)}


def _combinations(p: dict) -> list[str]:
    """Problems that involve more than one key."""
    problems = []
    if p.get("twin") == "koch" and p.get("image_size", 250) < min_image_size():
        problems.append(f"image_size: got {p['image_size']}, the koch twin needs >= "
                        f"{min_image_size()} (the lean twin accepts >= 16)")
    if p.get("train_pairs") == "mined" and p.get("split") == "pairs":
        problems.append("train_pairs: mined needs split: people or stratified (a random split "
                        "of pairs would put the same people in training and validation)")
    if p.get("loss") == "batch_softmax" and (p.get("head"), p.get("train_pairs")) != (
            "cosine", "mined"):
        problems.append("loss: batch_softmax needs head: cosine and train_pairs: mined "
                        "(it compares every pair of a batch with every other)")
    if p.get("context_crop") and p.get("context_crop") == p.get("crop"):
        problems.append(f"context_crop: got {p['context_crop']}, the same region as crop; "
                        "use another size (e.g. 200 around a crop of 120) or 0 for none")
    if p.get("context_crop") and p.get("twin") != "lean":
        problems.append("context_crop: > 0 needs twin: lean (one lean tower per region)")
    if p.get("context_pool", 1) > 1 and not p.get("context_crop"):
        problems.append(f"context_pool: got {p['context_pool']}, but context_crop is 0: there is "
                        "no context region to pool (set context_crop, or context_pool: 1)")
    if p.get("context_crop") and p.get("image_size", 250) // p.get("context_pool", 1) < 16:
        problems.append(f"context_pool: got {p['context_pool']}, which leaves the context tower "
                        f"{p['image_size'] // p['context_pool']} px of image_size "
                        f"{p['image_size']}; the lean twin needs >= 16")
    if p.get("identity_weight", 0) > 0 and p.get("loss") != "batch_softmax":
        problems.append("identity_weight: > 0 needs loss: batch_softmax (identities are learned "
                        "from its batches of same-person pairs)")
    if p.get("erase", 0) > 0 and p.get("augment") is False:
        problems.append(f"erase: got {p['erase']}, but augment is false: random erasing is "
                        "part of the augmentation (set augment: true, or erase: 0)")
    if p.get("ema", 0) > 0 and p.get("patience", 0) > 0:
        problems.append(f"ema: got {p['ema']} with patience {p['patience']}: early stopping "
                        "keeps the best epoch's own weights, not their average (set one to 0)")
    crops, cells = p.get("lbp_crops", (1,)), p.get("lbp_cells", (1,))
    if len(crops) > 1 and len(cells) > 1 and len(crops) != len(cells):
        problems.append(f"lbp_crops: got {list(crops)} for lbp_cells {list(cells)}: one crop "
                        "per grid, or a single crop for all")
    else:
        pairs = described(crops, cells)
        twice = sorted({d for d in pairs if pairs.count(d) > 1})
        if twice:
            problems.append(f"lbp_cells, lbp_crops: the descriptor of crop {twice[0][0]} on "
                            f"{twice[0][1]}x{twice[0][1]} cells is given twice; each (crop, "
                            "cells) once")
    finest = max(cells)
    if p.get("fusion") == "lbp" and p.get("image_size", 250) // finest < 4:
        problems.append(f"lbp_cells: got {list(p['lbp_cells'])}, cells of "
                        f"{p['image_size'] // finest} px on image_size "
                        f"{p['image_size']}; each needs >= 4 px (grids <= "
                        f"{p['image_size'] // 4})")
    return problems


def _shown(value, limit: int = 40) -> str:
    """A value as a message quotes it, cut short if long (e.g. an integer of 400 digits)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit - 1]}… ({len(text)} characters)"


def check_params(raw, source: str = str(PARAMS_FILE)) -> Params:
    """Return the checked parameters, or raise LfwError listing every problem."""
    if not isinstance(raw, dict):
        raise LfwError(f"{source}: expected a mapping of parameter names to values")
    problems = []
    for key in raw:
        if key not in SCHEMA:
            close = difflib.get_close_matches(str(key), SCHEMA, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(f"unknown parameter '{key}'{hint}")
    checked = {}
    for key, rule in SCHEMA.items():
        if key not in raw:
            problems.append(f"missing parameter '{key}'")
            continue
        try:
            checked[key] = rule.check(raw[key])
        except ValueError as exc:
            problems.append(f"{key}: got {_shown(raw[key])}, expected {exc}")
    problems += _combinations(checked)
    if not problems:
        problems += memory_problems(Params(**checked))
    if problems:
        raise LfwError(
            f"{source}: invalid parameters:\n  - "
            + "\n  - ".join(problems)
            + f"\nKnown parameters: {', '.join(SCHEMA)}"
        )
    return Params(**checked)


def load_params(path=PARAMS_FILE) -> Params:
    """Read and check a params file (params.yaml by default)."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise LfwError(f"{path}: not found (run from the project's root)") from None
    except yaml.YAMLError as exc:
        raise LfwError(f"{path}: not valid YAML ({exc})") from None
    return check_params(raw, str(path))
