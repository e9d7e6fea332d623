"""Read and check params.yaml: every key known, every value of the right type and range.

`dvc exp run -S key=value` silently adds keys that do not exist, so a typo would otherwise
run a whole experiment with the default. Every stage calls `load_params()` first and fails
before any heavy work, naming each bad key and what is allowed. What it returns is a frozen,
typed `Params` object built from the same schema: `p.lr`, `p.filters`, never a typo'd key.
"""

import dataclasses
import difflib
from dataclasses import dataclass
from pathlib import Path

import yaml

from .arch import min_image_size
from .errors import LfwError
from .releases import RELEASES

PARAMS_FILE = Path("params.yaml")


@dataclass(frozen=True)
class Choice:
    values: tuple

    @property
    def type(self):
        return type(self.values[0])

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

    @property
    def type(self):
        return self.kind

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
        value = self.kind(value)
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            raise ValueError(self.describe())
        if self.high is not None and (value > self.high or (self.high_open and value == self.high)):
            raise ValueError(self.describe())
        return value


@dataclass(frozen=True)
class Flag:
    type = bool

    def check(self, value):
        if isinstance(value, bool):
            return value
        raise ValueError("true or false")


@dataclass(frozen=True)
class IntList:
    length: int
    type = tuple[int, ...]

    def check(self, value):
        if (
            isinstance(value, list | tuple)
            and len(value) == self.length
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value)
        ):
            return tuple(value)
        raise ValueError(f"a list of {self.length} integers >= 1, e.g. [64, 128, 128, 256]")


SCHEMA = {
    "release": Choice(tuple(RELEASES)),
    "image_size": Number(int, 16, 250),
    "channels": Choice((1, 3)),
    "crop": Number(int, 1, 250),
    "context_crop": Number(int, 0, 250),
    "split": Choice(("pairs", "people", "stratified")),
    "val_fraction": Number(float, 0, 1, low_open=True, high_open=True),
    "val_pairs": Number(int, 2),
    "split_seed": Number(int, 0),
    "train_pairs": Choice(("dev", "mined")),
    "pairs_per_epoch": Number(int, 2),
    "augment": Flag(),
    "twin": Choice(("koch", "lean")),
    "filters": IntList(4),
    "context_filters": IntList(4),
    "context_pool": Choice((1, 2, 4)),
    "dense_units": Number(int, 1),
    "batch_norm": Flag(),
    "head": Choice(("l1", "cosine")),
    "optimizer": Choice(("sgd", "adam", "adamw", "nadam", "rmsprop")),
    "lr": Number(float, 0, low_open=True),
    "schedule": Choice(("exponential", "cosine")),
    "lr_decay": Number(float, 0, 1, high_open=True),
    "weight_decay": Number(float, 0),
    "loss": Choice(("bce", "contrastive", "batch_softmax")),
    "margin": Number(float, 0, low_open=True),
    "identity_weight": Number(float, 0),
    "identity_margin": Number(float, 0, 1, high_open=True),
    "epochs": Number(int, 1),
    "patience": Number(int, 0),
    "batch_size": Number(int, 1),
    "seed": Number(int, 0),
    "tta": Flag(),
}


def _replace(self, **changes) -> "Params":
    """A checked copy with some values changed (e.g. `p.replace(epochs=1)`)."""
    return check_params({**dataclasses.asdict(self), **changes}, "parameter overrides")


def regions(crop: int, context_crop: int = 0) -> tuple[int, ...]:
    """The centre crops a network sees, one region each: `crop`, then `context_crop` if > 0."""
    return (crop, context_crop) if context_crop else (crop,)


def _crops(self) -> tuple[int, ...]:
    return regions(self.crop, self.context_crop)


def _input_channels(self) -> int:
    """Channels of the network's input: each region's `channels`, the regions stacked."""
    return self.channels * len(self.crops)


Params = dataclasses.make_dataclass(
    "Params", [(key, rule.type) for key, rule in SCHEMA.items()], frozen=True,
    namespace={"__doc__": "The checked parameters of params.yaml, one typed field per key.",
               "__module__": __name__, "replace": _replace, "crops": property(_crops),
               "input_channels": property(_input_channels)})


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
    return problems


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
            problems.append(f"{key}: got {raw[key]!r}, expected {exc}")
    problems += _combinations(checked)
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
